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
};

extern struct vmx_caps vmx_caps;

/* Enters VMX root operation on the calling CPU. Returns NULL or why VMX is unusable. */
const char *vmx_enable_cpu(void);
/* One line describing the features found (after the first successful enable). */
void vmx_print_caps(void);
