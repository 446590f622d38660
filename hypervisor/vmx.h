/* SPDX-License-Identifier: MIT */
/* Vireo: VMX root operation (SDM Vol. 3C chapters 24 and 25). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vmx_caps {
    uint32_t revision;
    bool ept, ept_2m, ept_1g, ept_ad, vpid, unrestricted, apic_access, x2apic_virt,
        apic_reg_virt, virt_intr_delivery, posted_intr, preemption_timer, true_ctls;
    unsigned preemption_shift;      /* timer counts down every 2^shift TSC ticks */
    uint64_t pin_ctls, proc_ctls, proc2_ctls, exit_ctls, entry_ctls;  /* allowed 0/1 (A.3) */
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint64_t xcr0;                  /* XSAVE components a vCPU may enable; 0: no XSAVE */
};

/* Drops the guest-physical and combined mappings of every EPT on this CPU (SDM 30.3). */
static inline void vmx_invept_all(void)
{
    struct { uint64_t eptp, reserved; } desc = { 0, 0 };
    __asm__ volatile("invept %0, %1" :: "m"(desc), "r"(2ull) : "cc", "memory");
}

extern struct vmx_caps vmx_caps;

/* Enters VMX root operation on the calling CPU. Returns NULL or why VMX is unusable. */
const char *vmx_enable_cpu(void);
/* One line describing the features found (after the first successful enable). */
void vmx_print_caps(void);
