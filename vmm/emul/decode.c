/* SPDX-License-Identifier: MIT */
/* Vireo VMM emulator: instruction decoding (SDM Vol. 2 chapter 2, opcode map Appendix A). */
#include "internal.h"

struct opcode {
    uint8_t kind, attr;
};

#define ALU_ROW(b) [(b)] = { K_ALU, A_MODRM | A_BYTE }, [(b) + 1] = { K_ALU, A_MODRM }, \
                   [(b) + 2] = { K_ALU, A_MODRM | A_BYTE }, [(b) + 3] = { K_ALU, A_MODRM }

static const struct opcode one_byte[256] = {
    ALU_ROW(0x00), ALU_ROW(0x08), ALU_ROW(0x10), ALU_ROW(0x18),
    ALU_ROW(0x20), ALU_ROW(0x28), ALU_ROW(0x30), ALU_ROW(0x38),
    [0x63] = { K_MOVSXD, A_MODRM },     /* ARPL outside 64-bit mode: not emulated */
    [0x80] = { K_GRP1, A_MODRM | A_BYTE | A_IMM8 }, [0x81] = { K_GRP1, A_MODRM | A_IMMZ },
    [0x82] = { K_GRP1, A_MODRM | A_BYTE | A_IMM8 | A_NO64 },
    [0x83] = { K_GRP1, A_MODRM | A_IMM8 },
    [0x84] = { K_TEST, A_MODRM | A_BYTE }, [0x85] = { K_TEST, A_MODRM },
    [0x86] = { K_XCHG, A_MODRM | A_BYTE }, [0x87] = { K_XCHG, A_MODRM },
    [0x88] = { K_MOV, A_MODRM | A_BYTE }, [0x89] = { K_MOV, A_MODRM },
    [0x8a] = { K_MOV, A_MODRM | A_BYTE }, [0x8b] = { K_MOV, A_MODRM },
    [0xa0] = { K_MOFFS, A_BYTE }, [0xa1] = { K_MOFFS, 0 },
    [0xa2] = { K_MOFFS, A_BYTE }, [0xa3] = { K_MOFFS, 0 },
    [0xa4] = { K_MOVS, A_BYTE }, [0xa5] = { K_MOVS, 0 },
    [0xaa] = { K_STOS, A_BYTE }, [0xab] = { K_STOS, 0 },
    [0xac] = { K_LODS, A_BYTE }, [0xad] = { K_LODS, 0 },
    [0xc6] = { K_MOV_IMM, A_MODRM | A_BYTE | A_IMM8 }, [0xc7] = { K_MOV_IMM, A_MODRM | A_IMMZ },
    [0xd6] = { K_UD, 0 },               /* SALC: #UD everywhere Intel documents it */
    [0xf6] = { K_GRP3, A_MODRM | A_BYTE }, [0xf7] = { K_GRP3, A_MODRM },
    [0xfe] = { K_GRP45, A_MODRM | A_BYTE }, [0xff] = { K_GRP45, A_MODRM },
};

static const struct opcode two_byte[256] = {
    [0x0b] = { K_UD, 0 }, [0xb9] = { K_UD, A_MODRM }, [0xff] = { K_UD, A_MODRM }, /* UD2 UD1 UD0 */
    [0xa3] = { K_BT, A_MODRM }, [0xab] = { K_BT, A_MODRM },
    [0xb3] = { K_BT, A_MODRM }, [0xbb] = { K_BT, A_MODRM },
    [0xba] = { K_BT_IMM, A_MODRM | A_IMM8 },
    [0xb6] = { K_MOVZX, A_MODRM | A_SRC8 }, [0xb7] = { K_MOVZX, A_MODRM },
    [0xbe] = { K_MOVSX, A_MODRM | A_SRC8 }, [0xbf] = { K_MOVSX, A_MODRM },
};

uint64_t *emul_gpr(struct emul *e, unsigned reg)
{
    return &e->s->rax + reg;    /* rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15 */
}

/* The MTD group that carries GPR `reg`. */
static uint64_t gpr_group(unsigned reg)
{
    if (reg >= 8)
        return VIREO_MTD_GPR_R8_R15;
    return reg == 4 ? VIREO_MTD_RSP : reg < 4 ? VIREO_MTD_GPR_ACDB : VIREO_MTD_GPR_BSD;
}

/* Byte registers 4-7 are AH CH DH BH without a REX prefix, SPL BPL SIL DIL with one. */
static bool high_byte(const struct emul_insn *i, unsigned reg, unsigned size)
{
    return size == 1 && !i->rex && reg >= 4 && reg < 8;
}

uint64_t emul_reg_read(struct emul *e, const struct emul_insn *i, unsigned reg, unsigned size)
{
    if (high_byte(i, reg, size))
        return (*emul_gpr(e, reg - 4) >> 8) & 0xff;
    return *emul_gpr(e, reg) & emul_mask(size);
}

/* 8- and 16-bit writes keep the rest of the register; 32-bit writes clear bits 32-63. */
void emul_reg_write(struct emul *e, const struct emul_insn *i, unsigned reg, unsigned size,
                    uint64_t v)
{
    if (high_byte(i, reg, size)) {
        uint64_t *r = emul_gpr(e, reg - 4);
        *r = (*r & ~0xff00ull) | (v & 0xff) << 8;
        e->out->mtd |= gpr_group(reg - 4);
        return;
    }
    uint64_t *r = emul_gpr(e, reg), mask = emul_mask(size);
    *r = size >= 4 ? v & mask : (*r & ~mask) | (v & mask);
    e->out->mtd |= gpr_group(reg);
}

/* Legacy prefixes (SDM Vol. 2 2.1.1): segment overrides are 1 + their SEG_*. */
enum { PFX_NONE, PFX_SEG, PFX_OPSIZE = PFX_SEG + SEG_NONE, PFX_ADDRSIZE, PFX_LOCK, PFX_REP };
static const uint8_t prefixes[256] = {
    [0x26] = PFX_SEG + SEG_ES, [0x2e] = PFX_SEG + SEG_CS, [0x36] = PFX_SEG + SEG_SS,
    [0x3e] = PFX_SEG + SEG_DS, [0x64] = PFX_SEG + SEG_FS, [0x65] = PFX_SEG + SEG_GS,
    [0x66] = PFX_OPSIZE, [0x67] = PFX_ADDRSIZE, [0xf0] = PFX_LOCK, [0xf2] = PFX_REP,
    [0xf3] = PFX_REP,
};

static bool next(struct emul *e, struct emul_insn *i, uint8_t *b)
{
    return emul_fetch(e, i->len++, b);
}

/* Little-endian immediate or displacement of n bytes, sign-extended. */
static bool next_n(struct emul *e, struct emul_insn *i, unsigned n, uint64_t *v)
{
    uint64_t r = 0;
    *v = 0;
    if (!n)
        return true;
    if (i->len + n > e->fetched && !emul_fetch_more(e, i->len + n - 1))
        return false;
    for (unsigned k = n; k--;)
        r = r << 8 | e->out->insn[i->len + k];
    i->len = (uint8_t)(i->len + n);
    *v = n < 8 && (r >> (8 * n - 1)) & 1 ? r | ~emul_mask(n) : r;
    return true;
}

/* Prefixes, REX, opcode byte(s); operand and address size. */
static bool decode_opcode(struct emul *e, struct emul_insn *i)
{
    bool o16 = false, a16 = false;
    uint8_t b, p;
    i->seg = SEG_NONE;
    for (;;) {
        if (!next(e, i, &b))
            return false;
        if ((p = prefixes[b]) != PFX_NONE)
            i->rex = 0;                 /* a REX must come last: one before a prefix is void */
        if (p >= PFX_SEG && p < PFX_OPSIZE)
            i->seg = (uint8_t)(p - PFX_SEG);
        else if (p == PFX_OPSIZE)
            o16 = true;
        else if (p == PFX_ADDRSIZE)
            a16 = true;
        else if (p == PFX_LOCK)
            i->lock = true;
        else if (p == PFX_REP)
            i->rep = b;                 /* the last of F2/F3 counts */
        else if (e->mode64 && (b & 0xf0) == 0x40)
            i->rex = b;
        else
            break;
    }
    const struct opcode *t = one_byte;
    if (b == 0x0f) {
        if (!next(e, i, &b))
            return false;
        i->two_byte = true;
        t = two_byte;
    }
    i->op = b;
    i->kind = t[b].kind;
    i->attr = t[b].attr;
    unsigned def = e->code_size;
    i->opsize = (uint8_t)(i->rex & 8 ? 8 : o16 ? 6 - def : def);
    i->addrsize = (uint8_t)(e->mode64 ? (a16 ? 4 : 8) : a16 ? 6 - def : def);
    if ((i->attr & A_NO64) && e->mode64)
        i->kind = K_UD;
    return true;
}

/* 16-bit addressing forms (SDM Vol. 2 Table 2-1): base + index by r/m. */
static uint64_t modrm16(struct emul *e, struct emul_insn *i, uint64_t disp, bool no_base)
{
    static const int8_t base[8] = { 3, 3, 5, 5, -1, -1, 5, 3 };        /* BX BP */
    static const int8_t index[8] = { 6, 7, 6, 7, 6, 7, -1, -1 };       /* SI DI */
    uint64_t off = disp;
    unsigned rm = i->rm & 7;
    if (!no_base && base[rm] >= 0)
        off += *emul_gpr(e, (unsigned)base[rm]);
    if (index[rm] >= 0)
        off += *emul_gpr(e, (unsigned)index[rm]);
    if (!no_base && base[rm] == 5)
        i->mem_seg = SEG_SS;
    return off & 0xffff;
}

/* 32/64-bit forms (SDM Vol. 2 Tables 2-2, 2-3; 2.2.1 for REX and RIP-relative). */
static bool modrm32(struct emul *e, struct emul_insn *i, bool *rip_rel, uint64_t *off)
{
    unsigned mod = i->mod, rm = i->rm & 7, disp_n = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    int base = (int)i->rm, index = -1, scale = 0;
    if (rm == 4) {
        uint8_t sib;
        if (!next(e, i, &sib))
            return false;
        scale = sib >> 6;
        index = ((sib >> 3) & 7) | (i->rex & 2 ? 8 : 0);
        index = index == 4 ? -1 : index;            /* no index; R12 can be one */
        base = (sib & 7) | (i->rex & 1 ? 8 : 0);
        if ((sib & 7) == 5 && mod == 0) {
            base = -1;
            disp_n = 4;
        }
    } else if (rm == 5 && mod == 0) {
        base = -1;
        disp_n = 4;
        *rip_rel = e->mode64;
    }
    uint64_t disp;
    if (!next_n(e, i, disp_n, &disp))
        return false;
    *off = disp;
    if (base >= 0)
        *off += *emul_gpr(e, (unsigned)base);
    if (index >= 0)
        *off += *emul_gpr(e, (unsigned)index) << scale;
    if (base == 4 || base == 5)
        i->mem_seg = SEG_SS;
    return true;
}

/* ModRM and what follows it up to the immediate; the memory operand's offset. */
static bool decode_modrm(struct emul *e, struct emul_insn *i, bool *rip_rel)
{
    uint8_t modrm;
    if (!next(e, i, &modrm))
        return false;
    i->mod = modrm >> 6;
    i->reg = (uint8_t)(((modrm >> 3) & 7) | (i->rex & 4 ? 8 : 0));
    i->rm = (uint8_t)((modrm & 7) | (i->rex & 1 ? 8 : 0));
    i->mem_seg = SEG_DS;
    if (i->mod == 3)
        return true;
    uint64_t off = 0;
    if (i->addrsize == 2) {
        bool direct = i->mod == 0 && (i->rm & 7) == 6;
        uint64_t disp;
        if (!next_n(e, i, direct || i->mod == 2 ? 2 : i->mod, &disp))
            return false;
        off = modrm16(e, i, disp, direct);
    } else if (!modrm32(e, i, rip_rel, &off)) {
        return false;
    }
    i->mem_off = off;
    return true;
}

static unsigned imm_size(const struct emul_insn *i)
{
    if (i->attr & A_IMM8)
        return 1;
    if (i->attr & A_IMMZ)
        return i->opsize == 2 ? 2 : 4;
    if (i->kind == K_GRP3 && (i->reg & 7) == 0)     /* F6/F7 /0: TEST r/m, imm */
        return i->attr & A_BYTE ? 1 : i->opsize == 2 ? 2 : 4;
    return 0;
}

bool emul_decode(struct emul *e, struct emul_insn *i)
{
    *i = (struct emul_insn){ 0 };
    bool rip_rel = false;
    if (!decode_opcode(e, i))
        return false;
    if (i->attr & A_BYTE)
        i->opsize = 1;
    if ((i->attr & A_MODRM) && !decode_modrm(e, i, &rip_rel))
        return false;
    if (i->kind == K_MOFFS) {
        i->mem_seg = SEG_DS;
        if (!next_n(e, i, i->addrsize, &i->mem_off))
            return false;
    }
    if (!next_n(e, i, imm_size(i), &i->imm))
        return false;
    if (rip_rel)                        /* relative to the next instruction */
        i->mem_off += e->s->rip + i->len;
    i->mem_off &= emul_mask(i->addrsize);
    if (i->seg != SEG_NONE)
        i->mem_seg = i->seg;
    return true;
}
