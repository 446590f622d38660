/* SPDX-License-Identifier: MIT */
/* Vireo VMM emulator: the entry point: the vCPU's mode, then decode and perform. */
#include "internal.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define XD_BIT (1ull << 63)
#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define QUAL_FETCH (1u << 2)
#define QUAL_LINEAR_VALID (1u << 7)
#define QUAL_TRANSLATED (1u << 8)       /* not an access to a guest paging structure */

bool emul_fault(struct emul *e, uint8_t vector, bool has_error, uint32_t error)
{
    e->out->status = EMUL_EXCEPTION;
    e->out->vector = vector;
    e->out->has_error = has_error;
    e->out->error = has_error ? error : 0;
    return false;
}

bool emul_unsupported(struct emul *e, const char *reason, uint64_t detail)
{
    e->out->status = EMUL_UNSUPPORTED;
    e->out->reason = reason;
    e->out->detail = detail;
    return false;
}

/* SDM Vol. 3A 2.2 (modes), 4.1.1 (paging modes); CPL is SS.DPL (Vol. 3C 26.3.1.5). */
static void set_mode(struct emul *e, unsigned maxphyaddr)
{
    const struct vireo_vcpu_state *s = e->s;
    unsigned bits = maxphyaddr >= 32 && maxphyaddr <= 52 ? maxphyaddr : 36;
    e->pe = s->cr0 & CR0_PE;
    e->paging = e->pe && (s->cr0 & CR0_PG);
    e->pae = s->cr4 & CR4_PAE;
    e->lma = e->paging && (s->efer & EFER_LMA);
    e->v86 = e->pe && !e->lma && (s->rflags & FL_VM);
    e->mode64 = e->lma && (s->cs.ar & AR_L);
    e->code_size = e->mode64 || (!e->v86 && (s->cs.ar & AR_DB)) ? 4 : 2;
    e->cpl = (uint8_t)(!e->pe ? 0 : e->v86 ? 3 : (s->ss.ar >> 5) & 3);
    if (!e->paging)
        return;                         /* the rest is for page walks */
    e->phys_mask = ((1ull << bits) - 1) & ~0xfffull;
    e->no_exec = s->efer & EFER_NXE ? XD_BIT : 0;
    e->reserved = (((1ull << 52) - 1) & ~e->phys_mask & ~0xfffull) | (e->no_exec ^ XD_BIT);
}

/* Exits that no emulation can finish: code in MMIO, guest page tables in MMIO. */
static bool exit_emulable(struct emul *e)
{
    uint64_t q = e->x->qual;
    if (q & QUAL_FETCH)
        return emul_unsupported(e, "instruction fetch from MMIO", e->x->gpa);
    if ((q & QUAL_LINEAR_VALID) && !(q & QUAL_TRANSLATED))
        return emul_unsupported(e, "guest page table entry in MMIO", e->x->gpa);
    return true;
}

void emul_mmio(struct vireo_vcpu_state *s, const struct emul_exit *x, const struct emul_mem *m,
               unsigned maxphyaddr, struct emul_out *out)
{
    *out = (struct emul_out){ .status = EMUL_DONE };
    struct emul e = { .s = s, .x = x, .m = m, .out = out };
    struct emul_insn i;
    set_mode(&e, maxphyaddr);
    if (!exit_emulable(&e) || emul_fast_mov(&e) || !emul_decode(&e, &i))
        return;
    out->insn_len = i.len;
    emul_exec(&e, &i);
}
