/* SPDX-License-Identifier: MIT */
/* Vireo: VMCS field encodings (SDM Vol. 3D Appendix B) and VMREAD/VMWRITE. */
#pragma once
#include <stdint.h>

enum vmcs_field {
    VMCS_VPID = 0x0000,
    VMCS_GUEST_SEL = 0x0800,            /* + 2 * segment (ES CS SS DS FS GS LDTR TR) */
    VMCS_HOST_ES = 0x0c00,              /* ES CS SS DS FS GS TR, 2 apart */
    VMCS_IO_BITMAP_A = 0x2000,
    VMCS_IO_BITMAP_B = 0x2002,
    VMCS_MSR_BITMAP = 0x2004,
    VMCS_EXIT_MSR_STORE = 0x2006,
    VMCS_EXIT_MSR_LOAD = 0x2008,
    VMCS_ENTRY_MSR_LOAD = 0x200a,
    VMCS_TSC_OFFSET = 0x2010,
    VMCS_EPT_POINTER = 0x201a,
    VMCS_GUEST_PHYS_ADDR = 0x2400,
    VMCS_LINK_POINTER = 0x2800,
    VMCS_GUEST_PAT = 0x2804,
    VMCS_GUEST_EFER = 0x2806,
    VMCS_HOST_PAT = 0x2c00,
    VMCS_HOST_EFER = 0x2c02,
    VMCS_PIN_CTLS = 0x4000,
    VMCS_PROC_CTLS = 0x4002,
    VMCS_EXIT_CTLS = 0x400c,
    VMCS_EXIT_MSR_STORE_COUNT = 0x400e,
    VMCS_EXIT_MSR_LOAD_COUNT = 0x4010,
    VMCS_ENTRY_CTLS = 0x4012,
    VMCS_ENTRY_MSR_LOAD_COUNT = 0x4014,
    VMCS_ENTRY_INTR_INFO = 0x4016,
    VMCS_ENTRY_INTR_ERROR = 0x4018,
    VMCS_ENTRY_INSTR_LEN = 0x401a,
    VMCS_PROC_CTLS2 = 0x401e,
    VMCS_INSTR_ERROR = 0x4400,
    VMCS_EXIT_REASON = 0x4402,
    VMCS_EXIT_INTR_INFO = 0x4404,
    VMCS_IDT_VECTORING_INFO = 0x4408,
    VMCS_IDT_VECTORING_ERROR = 0x440a,
    VMCS_EXIT_INSTR_LEN = 0x440c,
    VMCS_GUEST_LIMIT = 0x4800,          /* + 2 * segment; GDTR 0x4810, IDTR 0x4812 */
    VMCS_GUEST_AR = 0x4814,             /* + 2 * segment */
    VMCS_GUEST_INTR_STATE = 0x4824,
    VMCS_GUEST_ACTV_STATE = 0x4826,
    VMCS_GUEST_SYSENTER_CS = 0x482a,
    VMCS_CR0_MASK = 0x6000,
    VMCS_CR4_MASK = 0x6002,
    VMCS_CR0_SHADOW = 0x6004,
    VMCS_CR4_SHADOW = 0x6006,
    VMCS_EXIT_QUAL = 0x6400,
    VMCS_GUEST_CR0 = 0x6800,
    VMCS_GUEST_CR3 = 0x6802,
    VMCS_GUEST_CR4 = 0x6804,
    VMCS_GUEST_BASE = 0x6806,           /* + 2 * segment; GDTR 0x6816, IDTR 0x6818 */
    VMCS_GUEST_DR7 = 0x681a,
    VMCS_GUEST_RSP = 0x681c,
    VMCS_GUEST_RIP = 0x681e,
    VMCS_GUEST_RFLAGS = 0x6820,
    VMCS_GUEST_SYSENTER_ESP = 0x6824,
    VMCS_GUEST_SYSENTER_EIP = 0x6826,
    VMCS_HOST_CR0 = 0x6c00,
    VMCS_HOST_CR3 = 0x6c02,
    VMCS_HOST_CR4 = 0x6c04,
    VMCS_HOST_GS_BASE = 0x6c08,
    VMCS_HOST_TR_BASE = 0x6c0a,
    VMCS_HOST_GDTR_BASE = 0x6c0c,
    VMCS_HOST_IDTR_BASE = 0x6c0e,
    VMCS_HOST_RSP = 0x6c14,
    VMCS_HOST_RIP = 0x6c16,
};


static inline uint64_t vmcs_read(enum vmcs_field f)
{
    uint64_t v;
    __asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((uint64_t)f) : "cc");
    return v;
}

static inline void vmcs_write(enum vmcs_field f, uint64_t v)
{
    __asm__ volatile("vmwrite %1, %0" :: "r"((uint64_t)f), "r"(v) : "cc");
}
