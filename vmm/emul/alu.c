/* SPDX-License-Identifier: MIT */
/* Vireo VMM emulator: integer arithmetic and its flags (SDM Vol. 1 3.4.3, Appendix A). */
#include "internal.h"

/* PF: set when the low byte of the result has an even number of ones. */
static bool parity_even(uint64_t r)
{
    uint8_t p = (uint8_t)r;
    p ^= p >> 4;
    p ^= p >> 2;
    p ^= p >> 1;
    return !(p & 1);
}

/*
 * Carries out of each bit of a + b = r are (a & b) | ((a | b) & ~r), borrows out of each
 * bit of a - b = r are (~a & b) | ((~a | b) & r): CF is the one out of the top bit, AF
 * the one out of bit 3. OF: the operands' signs agree (add) or differ (sub) and the
 * result's sign is another.
 */
static uint64_t add_flags(uint64_t a, uint64_t b, uint64_t r, uint64_t sign)
{
    uint64_t carries = (a & b) | ((a | b) & ~r), f = 0;
    f |= carries & sign ? FL_CF : 0;
    f |= carries & 8 ? FL_AF : 0;
    f |= (a ^ r) & (b ^ r) & sign ? FL_OF : 0;
    return f;
}

static uint64_t sub_flags(uint64_t a, uint64_t b, uint64_t r, uint64_t sign)
{
    uint64_t borrows = (~a & b) | ((~a | b) & r), f = 0;
    f |= borrows & sign ? FL_CF : 0;
    f |= borrows & 8 ? FL_AF : 0;
    f |= (a ^ b) & (a ^ r) & sign ? FL_OF : 0;
    return f;
}

/* The result and the flags that depend on the operation; ZF, SF and PF come after. */
static uint64_t compute(unsigned op, uint64_t a, uint64_t b, uint64_t cf, uint64_t sign,
                        uint64_t *f)
{
    uint64_t r;
    switch (op) {
    case ALU_ADD: case ALU_ADC: case ALU_INC:
        r = a + b + (op == ALU_ADC ? cf : 0);
        *f = add_flags(a, b, r, sign);
        return r;
    case ALU_SUB: case ALU_SBB: case ALU_CMP: case ALU_DEC:
        r = a - b - (op == ALU_SBB ? cf : 0);
        *f = sub_flags(a, b, r, sign);
        return r;
    case ALU_NEG:                       /* 0 - a; CF unless a was 0 */
        r = 0 - a;
        *f = sub_flags(0, a, r, sign);
        return r;
    case ALU_OR:
        r = a | b;
        break;
    case ALU_XOR:
        r = a ^ b;
        break;
    default:                            /* AND, TEST */
        r = a & b;
        break;
    }
    *f = 0;                             /* logic: CF = OF = 0; AF undefined, left 0 */
    return r;
}

uint64_t emul_alu(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
    uint64_t mask = emul_mask(size), sign = 1ull << (8 * size - 1), f;
    a &= mask;
    b &= mask;
    uint64_t r = compute(op, a, b, *rflags & FL_CF, sign, &f) & mask;
    if (op == ALU_INC || op == ALU_DEC)         /* they leave CF alone */
        f = (f & ~(uint64_t)FL_CF) | (*rflags & FL_CF);
    f |= r == 0 ? FL_ZF : 0;
    f |= r & sign ? FL_SF : 0;
    f |= parity_even(r) ? FL_PF : 0;
    *rflags = (*rflags & ~(uint64_t)FL_ARITH) | f;
    return r;
}
