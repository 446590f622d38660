/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the instruction emulator behind MMIO exits (SDM Vol. 2 and Vol. 3A ch. 3-4). */
#ifndef VIREO_VMM_EMUL_H
#define VIREO_VMM_EMUL_H

#include <stdbool.h>
#include <stdint.h>
#include <vireo/mtd.h>
#include <vireo/utcb.h>

/*
 * emul_mmio() fetches the instruction at CS:RIP through the guest's segmentation and
 * paging, decodes it and performs it once: its memory operands go to guest RAM or to
 * MMIO, as the callbacks say. It needs these groups of struct vireo_vcpu_state: the GPRs,
 * RIP, RFLAGS, CR0/CR3/CR4, EFER and the six segment registers (EMUL_MTD_IN).
 *
 * REP string forms do at most EMUL_REP_BUDGET iterations per call; while RCX is not 0 RIP
 * stays on the instruction, so the guest executes it again (interrupts may come in
 * between, as on hardware), exiting again only while an operand is MMIO.
 */
#define EMUL_REP_BUDGET 1024u
#define EMUL_INSN_MAX 15u               /* SDM Vol. 2 2.3.11: longer is #GP(0) */

enum emul_status {
    EMUL_DONE,                  /* state updated; out.mtd names the changed groups */
    EMUL_EXCEPTION,             /* inject out.vector (+ error code; CR2 for #PF) */
    EMUL_UNSUPPORTED,           /* out.reason says what; the state is unchanged */
};

/* The exit that asked for emulation (VIREO_EXIT_EPT_VIOLATION). */
struct emul_exit {
    uint64_t qual;              /* exit qualification (SDM Table 28-7) */
    uint64_t gpa;               /* guest-physical address of the access */
    uint64_t linear;            /* guest-linear address, if qual says it is valid */
    bool has_linear;            /* the kernel passes no linear address yet */
};

/*
 * Guest memory. RAM callbacks copy `len` bytes within one 4 KiB page and return false
 * where [gpa, gpa + len) is not RAM: the emulator then sends the access to MMIO, in
 * aligned-or-not units of 1, 2, 4 or 8 bytes, never crossing a page.
 */
struct emul_mem {
    void *ctx;
    bool (*ram_read)(void *ctx, uint64_t gpa, void *dst, unsigned len);
    bool (*ram_write)(void *ctx, uint64_t gpa, const void *src, unsigned len);
    uint64_t (*mmio_read)(void *ctx, uint64_t gpa, unsigned size);
    void (*mmio_write)(void *ctx, uint64_t gpa, unsigned size, uint64_t value);
};

struct emul_out {
    enum emul_status status;
    uint64_t mtd;               /* EMUL_DONE: the VIREO_MTD_* groups it changed */
    uint8_t vector;             /* EMUL_EXCEPTION: vector (EMUL_VEC_*) */
    bool has_error;
    uint32_t error;             /* its error code */
    uint64_t cr2;               /* #PF: the faulting linear address */
    const char *reason;         /* EMUL_UNSUPPORTED: why, one short phrase */
    uint64_t detail;            /* a number the reason refers to (an address, an opcode) */
    uint8_t insn[EMUL_INSN_MAX];        /* the instruction once decoded, else the bytes */
    unsigned insn_len;                  /* fetched so far: for messages */
};

enum { EMUL_VEC_UD = 6, EMUL_VEC_SS = 12, EMUL_VEC_GP = 13, EMUL_VEC_PF = 14 };

/* #PF error code (SDM Vol. 3A 4.7). */
#define EMUL_PF_P (1u << 0)
#define EMUL_PF_W (1u << 1)
#define EMUL_PF_U (1u << 2)
#define EMUL_PF_RSVD (1u << 3)
#define EMUL_PF_I (1u << 4)

/* The state groups emul_mmio reads (the EPT-violation portal's MTD, with VIREO_MTD_QUAL). */
#define EMUL_MTD_IN (VIREO_MTD_GPR_ACDB | VIREO_MTD_GPR_BSD | VIREO_MTD_RSP |          \
                     VIREO_MTD_GPR_R8_R15 | VIREO_MTD_RIP_LEN | VIREO_MTD_RFLAGS |       \
                     VIREO_MTD_DS_ES | VIREO_MTD_FS_GS | VIREO_MTD_CS_SS | VIREO_MTD_CR | \
                     VIREO_MTD_EFER_PAT)

/* Emulates the instruction at CS:RIP of `s`; `maxphyaddr` is the guest's (CPUID 80000008). */
void emul_mmio(struct vireo_vcpu_state *s, const struct emul_exit *x, const struct emul_mem *m,
               unsigned maxphyaddr, struct emul_out *out);

#endif
