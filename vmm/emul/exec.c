/* SPDX-License-Identifier: MIT */
/* Vireo VMM emulator: performing the decoded instruction (SDM Vol. 2 instruction pages). */
#include "internal.h"

enum { RAX = 0, RCX = 1, RSI = 6, RDI = 7 };

static void set_flags(struct emul *e, uint64_t rflags)
{
    e->s->rflags = rflags;
    e->out->mtd |= VIREO_MTD_RFLAGS;
}

static void advance(struct emul *e, const struct emul_insn *i)
{
    uint64_t rip = e->s->rip + i->len;
    if (!e->mode64)
        rip &= e->code_size == 2 ? 0xffff : 0xffffffffull;
    e->s->rip = rip;
    e->out->mtd |= VIREO_MTD_RIP_LEN;
}

/* The r/m memory operand, `size` bytes at `delta` past the effective address. */
static bool operand(struct emul *e, const struct emul_insn *i, uint64_t delta, unsigned size,
                    uint32_t acc, struct emul_place *p)
{
    uint64_t off = (i->mem_off + delta) & emul_mask(i->addrsize);
    return emul_locate(e, i->mem_seg, off, size, acc, p);
}

static bool load(struct emul *e, const struct emul_insn *i, unsigned size, uint32_t acc,
                 struct emul_place *p, uint64_t *v)
{
    return operand(e, i, 0, size, acc, p) && emul_read(e, p, size, v);
}

/* 00-3b: op r/m, reg (to memory) and op reg, r/m (to the register). */
static bool exec_alu(struct emul *e, struct emul_insn *i)
{
    unsigned op = (i->op >> 3) & 7, size = i->opsize;
    bool to_reg = i->op & 2, writes = !to_reg && op != ALU_CMP;
    struct emul_place p;
    uint64_t m, fl = e->s->rflags;
    if (!load(e, i, size, writes ? EMUL_PF_W : 0, &p, &m))
        return false;
    uint64_t r = emul_reg_read(e, i, i->reg, size);
    uint64_t v = to_reg ? emul_alu(op, size, r, m, &fl) : emul_alu(op, size, m, r, &fl);
    if (writes && !emul_write(e, &p, size, v))
        return false;
    if (to_reg && op != ALU_CMP)
        emul_reg_write(e, i, i->reg, size, v);
    set_flags(e, fl);
    return true;
}

/* 80-83 op r/m, imm; f6/f7 /0 TEST r/m, imm; 84/85 TEST r/m, reg. */
static bool exec_alu_imm(struct emul *e, struct emul_insn *i, unsigned op, uint64_t b)
{
    bool writes = op != ALU_CMP && op != ALU_TEST;
    struct emul_place p;
    uint64_t m, fl = e->s->rflags;
    if (!load(e, i, i->opsize, writes ? EMUL_PF_W : 0, &p, &m))
        return false;
    uint64_t v = emul_alu(op, i->opsize, m, b, &fl);
    if (writes && !emul_write(e, &p, i->opsize, v))
        return false;
    set_flags(e, fl);
    return true;
}

/* f6/f7 /2 NOT (no flags), /3 NEG; fe/ff /0 INC, /1 DEC. */
static bool exec_unary(struct emul *e, struct emul_insn *i, unsigned op)
{
    struct emul_place p;
    uint64_t m, fl = e->s->rflags;
    if (!load(e, i, i->opsize, EMUL_PF_W, &p, &m))
        return false;
    uint64_t v = op == ALU_XOR ? ~m : emul_alu(op, i->opsize, m, 1, &fl);
    if (!emul_write(e, &p, i->opsize, v))
        return false;
    if (op != ALU_XOR)
        set_flags(e, fl);
    return true;
}

static bool exec_grp3(struct emul *e, struct emul_insn *i)
{
    switch (i->reg & 7) {
    case 0: return exec_alu_imm(e, i, ALU_TEST, i->imm);
    case 2: return exec_unary(e, i, ALU_XOR);       /* NOT: all ones XOR */
    case 3: return exec_unary(e, i, ALU_NEG);
    default: return emul_unsupported(e, "group 3 form (MUL, DIV, TEST alias) not emulated",
                                     i->reg & 7);
    }
}

static bool exec_grp45(struct emul *e, struct emul_insn *i)
{
    unsigned r = i->reg & 7;
    if (r < 2)
        return exec_unary(e, i, r ? ALU_DEC : ALU_INC);
    if (i->op == 0xfe || r == 7)
        return emul_fault(e, EMUL_VEC_UD, false, 0);
    return emul_unsupported(e, "CALL, JMP or PUSH through memory not emulated", r);
}

/* 88-8b MOV; a0-a3 MOV with moffs (the accumulator); c6/c7 /0 MOV r/m, imm. */
static bool exec_mov(struct emul *e, struct emul_insn *i, bool store, unsigned reg)
{
    struct emul_place p;
    uint64_t v;
    if (!store) {
        if (!load(e, i, i->opsize, 0, &p, &v))
            return false;
        emul_reg_write(e, i, reg, i->opsize, v);
        return true;
    }
    v = i->kind == K_MOV_IMM ? i->imm : emul_reg_read(e, i, reg, i->opsize);
    return operand(e, i, 0, i->opsize, EMUL_PF_W, &p) && emul_write(e, &p, i->opsize, v);
}

/* 0f b6/b7 MOVZX, 0f be/bf MOVSX, 63 MOVSXD: load narrow, extend to the operand size. */
static bool exec_extend(struct emul *e, struct emul_insn *i, unsigned from, bool sign)
{
    struct emul_place p;
    uint64_t v;
    if (!load(e, i, from, 0, &p, &v))
        return false;
    if (sign && (v >> (8 * from - 1)) & 1)
        v |= ~emul_mask(from);
    emul_reg_write(e, i, i->reg, i->opsize, v);
    return true;
}

static bool exec_xchg(struct emul *e, struct emul_insn *i)
{
    struct emul_place p;
    uint64_t m;
    if (!load(e, i, i->opsize, EMUL_PF_W, &p, &m) ||
        !emul_write(e, &p, i->opsize, emul_reg_read(e, i, i->reg, i->opsize)))
        return false;
    emul_reg_write(e, i, i->reg, i->opsize, m);
    return true;
}

/* BT/BTS/BTR/BTC (0f a3 ab b3 bb; 0f ba /4-/7): a register bit offset is signed and may
   reach outside the operand (SDM Vol. 2 BT, "bit base"); an immediate one wraps. */
static bool exec_bt(struct emul *e, struct emul_insn *i)
{
    unsigned size = i->opsize, bits = 8 * size, op;
    uint64_t delta = 0, bit;
    if (i->kind == K_BT_IMM) {
        op = i->reg & 3;
        bit = i->imm & (bits - 1);
    } else {
        op = (i->op >> 3) & 3;          /* a3 BT, ab BTS, b3 BTR, bb BTC */
        uint64_t raw = emul_reg_read(e, i, i->reg, size);
        int64_t off = (int64_t)(raw & (1ull << (bits - 1)) ? raw | ~emul_mask(size) : raw);
        delta = (uint64_t)(off >> (__builtin_ctz(bits))) * size;
        bit = (uint64_t)off & (bits - 1);
    }
    struct emul_place p;
    uint64_t m, fl = e->s->rflags;
    if (!operand(e, i, delta, size, op ? EMUL_PF_W : 0, &p) || !emul_read(e, &p, size, &m))
        return false;
    uint64_t v = op == 1 ? m | 1ull << bit : op == 2 ? m & ~(1ull << bit) : m ^ 1ull << bit;
    if (op && !emul_write(e, &p, size, v))
        return false;
    set_flags(e, (fl & ~(uint64_t)FL_CF) | ((m >> bit) & 1));
    return true;
}

/* An index or count register as the address size has it (SDM Vol. 2 3.1.1.9). */
static void addr_reg_write(struct emul *e, const struct emul_insn *i, unsigned reg, uint64_t v)
{
    emul_reg_write(e, i, reg, i->addrsize, v);
}

/* One element of MOVS, STOS or LODS; both addresses are checked before any access. */
static bool string_step(struct emul *e, const struct emul_insn *i)
{
    unsigned size = i->opsize, src_seg = i->seg == SEG_NONE ? SEG_DS : i->seg;
    uint64_t amask = emul_mask(i->addrsize), v;
    struct emul_place src, dst;
    if (i->kind != K_STOS && !emul_locate(e, src_seg, e->s->rsi & amask, size, 0, &src))
        return false;
    if (i->kind != K_LODS && !emul_locate(e, SEG_ES, e->s->rdi & amask, size, EMUL_PF_W, &dst))
        return false;
    if (i->kind == K_STOS)
        v = e->s->rax;
    else if (!emul_read(e, &src, size, &v))
        return false;
    if (i->kind == K_LODS)
        emul_reg_write(e, i, RAX, size, v);
    else if (!emul_write(e, &dst, size, v))
        return false;
    uint64_t step = e->s->rflags & FL_DF ? 0 - (uint64_t)size : size;
    if (i->kind != K_STOS)
        addr_reg_write(e, i, RSI, e->s->rsi + step);
    if (i->kind != K_LODS)
        addr_reg_write(e, i, RDI, e->s->rdi + step);
    return true;
}

/* With REP: up to EMUL_REP_BUDGET elements; RIP moves on once the count is 0. */
static bool exec_string(struct emul *e, struct emul_insn *i)
{
    uint64_t amask = emul_mask(i->addrsize);
    if (!i->rep) {
        if (!string_step(e, i))
            return false;
        advance(e, i);
        return true;
    }
    for (unsigned n = 0; n < EMUL_REP_BUDGET && (e->s->rcx & amask); n++) {
        if (!string_step(e, i))
            return false;
        addr_reg_write(e, i, RCX, e->s->rcx - 1);
    }
    if (!(e->s->rcx & amask))
        advance(e, i);
    return true;
}

/* May LOCK precede it (SDM Vol. 2 LOCK)? Only read-modify-writes of memory. */
static bool lockable(const struct emul_insn *i)
{
    unsigned r = i->reg & 7;
    switch (i->kind) {
    case K_ALU: return !(i->op & 2) && ((i->op >> 3) & 7) != ALU_CMP;
    case K_GRP1: return r != ALU_CMP;
    case K_XCHG: return true;
    case K_GRP3: return r == 2 || r == 3;
    case K_GRP45: return r < 2;
    case K_BT: return i->op != 0xa3;
    case K_BT_IMM: return r != 4;
    default: return false;
    }
}

/* Forms that are #UD whatever the operands, or that are not ours to emulate. */
static bool check(struct emul *e, const struct emul_insn *i)
{
    if (i->kind == K_UD)
        return emul_fault(e, EMUL_VEC_UD, false, 0);
    if (i->kind == K_NONE)
        return emul_unsupported(e, "opcode not emulated", i->two_byte ? 0x0f00u | i->op : i->op);
    if ((i->kind == K_MOV_IMM && (i->reg & 7)) || (i->kind == K_BT_IMM && (i->reg & 7) < 4))
        return emul_fault(e, EMUL_VEC_UD, false, 0);
    if (i->lock && (!lockable(i) || i->mod == 3))
        return emul_fault(e, EMUL_VEC_UD, false, 0);
    if (i->kind == K_MOVSXD && !e->mode64)
        return emul_unsupported(e, "ARPL not emulated", i->op);
    if ((i->attr & A_MODRM) && i->mod == 3)
        return emul_unsupported(e, "instruction without a memory operand", i->op);
    return true;
}

static bool dispatch(struct emul *e, struct emul_insn *i)
{
    bool store = !(i->op & 2);
    switch (i->kind) {
    case K_ALU: return exec_alu(e, i);
    case K_GRP1: return exec_alu_imm(e, i, i->reg & 7, i->imm);
    case K_TEST: return exec_alu_imm(e, i, ALU_TEST, emul_reg_read(e, i, i->reg, i->opsize));
    case K_GRP3: return exec_grp3(e, i);
    case K_GRP45: return exec_grp45(e, i);
    case K_XCHG: return exec_xchg(e, i);
    case K_MOV: return exec_mov(e, i, store, i->reg);
    case K_MOFFS: return exec_mov(e, i, !store, RAX);
    case K_MOV_IMM: return exec_mov(e, i, true, 0);
    case K_MOVZX: return exec_extend(e, i, i->attr & A_SRC8 ? 1 : 2, false);
    case K_MOVSX: return exec_extend(e, i, i->attr & A_SRC8 ? 1 : 2, true);
    case K_MOVSXD: return exec_extend(e, i, i->opsize == 8 ? 4 : i->opsize, true);
    default: return exec_bt(e, i);              /* K_BT, K_BT_IMM */
    }
}

bool emul_exec(struct emul *e, struct emul_insn *i)
{
    if (!check(e, i))
        return false;
    if (i->kind == K_MOVS || i->kind == K_STOS || i->kind == K_LODS)
        return exec_string(e, i);
    e->use_hint = true;                 /* one memory operand: the exit's */
    if (!dispatch(e, i))
        return false;
    advance(e, i);
    return true;
}
