/* SPDX-License-Identifier: MIT */
/* Vireo VMM emulator: what its parts (decode, memory, ALU, execution) share. */
#ifndef VIREO_VMM_EMUL_INTERNAL_H
#define VIREO_VMM_EMUL_INTERNAL_H

#include "emul.h"
#include "lib.h"

/* Segment registers in VMX encoding order (SDM Vol. 3D Table B-1). */
enum emul_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE };

/* RFLAGS bits (SDM Vol. 1 3.4.3). */
#define FL_CF (1u << 0)
#define FL_PF (1u << 2)
#define FL_AF (1u << 4)
#define FL_ZF (1u << 6)
#define FL_SF (1u << 7)
#define FL_DF (1u << 10)
#define FL_OF (1u << 11)
#define FL_VM (1u << 17)
#define FL_AC (1u << 18)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* What an opcode is; the table in decode.c maps bytes to these. */
enum emul_kind {
    K_NONE,             /* not emulated: unsupported */
    K_UD,               /* undefined: #UD as on hardware */
    K_ALU,              /* 00-3b: op r/m, r and op r, r/m */
    K_GRP1,             /* 80-83: op r/m, imm */
    K_TEST,             /* 84-85 */
    K_XCHG,             /* 86-87 */
    K_MOV,              /* 88-8b */
    K_MOVSXD,           /* 63 in 64-bit mode */
    K_MOFFS,            /* a0-a3 */
    K_MOVS, K_STOS, K_LODS,
    K_MOV_IMM,          /* c6-c7 /0 */
    K_GRP3,             /* f6-f7: TEST imm, NOT, NEG */
    K_GRP45,            /* fe-ff: INC, DEC */
    K_MOVZX, K_MOVSX,   /* 0f b6-b7, 0f be-bf */
    K_BT,               /* 0f a3 ab b3 bb */
    K_BT_IMM,           /* 0f ba /4-/7 */
};

/* Opcode attributes. */
#define A_MODRM 0x01
#define A_BYTE 0x02             /* 8-bit operands */
#define A_IMM8 0x04             /* an imm8 follows */
#define A_IMMZ 0x08             /* an imm16/imm32 (by operand size) follows */
#define A_NO64 0x10             /* #UD in 64-bit mode */
#define A_SRC8 0x20             /* MOVZX/MOVSX: from 8 bits (else 16) */

struct emul_insn {
    uint8_t op, kind, attr;
    bool two_byte, lock;
    uint8_t rex, rep, seg;      /* rep: 0, 0xf2 or 0xf3; seg: override or SEG_NONE */
    uint8_t opsize, addrsize;   /* bytes */
    uint8_t mod, reg, rm;       /* reg and rm with their REX bits */
    uint8_t len;
    uint8_t mem_seg;            /* the segment of the r/m (or moffs) memory operand */
    uint64_t mem_off;           /* its offset (effective address) */
    uint64_t imm;               /* sign-extended to 64 bits */
};

/* Where a data access lands: one or two guest-physical pieces (it may cross a page). */
struct emul_place {
    uint64_t gpa[2];
    unsigned first;             /* bytes in the first piece */
};

struct emul {
    struct vireo_vcpu_state *s;
    const struct emul_exit *x;
    const struct emul_mem *m;
    struct emul_out *out;
    bool pe, v86, paging, pae, lma, mode64, use_hint;
    uint8_t cpl, code_size;     /* CPL; default operand (and address) size, bytes */
    uint64_t phys_mask;         /* bits 12 to MAXPHYADDR - 1: a page's address */
    uint64_t reserved;          /* bits of any 64-bit paging entry that must be 0 */
    uint64_t no_exec;           /* XD (bit 63) with EFER.NXE, else 0 */
    unsigned fetched;           /* bytes of out->insn read so far */
};

/* Each returns false after recording an exception or "unsupported" in e->out. */
bool emul_fault(struct emul *e, uint8_t vector, bool has_error, uint32_t error);
bool emul_unsupported(struct emul *e, const char *reason, uint64_t detail);

/* decode.c */
bool emul_decode(struct emul *e, struct emul_insn *i);
uint64_t *emul_gpr(struct emul *e, unsigned reg);
uint64_t emul_reg_read(struct emul *e, const struct emul_insn *i, unsigned reg, unsigned size);
void emul_reg_write(struct emul *e, const struct emul_insn *i, unsigned reg, unsigned size,
                    uint64_t v);
static inline uint64_t emul_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* mem.c: instruction fetch, segmentation, paging, and the accesses themselves. */
bool emul_fetch_more(struct emul *e, unsigned pos);
/* Byte `pos` of the instruction; its page is fetched when first needed. */
static inline bool emul_fetch(struct emul *e, unsigned pos, uint8_t *byte)
{
    if (pos >= e->fetched && !emul_fetch_more(e, pos))
        return false;
    *byte = e->out->insn[pos];
    return true;
}
bool emul_locate(struct emul *e, unsigned seg, uint64_t off, unsigned size, uint32_t acc,
                 struct emul_place *p);
bool emul_read(struct emul *e, const struct emul_place *p, unsigned size, uint64_t *v);
bool emul_write(struct emul *e, const struct emul_place *p, unsigned size, uint64_t v);

/* alu.c: SDM Vol. 1 Appendix A / Vol. 2 instruction pages for the flags. */
enum emul_alu { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
                ALU_TEST, ALU_INC, ALU_DEC, ALU_NEG };
/* The result of `op` on a and b (size bytes); *rflags gets the arithmetic flags. */
uint64_t emul_alu(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags);

/* exec.c */
bool emul_exec(struct emul *e, struct emul_insn *i);

/* fast.c: the plain MOV with a register; false (having fetched) for anything else. */
bool emul_fast_mov(struct emul *e);

#endif
