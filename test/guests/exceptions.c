/* SPDX-License-Identifier: MIT */
/* Guest "exceptions": faults and traps caught by the guest's own IDT and resumed. */
#include "guest.h"

const char guest_name[] = "exceptions";

enum { VEC_DE = 0, VEC_BP = 3, VEC_UD = 6, VEC_GP = 13, VEC_PF = 14, VEC_SOFT = 0x41 };

static uint32_t pd[1024] __attribute__((aligned(4096)));

/* The trap must have come once, with this vector, error code and saved EIP. */
static void expect(const char *name, uint32_t vector, uint32_t error, uint32_t eip)
{
    check(trap_count == 1 && trap_vector == vector && trap_error == error && trap_eip == eip,
          "exceptions: %s (traps %u, vector %u, error 0x%x, eip 0x%x want 0x%x)", name,
          trap_count, trap_vector, trap_error, trap_eip, eip);
}

static void divide_error(void)
{
    uint32_t at, a = 1, d = 0, zero = 0;
    trap_expect();
    __asm__ volatile("movl $1f, %0\n\t" CATCH_BEGIN "1: divl %3" CATCH_END
                     : "=&r"(at), "+a"(a), "+d"(d) : "r"(zero) : "memory");
    expect("#DE from DIV by zero", VEC_DE, 0, at);
}

static void invalid_opcode(void)
{
    uint32_t at;
    trap_expect();
    __asm__ volatile("movl $1f, %0\n\t" CATCH_BEGIN "1: ud2" CATCH_END : "=r"(at) :: "memory");
    expect("#UD from UD2", VEC_UD, 0, at);
}

/* Traps: the saved EIP is the next instruction's. */
static void breakpoint(void)
{
    uint32_t at;
    trap_expect();
    __asm__ volatile("movl $1f, %0\n\t" CATCH_BEGIN "int3\n1:" CATCH_END : "=r"(at) :: "memory");
    expect("#BP from INT3, EIP after it", VEC_BP, 0, at);
}

static void soft_int(void)
{
    uint32_t at;
    trap_expect();
    __asm__ volatile("movl $1f, %0\n\t" CATCH_BEGIN "int $0x41\n1:" CATCH_END
                     : "=r"(at) :: "memory");
    expect("INT 0x41, EIP after it", VEC_SOFT, 0, at);
}

/* A selector past the GDT limit: #GP with the selector as error code (SDM Vol. 3A 6.13). */
static void bad_segment(void)
{
    uint32_t at;
    trap_expect();
    __asm__ volatile("movl $1f, %0\n\t"
                     "movw $0xfff8, %%cx\n\t" CATCH_BEGIN "1: movw %%cx, %%ds" CATCH_END
                     : "=r"(at) :: "ecx", "memory");
    expect("#GP from loading DS with 0xfff8", VEC_GP, 0xfff8, at);
    uint16_t ds;
    __asm__ volatile("mov %%ds, %0" : "=r"(ds));
    check_eq("exceptions: DS unchanged after the #GP", ds, SEL_DATA32);
}

static void page_faults(void)
{
    paging_identity(pd, 64u << 20);
    paging_on(pd);
    uint32_t at, v = 0;
    trap_expect();
    __asm__ volatile("movl $1f, %0\n\t" CATCH_BEGIN "1: movl 0x80000000, %1" CATCH_END
                     : "=r"(at), "+r"(v) :: "memory");
    uint32_t cr2 = read_cr2();
    expect("#PF reading an unmapped page (error 0: not present, read)", VEC_PF, 0, at);
    check_eq("exceptions: CR2 holds the read's address", cr2, 0x80000000);
    trap_expect();
    __asm__ volatile("movl $1f, %0\n\t" CATCH_BEGIN "1: movl %1, 0x80401234" CATCH_END
                     : "=r"(at) : "r"(v) : "memory");
    cr2 = read_cr2();
    paging_off();
    expect("#PF writing an unmapped page (error 2: not present, write)", VEC_PF, 2, at);
    check_eq("exceptions: CR2 holds the write's address", cr2, 0x80401234);
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    divide_error();
    invalid_opcode();
    breakpoint();
    soft_int();
    bad_segment();
    page_faults();
    /* Once more after everything: the IDT still works. */
    invalid_opcode();
}
