/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the model-specific registers a guest may use (SDM Vol. 4), as a table. Those
   the vCPU state carries are read and written there; the rest are kept here or fixed.
   Anything not listed raises #GP, as an MSR a CPU lacks does. */
#include <stddef.h>
#include "vmm.h"

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define FEATURE_CONTROL_LOCKED 0x1ull           /* locked with VMX off */
#define MISC_ENABLE_RESET 0x1801ull             /* fast strings; no BTS, no PEBS */
#define MTRR_DEF_TYPE_RESET 0x806ull            /* MTRRs on, default type write-back */
#define MTRR_DEF_TYPE_BITS 0xcffull             /* E, FE, type */

enum msr_kind {
    KIND_STATE,          /* a field of the vCPU state, in group `mtd` */
    KIND_KEPT,           /* kept by the VMM: reads give what was written */
    KIND_FIXED,          /* reads give `value`; writes are ignored */
    KIND_TSC,            /* the host's TSC plus the vCPU's TSC offset */
    KIND_EFER,           /* the vCPU's EFER; LMA is the CPU's to set */
    KIND_APIC_BASE,      /* the local APIC's (vmm/dev/lapic.c) */
    KIND_TSC_DEADLINE,   /* the local APIC timer's, in guest TSC (host TSC + offset) */
};

struct msr_def {
    uint32_t index;
    enum msr_kind kind;
    uint16_t offset;    /* KIND_STATE: where in struct vireo_vcpu_state */
    uint64_t mtd;       /* KIND_STATE: its group */
    uint64_t value;     /* KIND_FIXED: the value; KIND_KEPT: the value at reset */
    uint64_t bits;      /* KIND_KEPT, KIND_STATE: the bits a write may set; others: #GP */
    bool address;       /* a linear address: a non-canonical one gives #GP */
};

#define STATE_BITS(i, field, group, mask, addr) \
    { i, KIND_STATE, offsetof(struct vireo_vcpu_state, field), group, 0, mask, addr }
#define STATE(i, field, group, addr) STATE_BITS(i, field, group, ALL, addr)
#define KEPT(i, reset, mask, addr) { i, KIND_KEPT, 0, 0, reset, mask, addr }
#define FIXED(i, v) { i, KIND_FIXED, 0, 0, v, 0, false }
#define ALL ~0ull

static const struct msr_def msrs[] = {
    { 0x10, KIND_TSC, 0, VIREO_MTD_TSC, 0, 0, false },           /* IA32_TIME_STAMP_COUNTER */
    FIXED(0x17, 0),                                             /* IA32_PLATFORM_ID */
    { 0x1b, KIND_APIC_BASE, 0, 0, 0, 0, false },                /* IA32_APIC_BASE */
    FIXED(0x3a, FEATURE_CONTROL_LOCKED),                        /* IA32_FEATURE_CONTROL */
    FIXED(0x8b, 0),             /* IA32_BIOS_SIGN_ID: no microcode; Linux writes 0 first */
    FIXED(0xfe, 0),             /* IA32_MTRRCAP: no variable or fixed ranges, no WC */
    STATE(0x174, sysenter_cs, VIREO_MTD_SYSENTER, false),
    STATE(0x175, sysenter_rsp, VIREO_MTD_SYSENTER, true),
    STATE(0x176, sysenter_rip, VIREO_MTD_SYSENTER, true),
    FIXED(0x179, 0),                                            /* IA32_MCG_CAP: no banks */
    KEPT(0x17a, 0, ALL, false),                                 /* IA32_MCG_STATUS */
    KEPT(0x1a0, MISC_ENABLE_RESET, ALL, false),                 /* IA32_MISC_ENABLE */
    KEPT(0x1d9, 0, 0, false),                   /* IA32_DEBUGCTL: only 0 (no LBR, no BTF) */
    STATE(0x277, pat, VIREO_MTD_EFER_PAT, false),               /* IA32_PAT */
    KEPT(0x2ff, MTRR_DEF_TYPE_RESET, MTRR_DEF_TYPE_BITS, false),/* IA32_MTRR_DEF_TYPE */
    { 0x6e0, KIND_TSC_DEADLINE, 0, 0, 0, 0, false },            /* IA32_TSC_DEADLINE */
    { 0xc0000080, KIND_EFER, 0, VIREO_MTD_EFER_PAT, 0, 0, false },
    /* SYSCALL state: the hypervisor switches it for the vCPU (VIREO_MTD_SYSCALL); CSTAR
       (SYSCALL in compatibility mode) is Intel's to ignore, so it is only kept. */
    STATE(0xc0000081, star, VIREO_MTD_SYSCALL, false),          /* IA32_STAR */
    STATE(0xc0000082, lstar, VIREO_MTD_SYSCALL, true),          /* IA32_LSTAR */
    KEPT(0xc0000083, 0, ALL, true),                             /* IA32_CSTAR */
    STATE_BITS(0xc0000084, fmask, VIREO_MTD_SYSCALL, 0xffffffffull, false), /* IA32_FMASK */
    STATE(0xc0000100, fs.base, VIREO_MTD_FS_GS, true),          /* IA32_FS_BASE */
    STATE(0xc0000101, gs.base, VIREO_MTD_FS_GS, true),          /* IA32_GS_BASE */
    STATE(0xc0000102, kernel_gs_base, VIREO_MTD_SYSCALL, true), /* IA32_KERNEL_GS_BASE */
    KEPT(0xc0000103, 0, 0xffffffffull, false),                  /* IA32_TSC_AUX */
};

#define MSR_COUNT (sizeof(msrs) / sizeof(msrs[0]))
static uint64_t kept[MSR_COUNT];
static bool kept_set[MSR_COUNT];

/* The slot (+ 1) each index last found, by a hash of the index: a guest uses few MSRs
   often (IA32_TSC_DEADLINE above all), and the table is searched once for each. */
#define MEMO 32
static uint8_t memo[MEMO];

static const struct msr_def *find(uint32_t index, unsigned *slot)
{
    unsigned h = (index ^ index >> 5 ^ index >> 26) % MEMO, i = memo[h];
    if (i && msrs[i - 1].index == index) {
        *slot = i - 1;
        return &msrs[i - 1];
    }
    for (i = 0; i < MSR_COUNT; i++)
        if (msrs[i].index == index) {
            memo[h] = (uint8_t)(i + 1);
            *slot = i;
            return &msrs[i];
        }
    return NULL;
}

static bool canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

bool msr_read(struct vireo_vcpu_state *s, uint32_t index, uint64_t *value)
{
    unsigned i;
    const struct msr_def *m = find(index, &i);
    if (!m)
        return false;
    switch (m->kind) {
    case KIND_STATE: memcpy(value, (char *)s + m->offset, sizeof(*value)); break;
    case KIND_KEPT: *value = kept_set[i] ? kept[i] : m->value; break;
    case KIND_FIXED: *value = m->value; break;
    case KIND_TSC: *value = rdtsc() + s->tsc_offset; break;
    case KIND_EFER: *value = s->efer; break;
    case KIND_APIC_BASE: *value = platform_apic_base(); break;
    case KIND_TSC_DEADLINE: {
        uint64_t d = platform_tsc_deadline();
        *value = d ? d + s->tsc_offset : 0;
        break;
    }
    }
    return true;
}

uint64_t msr_write(struct vireo_vcpu_state *s, uint32_t index, uint64_t v)
{
    unsigned i;
    const struct msr_def *m = find(index, &i);
    if (!m || (m->address && !canonical(v)))
        return 0;
    switch (m->kind) {
    case KIND_STATE:
        if (v & ~m->bits)
            return 0;
        memcpy((char *)s + m->offset, &v, sizeof(v));
        return m->mtd;
    case KIND_KEPT:
        if (v & ~m->bits)
            return 0;
        kept[i] = v;
        kept_set[i] = true;
        return MSR_WRITE_DONE;
    case KIND_FIXED:
        return MSR_WRITE_DONE;
    case KIND_TSC:
        s->tsc_offset = v - rdtsc();
        return VIREO_MTD_TSC;
    case KIND_EFER:
        if (v & ~(EFER_SCE | EFER_LME | EFER_NXE | EFER_LMA))
            return 0;
        s->efer = (v & ~EFER_LMA) | (s->efer & EFER_LMA);
        return VIREO_MTD_EFER_PAT;
    case KIND_APIC_BASE:                /* a new base or x2APIC mode is refused: #GP */
        return platform_set_apic_base(v) ? MSR_WRITE_DONE : 0;
    case KIND_TSC_DEADLINE:
        /* SDM Vol. 3A 10.5.4.1: 0 disarms; a deadline already past fires at once. */
        platform_set_tsc_deadline(v ? MAX(v - s->tsc_offset, 1) : 0);
        return MSR_WRITE_DONE;
    }
    return 0;
}
