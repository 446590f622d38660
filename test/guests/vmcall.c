/* SPDX-License-Identifier: MIT */
/* Guest "vmcall": Vireo's VMM answers VMCALL (EAX = function) and keeps other registers. */
#include "guest.h"

const char guest_name[] = "vmcall";

#define VMCALL_PING 0u
#define VMCALL_PING_REPLY 0x56495245u   /* 'VIRE' */
#define VMCALL_UNKNOWN_REPLY 0xffffffffu

/* EBP and ESP are checked through globals: locals are addressed through EBP. */
static volatile uint32_t saved_ebp, saved_esp, after_ebp, after_esp;

static bool vmcall_check(uint32_t fn, uint32_t want)
{
    uint32_t a = fn, b = 0x11111111, c = 0x22222222, d = 0x33333333, s = 0x44444444,
             di = 0x55555555;
    __asm__ volatile("push %%ebp\n\t"
                     "mov %%esp, saved_esp\n\t"
                     "mov $0x66666666, %%ebp\n\t"
                     "vmcall\n\t"
                     "mov %%ebp, after_ebp\n\t"
                     "mov %%esp, after_esp\n\t"
                     "pop %%ebp"
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di)
                     :
                     : "memory", "cc");
    saved_ebp = 0x66666666;
    bool regs = b == 0x11111111 && c == 0x22222222 && d == 0x33333333 && s == 0x44444444 &&
                di == 0x55555555 && after_ebp == saved_ebp && after_esp == saved_esp;
    check_eq(fn == VMCALL_PING ? "vmcall: EAX=0 returns 'VIRE'" : "vmcall: unknown EAX returns ~0",
             a, want);
    return check(regs, "vmcall: EAX=0x%x keeps EBX ECX EDX ESI EDI EBP ESP", fn);
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    if (!hypervisor_is_vireo()) {
        skip("vmcall: ping", "not under Vireo's VMM (VMCALL would raise #UD)");
        skip("vmcall: unknown function", "not under Vireo's VMM");
        return;
    }
    vmcall_check(VMCALL_PING, VMCALL_PING_REPLY);
    vmcall_check(0x1234567, VMCALL_UNKNOWN_REPLY);
    vmcall_check(VMCALL_PING, VMCALL_PING_REPLY);
}
