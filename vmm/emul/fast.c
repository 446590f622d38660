/* SPDX-License-Identifier: MIT */
/* Vireo VMM emulator: the fast path for what most MMIO is, a plain MOV with a register. */
#include "internal.h"

/* The plain MOV, decoded: 88-8B (r/m <- reg, reg <- r/m) and A0-A3 (the accumulator and
   a moffs). */
struct plain_mov {
    bool store;                 /* to memory */
    uint8_t rex, reg, size, seg, len;
    uint64_t off;               /* the effective address */
};

/* Little-endian, n bytes at b. */
static uint64_t bytes_le(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = n; k--;)
        v = v << 8 | b[k];
    return v;
}

/* 88-8B with a 32- or 64-bit ModRM address that needs no SIB byte. */
static bool decode_modrm_mov(struct emul *e, const uint8_t *b, unsigned n, unsigned avail,
                             struct plain_mov *m)
{
    uint8_t modrm = b[n++];
    unsigned mod = modrm >> 6, rm = (modrm & 7) | (m->rex & 1 ? 8 : 0);
    bool direct = mod == 0 && (rm & 7) == 5;            /* disp32, or RIP-relative */
    unsigned disp_n = mod == 1 ? 1 : mod == 2 || direct ? 4 : 0;
    if (mod == 3 || (rm & 7) == 4 || n + disp_n > avail)
        return false;
    uint64_t disp = bytes_le(b + n, disp_n);
    n += disp_n;
    if (disp_n && (disp >> (8 * disp_n - 1)) & 1)
        disp |= ~emul_mask(disp_n);
    m->reg = (uint8_t)(((modrm >> 3) & 7) | (m->rex & 4 ? 8 : 0));
    m->off = disp + (direct ? (e->mode64 ? e->s->rip + n : 0) : *emul_gpr(e, rm));
    m->seg = rm == 5 && !direct ? SEG_SS : SEG_DS;     /* EBP/RBP as the base */
    m->len = (uint8_t)n;
    return true;
}

/* Decodes the plain MOV from the bytes fetched, as the general decoder would: no prefix
   but REX, 32- or 64-bit code. Anything else is the general decoder's: false. */
static bool decode_plain_mov(struct emul *e, struct plain_mov *m)
{
    const uint8_t *b = e->out->insn;
    unsigned avail = e->fetched, addrsize = e->mode64 ? 8 : 4;
    m->rex = e->mode64 && (b[0] & 0xf0) == 0x40 ? b[0] : 0;
    unsigned n = m->rex != 0;
    if (n >= avail || e->code_size == 2)
        return false;
    uint8_t op = b[n++];
    if (op >= 0xa0 && op <= 0xa3) {
        if (n + addrsize > avail)
            return false;
        m->off = bytes_le(b + n, addrsize);
        m->reg = 0;                     /* the accumulator */
        m->seg = SEG_DS;
        m->len = (uint8_t)(n + addrsize);
        m->store = op & 2;
    } else if (op >= 0x88 && op <= 0x8b && n < avail) {
        if (!decode_modrm_mov(e, b, n, avail, m))
            return false;
        m->store = !(op & 2);
    } else {
        return false;
    }
    m->off &= emul_mask(addrsize);
    m->size = (uint8_t)(!(op & 1) ? 1 : m->rex & 8 ? 8 : e->code_size);
    return true;
}

/* The register operand as emul_reg_read/write see it: AH-BH are bits 8-15 of RAX-RBX. */
static bool high_byte(const struct plain_mov *m)
{
    return m->size == 1 && !m->rex && m->reg >= 4 && m->reg < 8;
}

/*
 * The plain MOV in one piece: the same fetch, checks and accesses as the general path
 * (emul_locate, emul_read, emul_write, in the same order), without its decoded-insn
 * structure, the opcode tables and the dispatch. Returns false, having changed nothing
 * but fetching the first bytes, for anything else; true once the exit is emulated or
 * has failed as the general path would fail it.
 */
bool emul_fast_mov(struct emul *e)
{
    struct plain_mov m;
    if (!e->fetched && !emul_fetch_more(e, 0))
        return true;
    if (!decode_plain_mov(e, &m))
        return false;
    e->out->insn_len = m.len;
    e->use_hint = true;                 /* one memory operand: the exit's */
    struct emul_place p;
    if (!emul_locate(e, m.seg, m.off, m.size, m.store ? EMUL_PF_W : 0, &p))
        return true;
    unsigned idx = high_byte(&m) ? m.reg - 4u : m.reg, shift = high_byte(&m) ? 8 : 0;
    uint64_t *r = emul_gpr(e, idx);
    uint64_t v, mask = emul_mask(m.size);
    if (m.store) {
        if (!emul_write(e, &p, m.size, (*r >> shift) & mask))
            return true;
    } else {
        if (!emul_read(e, &p, m.size, &v))
            return true;
        /* 8- and 16-bit loads keep the rest of the register; 32-bit ones clear 32-63. */
        *r = m.size >= 4 ? v & mask : (*r & ~(mask << shift)) | (v & mask) << shift;
        e->out->mtd |= idx >= 8 ? VIREO_MTD_GPR_R8_R15 : idx == 4 ? VIREO_MTD_RSP
                     : idx < 4 ? VIREO_MTD_GPR_ACDB : VIREO_MTD_GPR_BSD;
    }
    uint64_t rip = e->s->rip + m.len;
    e->s->rip = e->mode64 ? rip : rip & 0xffffffffull;  /* 32-bit code: 16-bit is general */
    e->out->mtd |= VIREO_MTD_RIP_LEN;
    return true;
}
