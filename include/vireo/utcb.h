/* SPDX-License-Identifier: MIT */
/* Vireo ABI: the user thread control block, one 4 KiB page per execution context. */
#pragma once
#include <stdint.h>
#include "crd.h"

#define VIREO_UTCB_SIZE 4096

/* The header: what a message carries, and where delegations may land. */
struct vireo_utcb_head {
    uint16_t untyped;           /* untyped words, from words[0] up */
    uint16_t typed;             /* typed items, from the end of words[] down */
    uint32_t reserved;
    vireo_crd crd_recv;         /* receive window for delegated capabilities */
    vireo_crd crd_xlt;          /* reserved: translate window */
    uint64_t tls;               /* free for the user runtime */
};

/* A delegation: `crd` names what the sender gives, `hotspot` disambiguates where it
   lands when sender and receiver windows differ in size (NOVA semantics). */
struct vireo_typed_item {
    vireo_crd crd;
    uint64_t hotspot;           /* bits 12-63 hotspot, bits 0-11 VIREO_DELEGATE_* flags */
};

#define VIREO_DELEGATE_GUEST 0x1        /* memory goes to the receiver's guest space (EPT):
                                           a VM PD's guest-physical memory */

struct vireo_segment {
    uint16_t sel, reserved0;
    uint32_t ar;                /* VMX access-rights format (bit 16: unusable) */
    uint32_t limit, reserved1;
    uint64_t base;
};

/* The state of a virtual CPU, as a VM-exit message lays it out (groups per vireo_mtd). */
struct vireo_vcpu_state {
    uint64_t mtd;
    uint64_t inst_len, rip, rflags;
    uint32_t intr_state, actv_state;
    uint32_t inj_info, inj_error;
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t qual[2];           /* exit qualification, guest-physical address */
    uint32_t ctrl[2];           /* primary and secondary processor-based controls */
    uint32_t msr_pass, reserved; /* with ctrl: MSRs without exits (enum vireo_msr_pass) */
    uint64_t tsc_offset;
    uint64_t cr0, cr2, cr3, cr4, cr8, xcr0;
    uint64_t dr7;
    uint64_t efer, pat;
    uint64_t sysenter_cs, sysenter_rsp, sysenter_rip;
    uint64_t star, lstar, fmask, kernel_gs_base, tsc_aux;
    struct vireo_segment es, cs, ss, ds, fs, gs, ldtr, tr, gdtr, idtr;
};

#define VIREO_UTCB_WORDS ((VIREO_UTCB_SIZE - sizeof(struct vireo_utcb_head)) / 8)

struct vireo_utcb {
    struct vireo_utcb_head head;
    union {
        uint64_t words[VIREO_UTCB_WORDS];
        struct vireo_vcpu_state vcpu;
    };
};

_Static_assert(sizeof(struct vireo_utcb_head) == 32, "UTCB header layout");
_Static_assert(sizeof(struct vireo_typed_item) == 16, "typed item layout");
_Static_assert(sizeof(struct vireo_segment) == 24, "segment layout");
_Static_assert(sizeof(struct vireo_utcb) == VIREO_UTCB_SIZE, "UTCB is one page");
_Static_assert(sizeof(struct vireo_vcpu_state) <= sizeof(((struct vireo_utcb *)0)->words),
               "vCPU state fits the message area");

/* Typed item i (0-based) lives at the end of words[], growing down. */
static inline struct vireo_typed_item *vireo_utcb_typed(struct vireo_utcb *u, unsigned i)
{
    return (struct vireo_typed_item *)&u->words[VIREO_UTCB_WORDS - 2 * (i + 1)];
}
