/* SPDX-License-Identifier: MIT */
/* Vireo VMM emulator: guest addresses: segmentation, paging, fetch and operand accesses. */
#include "internal.h"

#define AR_TYPE_WRITABLE (1u << 1)      /* data: writable; code: readable */
#define AR_TYPE_EXPAND_DOWN (1u << 2)   /* data only */
#define AR_TYPE_CODE (1u << 3)
#define AR_DB (1u << 14)
#define AR_UNUSABLE (1u << 16)
#define PAGE 4096u

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)
#define PDPTE_PAE_RSVD (0x1e6ull | PTE_XD)      /* bits 1, 2, 5-8 and 63 (SDM 4.4.1) */

#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_NXE (1ull << 11)
#define EFER_LMA (1ull << 10)

enum walk_result { WALK_OK, WALK_NOT_PRESENT, WALK_RESERVED, WALK_NOT_RAM };

/* A page walk: the entries it used (to set A/D); the rights are the AND of their R/W and
   U/S bits and the OR of their XD bits. */
struct walk {
    uint64_t entry_gpa[5], entry[5];
    unsigned n, entry_size, first_a;    /* first_a: a PAE PDPTE has no A bit */
    uint64_t and_bits, or_bits, gpa;
};

static bool canonical(const struct emul *e, uint64_t lin)
{
    unsigned bits = e->s->cr4 & CR4_LA57 ? 57 : 48;
    return (uint64_t)((int64_t)(lin << (64 - bits)) >> (64 - bits)) == lin;
}

/* SDM Vol. 3A 5.3 (limits), 5.4-5.5 (types); in 64-bit mode 3.4.4 (bases) and 3.3.7.1. */
static bool linear(struct emul *e, unsigned seg, uint64_t off, unsigned size, uint32_t acc,
                   uint64_t *lin)
{
    const struct vireo_segment *sg = &e->s->es + seg;
    uint8_t vec = seg == SEG_SS ? EMUL_VEC_SS : EMUL_VEC_GP;
    if (e->mode64) {
        *lin = (seg == SEG_FS || seg == SEG_GS ? sg->base : 0) + off;
        if (!canonical(e, *lin) || !canonical(e, *lin + size - 1))
            return emul_fault(e, vec, true, 0);
        return true;
    }
    uint32_t type = sg->ar & 0xf;
    bool code = type & AR_TYPE_CODE;
    if (e->pe && !e->v86) {
        if (sg->ar & AR_UNUSABLE)
            return emul_fault(e, vec, true, 0);
        if ((acc & EMUL_PF_W) && (code || !(type & AR_TYPE_WRITABLE)))
            return emul_fault(e, vec, true, 0);
        if (!(acc & EMUL_PF_I) && code && !(type & AR_TYPE_WRITABLE))
            return emul_fault(e, vec, true, 0);         /* execute-only */
    }
    uint64_t last = off + size - 1;
    if (!code && (type & AR_TYPE_EXPAND_DOWN) && seg != SEG_CS) {  /* CS never expands down */
        uint64_t upper = sg->ar & AR_DB ? 0xffffffffull : 0xffff;
        if (off <= sg->limit || last > upper)
            return emul_fault(e, vec, true, 0);
    } else if (last > sg->limit) {
        return emul_fault(e, vec, true, 0);
    }
    *lin = (sg->base + off) & 0xffffffffull;
    return true;
}

static enum walk_result read_entry(struct emul *e, struct walk *w, uint64_t gpa, uint64_t *v)
{
    *v = 0;
    w->entry_gpa[w->n] = gpa;
    if (!e->m->ram_read(e->m->ctx, gpa, v, w->entry_size)) {
        e->out->detail = gpa;
        return WALK_NOT_RAM;
    }
    w->entry[w->n++] = *v;
    if (!(*v & PTE_P))
        return WALK_NOT_PRESENT;
    return WALK_OK;
}

/* 32-bit paging (SDM Vol. 3A 4.3): 4 KiB pages, 4 MiB pages under CR4.PSE (PSE-36). */
static enum walk_result walk32(struct emul *e, uint64_t lin, struct walk *w)
{
    uint64_t pde, pte;
    w->entry_size = 4;
    enum walk_result r = read_entry(e, w, (e->s->cr3 & 0xfffff000u) + (lin >> 22) * 4, &pde);
    if (r != WALK_OK)
        return r;
    w->and_bits = pde;
    if ((pde & PTE_PS) && (e->s->cr4 & CR4_PSE)) {
        uint64_t high = ((pde >> 13) & 0xff) << 32;     /* physical bits 32-39 */
        if ((pde & (1u << 21)) || (high & ~e->phys_mask))
            return WALK_RESERVED;
        w->gpa = (pde & 0xffc00000u) | high | (lin & 0x3fffff);
        return WALK_OK;
    }
    r = read_entry(e, w, (pde & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4, &pte);
    w->and_bits &= pte;
    w->gpa = (pte & 0xfffff000u) | (lin & 0xfff);
    return r;
}

/* Reserved bits of a 64-bit entry at `level` (1: PTE .. 5: PML5E), leaf or not (4.4, 4.5);
   e->reserved has the address bits past MAXPHYADDR, and XD without EFER.NXE. */
static uint64_t reserved64(const struct emul *e, unsigned level, bool leaf)
{
    static const uint64_t by_level[6] = { 0, 0, 0x1fe000ull, 0x3fffe000ull, PTE_PS, PTE_PS };
    return e->reserved | (leaf || level >= 4 ? by_level[level] : 0);
}

/* PAE (3 levels, the first the four PDPTEs), 4-level and 5-level paging (4.4, 4.5). */
static enum walk_result walk64(struct emul *e, uint64_t lin, struct walk *w)
{
    unsigned levels = !e->lma ? 3 : e->s->cr4 & CR4_LA57 ? 5 : 4;
    uint64_t table = e->s->cr3 & e->phys_mask, entry;
    enum walk_result r;
    w->entry_size = 8;
    if (levels == 3) {
        r = read_entry(e, w, (e->s->cr3 & 0xffffffe0u) + ((lin >> 30) & 3) * 8, &entry);
        if (r != WALK_OK)
            return r;
        if (entry & (PDPTE_PAE_RSVD | e->reserved))
            return WALK_RESERVED;
        w->first_a = 1;
        table = entry & e->phys_mask;
        levels = 2;
    }
    for (unsigned level = levels;; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        r = read_entry(e, w, table + ((lin >> shift) & 0x1ff) * 8, &entry);
        if (r != WALK_OK)
            return r;
        bool leaf = level == 1 || (level <= 3 && (entry & PTE_PS));
        if (entry & reserved64(e, level, leaf))
            return WALK_RESERVED;
        w->and_bits &= entry;
        w->or_bits |= entry;
        if (leaf) {
            uint64_t size = 1ull << shift;
            w->gpa = (entry & e->phys_mask & ~(size - 1)) | (lin & (size - 1));
            return WALK_OK;
        }
        table = entry & e->phys_mask;
    }
}

/* SDM Vol. 3A 4.6: may this access use the translation? */
static bool allowed(const struct emul *e, const struct walk *w, uint32_t acc)
{
    const struct vireo_vcpu_state *s = e->s;
    bool write = acc & EMUL_PF_W, fetch = acc & EMUL_PF_I;
    bool user = w->and_bits & PTE_US, writable = w->and_bits & PTE_RW;
    if (acc & EMUL_PF_U) {
        if (!user || (write && !writable))
            return false;
    } else {
        if (write && !writable && (s->cr0 & CR0_WP))
            return false;
        if (user && fetch && (s->cr4 & CR4_SMEP))
            return false;
        if (user && !fetch && (s->cr4 & CR4_SMAP) && !(s->rflags & FL_AC))
            return false;
    }
    return !(fetch && (w->or_bits & e->no_exec));
}

/* SDM Vol. 3A 4.8: accessed flags on every entry used, dirty on the page written. */
static bool set_accessed(struct emul *e, struct walk *w, bool write)
{
    for (unsigned k = w->first_a; k < w->n; k++) {
        uint64_t v = w->entry[k] | PTE_A | (write && k == w->n - 1 ? PTE_D : 0);
        if (v != w->entry[k] && !e->m->ram_write(e->m->ctx, w->entry_gpa[k], &v, w->entry_size))
            return emul_unsupported(e, "guest page table entry outside RAM", w->entry_gpa[k]);
    }
    return true;
}

static bool page_fault(struct emul *e, uint64_t lin, uint32_t acc, enum walk_result r)
{
    const struct vireo_vcpu_state *s = e->s;
    bool nx = (s->cr4 & CR4_SMEP) || (e->pae && (s->efer & EFER_NXE));
    uint32_t error = (acc & (EMUL_PF_W | EMUL_PF_U)) | (nx ? acc & EMUL_PF_I : 0);
    error |= r == WALK_NOT_PRESENT ? 0 : r == WALK_RESERVED ? EMUL_PF_P | EMUL_PF_RSVD : EMUL_PF_P;
    e->out->cr2 = lin;
    return emul_fault(e, EMUL_VEC_PF, true, error);
}

/*
 * The last walk that succeeded, with all it depended on: the control bits and access its
 * checks read, and each entry it read, at its address, as the walk left it (accessed and
 * dirty set). A walk is a function of exactly these; where all are unchanged, the entries
 * read again from guest memory, it would find the same page and write nothing, so the
 * memo's page is the walk's. A changed entry, CR3 or mode makes it miss. (The MMIO of a
 * paged guest walks for the fetch every time: the operand has the exit's address.)
 */
#define MEMO_CR4 (CR4_PSE | CR4_PAE | CR4_LA57 | CR4_SMEP | CR4_SMAP)
#define MEMO_CTL 5
static struct {
    bool valid;
    uint32_t acc;
    uint64_t page, gpa_page, ctl[MEMO_CTL];
    uint64_t entry_gpa[5], entry[5];
    unsigned n, entry_size;
} memo;

static void memo_ctl(const struct emul *e, uint64_t ctl[MEMO_CTL])
{
    const struct vireo_vcpu_state *s = e->s;
    ctl[0] = s->cr3;
    ctl[1] = (s->cr0 & CR0_WP) | (s->cr4 & MEMO_CR4) | (s->rflags & FL_AC);
    ctl[2] = s->efer & (EFER_NXE | EFER_LMA);
    ctl[3] = e->phys_mask;
    ctl[4] = e->lma;
}

static bool memo_hit(struct emul *e, uint64_t lin, uint32_t acc, uint64_t *gpa)
{
    uint64_t ctl[MEMO_CTL];
    if (!memo.valid || memo.page != lin >> 12 || memo.acc != acc)
        return false;
    memo_ctl(e, ctl);
    for (unsigned k = 0; k < MEMO_CTL; k++)
        if (ctl[k] != memo.ctl[k])
            return false;
    for (unsigned k = 0; k < memo.n; k++) {
        uint64_t v = 0;
        if (!e->m->ram_read(e->m->ctx, memo.entry_gpa[k], &v, memo.entry_size) ||
            v != memo.entry[k])
            return false;
    }
    *gpa = memo.gpa_page | (lin & (PAGE - 1));
    return true;
}

static void memo_keep(struct emul *e, uint64_t lin, uint32_t acc, const struct walk *w)
{
    bool write = acc & EMUL_PF_W;
    memo_ctl(e, memo.ctl);
    for (unsigned k = 0; k < w->n; k++) {
        memo.entry_gpa[k] = w->entry_gpa[k];
        memo.entry[k] = k < w->first_a ? w->entry[k]
                      : w->entry[k] | PTE_A | (write && k == w->n - 1 ? PTE_D : 0);
    }
    memo.n = w->n;
    memo.entry_size = w->entry_size;
    memo.page = lin >> 12;
    memo.gpa_page = w->gpa & ~(uint64_t)(PAGE - 1);
    memo.acc = acc;
    memo.valid = true;
}

static __attribute__((noinline)) bool translate_paged(struct emul *e, uint64_t lin,
                                                      uint32_t acc, uint64_t *gpa)
{
    if (memo_hit(e, lin, acc, gpa))
        return true;
    struct walk w;
    w.n = w.first_a = 0;
    w.and_bits = ~0ull;
    w.or_bits = 0;
    enum walk_result r = e->pae ? walk64(e, lin, &w) : walk32(e, lin, &w);
    if (r == WALK_NOT_RAM)
        return emul_unsupported(e, "guest page table entry outside RAM", e->out->detail);
    if (r != WALK_OK || !allowed(e, &w, acc))
        return page_fault(e, lin, acc, r);
    *gpa = w.gpa;
    if (!set_accessed(e, &w, acc & EMUL_PF_W))
        return false;
    memo_keep(e, lin, acc, &w);
    return true;
}

/* The guest-physical address of linear `lin` for an access `acc` (EMUL_PF_W/I/U). */
static bool translate(struct emul *e, uint64_t lin, uint32_t acc, uint64_t *gpa)
{
    if (e->paging)
        return translate_paged(e, lin, acc, gpa);
    *gpa = lin;
    return true;
}

bool emul_fetch_more(struct emul *e, unsigned pos)
{
    while (pos >= e->fetched) {
        if (e->fetched >= EMUL_INSN_MAX)
            return emul_fault(e, EMUL_VEC_GP, true, 0);
        uint64_t off = e->s->rip + e->fetched, lin, gpa;
        off = e->mode64 ? off : off & 0xffffffffull;
        uint32_t acc = EMUL_PF_I | (e->cpl == 3 ? EMUL_PF_U : 0);
        if (!linear(e, SEG_CS, off, 1, acc, &lin) || !translate(e, lin, acc, &gpa))
            return false;
        uint64_t n = MIN(EMUL_INSN_MAX - e->fetched, PAGE - (lin & (PAGE - 1)));
        if (!e->mode64)
            n = MIN(n, (uint64_t)e->s->cs.limit - off + 1);        /* linear(): off <= limit */
        if (!e->m->ram_read(e->m->ctx, gpa, e->out->insn + e->fetched, (unsigned)n))
            return emul_unsupported(e, "instruction fetch outside RAM", gpa);
        e->fetched += (unsigned)n;
        e->out->insn_len = e->fetched;
    }
    return true;
}

/* The exit names the operand's guest-physical page: no walk needed to find it again. */
static bool hinted(const struct emul *e, uint64_t lin)
{
    const struct emul_exit *x = e->x;
    bool same_offset = ((lin ^ x->gpa) & (PAGE - 1)) == 0;
    return e->use_hint && same_offset && (!x->has_linear || lin == x->linear);
}

bool emul_locate(struct emul *e, unsigned seg, uint64_t off, unsigned size, uint32_t acc,
                 struct emul_place *p)
{
    uint64_t lin;
    if (!linear(e, seg, off, size, acc, &lin))
        return false;
    acc |= e->cpl == 3 ? EMUL_PF_U : 0;
    p->first = (unsigned)MIN((uint64_t)size, PAGE - (lin & (PAGE - 1)));
    if (e->paging && hinted(e, lin))
        p->gpa[0] = e->x->gpa;
    else if (!translate(e, lin, acc, &p->gpa[0]))
        return false;
    if (p->first == size)
        return true;
    uint64_t next = lin + p->first;
    return translate(e, e->mode64 ? next : next & 0xffffffffull, acc, &p->gpa[1]);
}

static bool split_unsupported(struct emul *e, const struct emul_place *p)
{
    return emul_unsupported(e, "MMIO access across a page boundary", p->gpa[1]);
}

bool emul_read(struct emul *e, const struct emul_place *p, unsigned size, uint64_t *v)
{
    const struct emul_mem *m = e->m;
    *v = 0;
    if (p->first == size) {
        if (!m->ram_read(m->ctx, p->gpa[0], v, size))
            *v = m->mmio_read(m->ctx, p->gpa[0], size) & emul_mask(size);
        return true;
    }
    uint8_t *b = (uint8_t *)v;
    if (!m->ram_read(m->ctx, p->gpa[0], b, p->first) ||
        !m->ram_read(m->ctx, p->gpa[1], b + p->first, size - p->first))
        return split_unsupported(e, p);
    return true;
}

bool emul_write(struct emul *e, const struct emul_place *p, unsigned size, uint64_t v)
{
    const struct emul_mem *m = e->m;
    if (p->first == size) {
        if (!m->ram_write(m->ctx, p->gpa[0], &v, size))
            m->mmio_write(m->ctx, p->gpa[0], size, v & emul_mask(size));
        return true;
    }
    uint64_t old;                       /* both pieces must be RAM before either changes */
    if (!emul_read(e, p, size, &old))
        return false;
    const uint8_t *b = (const uint8_t *)&v;
    m->ram_write(m->ctx, p->gpa[0], b, p->first);
    m->ram_write(m->ctx, p->gpa[1], b + p->first, size - p->first);
    return true;
}
