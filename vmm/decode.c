/* SPDX-License-Identifier: MIT */
/* Vireo VMM: decoding the instruction behind an MMIO exit (SDM Vol. 2, chapter 2): the MOV
   forms compilers emit for device registers. Longer forms fail; the caller stops the guest. */
#include "vmm.h"

enum { OP_MOV_STORE8 = 0x88, OP_MOV_STORE = 0x89, OP_MOV_LOAD8 = 0x8a, OP_MOV_LOAD = 0x8b,
       OP_MOV_MOFFS_LOAD8 = 0xa0, OP_MOV_MOFFS_LOAD = 0xa1, OP_MOV_MOFFS_STORE8 = 0xa2,
       OP_MOV_MOFFS_STORE = 0xa3, OP_MOV_IMM8 = 0xc6, OP_MOV_IMM = 0xc7, OP_TWO_BYTE = 0x0f,
       OP2_MOVZX8 = 0xb6, OP2_MOVZX16 = 0xb7 };
enum { PREFIX_OPSIZE = 0x66, PREFIX_ADDRSIZE = 0x67 };

/* Bytes after the ModRM byte that the addressing form takes (SIB, displacement). */
static unsigned modrm_extra(uint8_t modrm, const uint8_t *next, bool addr32)
{
    unsigned mod = modrm >> 6, rm = modrm & 7;
    if (mod == 3)
        return 0;
    if (!addr32)                        /* 16-bit forms: no SIB */
        return mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
    unsigned sib = rm == 4, base5 = sib && (next[0] & 7) == 5;
    return sib + (mod == 1 ? 1 : mod == 2 || (mod == 0 && (rm == 5 || base5)) ? 4 : 0);
}

static bool is_segment_prefix(uint8_t b)
{
    return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

bool mmio_decode(const uint8_t *code, unsigned avail, bool op32, struct mmio_insn *insn)
{
    unsigned i = 0;
    bool addr32 = op32, opsize32 = op32;
    for (; i < avail && (code[i] == PREFIX_OPSIZE || code[i] == PREFIX_ADDRSIZE ||
                         is_segment_prefix(code[i])); i++) {
        if (code[i] == PREFIX_OPSIZE)
            opsize32 = !op32;
        if (code[i] == PREFIX_ADDRSIZE)
            addr32 = !op32;
    }
    if (i + 6 > avail)                  /* room for the longest form below */
        return false;
    *insn = (struct mmio_insn){ .bytes = opsize32 ? 4 : 2 };
    uint8_t op = code[i++];
    if (op >= OP_MOV_MOFFS_LOAD8 && op <= OP_MOV_MOFFS_STORE) {
        insn->bytes = op & 1 ? insn->bytes : 1;
        insn->write = op >= OP_MOV_MOFFS_STORE8;
        insn->len = i + (addr32 ? 4 : 2);
        return true;
    }
    if (op == OP_TWO_BYTE) {
        uint8_t op2 = code[i++];
        if (op2 != OP2_MOVZX8 && op2 != OP2_MOVZX16)
            return false;
        insn->bytes = op2 == OP2_MOVZX8 ? 1 : 2;
        insn->zext = true;
    } else if (op == OP_MOV_STORE8 || op == OP_MOV_LOAD8 || op == OP_MOV_IMM8) {
        insn->bytes = 1;
    } else if (op != OP_MOV_STORE && op != OP_MOV_LOAD && op != OP_MOV_IMM) {
        return false;
    }
    uint8_t modrm = code[i++];
    if (modrm >> 6 == 3)
        return false;
    insn->reg = (modrm >> 3) & 7;
    insn->write = op == OP_MOV_STORE8 || op == OP_MOV_STORE || op == OP_MOV_IMM8 ||
                  op == OP_MOV_IMM;
    i += modrm_extra(modrm, &code[i], addr32);
    if (op == OP_MOV_IMM8 || op == OP_MOV_IMM) {
        if (insn->reg != 0 || i + insn->bytes > avail)
            return false;               /* /0 is MOV; the rest is not */
        insn->imm = true;
        memcpy(&insn->value, &code[i], insn->bytes);
        i += insn->bytes;
    }
    insn->len = i;
    return i <= avail;
}
