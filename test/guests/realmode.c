/* SPDX-License-Identifier: MIT */
/* Guest "realmode": from protected mode down to real mode, real-mode work, and back up;
 * under Vireo this needs the VMM's unrestricted-guest support. */
#include "guest.h"

const char guest_name[] = "realmode";

#define RM_BASE 0x8000u

/* Written by the real-mode code at 0x7000 (realmode_switch.asm). */
struct rm_results {
    uint32_t seg_alias;     /* dword read through 0x1001:0000 after writing 0x1000:0010 */
    uint16_t int_bx, pad0;  /* BX after INT 0x42 (0x1234 ^ 0xffff) */
    uint16_t cs, pad1;      /* CS in real mode */
    uint32_t int_calls;     /* times the INT 0x42 handler ran */
    uint32_t cr0;           /* CR0 as read in real mode */
};

extern const uint8_t realmode_blob[], realmode_blob_end[];
void realmode_enter(void);

static void round_trip(int n)
{
    volatile struct rm_results *r = (volatile struct rm_results *)0x7000;
    memset((void *)r, 0, sizeof(*r));
    memcpy((void *)RM_BASE, realmode_blob, (size_t)(realmode_blob_end - realmode_blob));
    realmode_enter();
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    check(cs == SEL_CODE32 && (read_cr0() & CR0_PE), "realmode: %d: back in protected mode", n);
    check_eq("realmode: CR0.PE was clear in real mode", r->cr0 & CR0_PE, 0);
    check_eq("realmode: segment arithmetic (0x1000:0x10 == 0x1001:0)", r->seg_alias, 0x4c414552);
    check_eq("realmode: CS was the real-mode segment 0x800", r->cs, RM_BASE >> 4);
    check(r->int_calls == 1 && r->int_bx == (0x1234 ^ 0xffff),
          "realmode: INT 0x42 ran the IVT handler once (calls %u, BX 0x%x)", r->int_calls,
          r->int_bx);
    /* The protected-mode IDT is back: a #UD is caught again. */
    trap_expect();
    __asm__ volatile(CATCH_BEGIN "ud2" CATCH_END ::: "memory");
    check(trap_count == 1 && trap_vector == 6, "realmode: %d: protected-mode IDT restored", n);
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    round_trip(1);
    round_trip(2);
}
