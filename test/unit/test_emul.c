/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the MMIO instruction emulator (vmm/emul): encodings in each mode,
   and arithmetic flags checked against the host CPU executing the same operation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "emul_env.h"

#define M ENV_MMIO
#define M2 0x400010u                     /* MMIO above RAM, near the code */
#define LE32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define LE64(v) LE32((uint64_t)(v)), LE32((uint64_t)(v) >> 32)
#define CF 0x1u
#define PF 0x4u
#define AF 0x10u
#define ZF 0x40u
#define SF 0x80u
#define DF 0x400u
#define OF 0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)

/* Registers as the table names them: index + 1, so that 0 ends a list. */
enum { xAX = 1, xCX, xDX, xBX, xSP, xBP, xSI, xDI, x8, x9, x10, x11, x12, x13, x14, x15 };

struct reg_val {
    uint8_t reg;
    uint64_t v;
};

struct enc_case {
    const char *name;
    enum env_mode mode;
    uint8_t code[16], len;
    struct reg_val in[4], out[4];       /* out: every register that changes */
    uint64_t mmio, gpa;                 /* what MMIO reads give; the exit's address */
    uint64_t rflags, flags, flags_mask; /* rflags in; flags & flags_mask expected after */
    uint64_t ram_gpa, ram_in, ram_out;  /* a RAM qword before and after, if ram_gpa */
    uint64_t ds_base, fs_base;          /* segment bases other than the mode's, if set */
    struct env_access acc[4];           /* the MMIO traffic, in order */
};

#define C(...) .code = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ })
#define RD(a, n, v) { (a), (n), (v), false }
#define WR(a, n, v) { (a), (n), (v), true }

static const struct enc_case cases[] = {
    /* 32-bit flat, paging off. */
    { "mov [ebx], eax", ENV_FLAT32, C(0x89, 0x03), .in = { { xBX, M }, { xAX, 0x11223344 } },
      .gpa = M, .acc = { WR(M, 4, 0x11223344) } },
    { "mov ecx, [ebx]", ENV_FLAT32, C(0x8b, 0x0b), .in = { { xBX, M }, { xCX, ~0ull } },
      .mmio = 0xa5a5a5a5, .gpa = M, .out = { { xCX, 0xa5a5a5a5 } },
      .acc = { RD(M, 4, 0xa5a5a5a5) } },
    { "mov [ebx], ah", ENV_FLAT32, C(0x88, 0x23), .in = { { xBX, M }, { xAX, 0x1234 } },
      .gpa = M, .acc = { WR(M, 1, 0x12) } },
    { "mov bh, [ebx]", ENV_FLAT32, C(0x8a, 0x3b), .in = { { xBX, M } }, .mmio = 0x5a,
      .gpa = M, .out = { { xBX, M | 0x5a00 } }, .acc = { RD(M, 1, 0x5a) } },
    { "mov [ebx], ax", ENV_FLAT32, C(0x66, 0x89, 0x03), .in = { { xBX, M }, { xAX, 0xabcd } },
      .gpa = M, .acc = { WR(M, 2, 0xabcd) } },
    { "mov eax, [moffs32]", ENV_FLAT32, C(0xa1, LE32(M + 0x10)), .mmio = 0x77, .gpa = M + 0x10,
      .out = { { xAX, 0x77 } }, .acc = { RD(M + 0x10, 4, 0x77) } },
    { "mov [moffs32], al", ENV_FLAT32, C(0xa2, LE32(M + 3)), .in = { { xAX, 0x1ee } },
      .gpa = M + 3, .acc = { WR(M + 3, 1, 0xee) } },
    { "mov dword [ebx], imm32", ENV_FLAT32, C(0xc7, 0x03, LE32(0x12345678)),
      .in = { { xBX, M } }, .gpa = M, .acc = { WR(M, 4, 0x12345678) } },
    { "mov byte [ebx+0x10], imm8", ENV_FLAT32, C(0xc6, 0x43, 0x10, 0xab), .in = { { xBX, M } },
      .gpa = M + 0x10, .acc = { WR(M + 0x10, 1, 0xab) } },
    { "mov word [ebx], imm16", ENV_FLAT32, C(0x66, 0xc7, 0x03, 0x34, 0x12),
      .in = { { xBX, M } }, .gpa = M, .acc = { WR(M, 2, 0x1234) } },
    { "mov [ecx*4+disp32], eax", ENV_FLAT32, C(0x89, 0x04, 0x8d, LE32(M - 16)),
      .in = { { xCX, 4 }, { xAX, 9 } }, .gpa = M, .acc = { WR(M, 4, 9) } },
    { "mov [ebx+ecx*4+8], eax", ENV_FLAT32, C(0x89, 0x44, 0x8b, 0x08),
      .in = { { xBX, M }, { xCX, 2 }, { xAX, 1 } }, .gpa = M + 16, .acc = { WR(M + 16, 4, 1) } },
    { "mov [disp32], eax", ENV_FLAT32, C(0x89, 0x05, LE32(M + 4)), .in = { { xAX, 2 } },
      .gpa = M + 4, .acc = { WR(M + 4, 4, 2) } },
    { "mov [esp+4], eax (SIB, SS)", ENV_FLAT32, C(0x89, 0x44, 0x24, 0x04),
      .in = { { xSP, M }, { xAX, 3 } }, .gpa = M + 4, .acc = { WR(M + 4, 4, 3) } },
    { "movzx eax, byte [ebx]", ENV_FLAT32, C(0x0f, 0xb6, 0x03),
      .in = { { xBX, M }, { xAX, ~0ull } },
      .mmio = 0xf0, .gpa = M, .out = { { xAX, 0xf0 } }, .acc = { RD(M, 1, 0xf0) } },
    { "movzx ecx, word [ebx]", ENV_FLAT32, C(0x0f, 0xb7, 0x0b), .in = { { xBX, M } },
      .mmio = 0x1beef, .gpa = M, .out = { { xCX, 0xbeef } }, .acc = { RD(M, 2, 0xbeef) } },
    { "movsx eax, byte [ebx]", ENV_FLAT32, C(0x0f, 0xbe, 0x03), .in = { { xBX, M } },
      .mmio = 0x80, .gpa = M, .out = { { xAX, 0xffffff80 } }, .acc = { RD(M, 1, 0x80) } },
    { "movsx ax, byte [ebx]", ENV_FLAT32, C(0x66, 0x0f, 0xbe, 0x03),
      .in = { { xBX, M }, { xAX, 0x1111111122223333 } }, .mmio = 0xfe, .gpa = M,
      .out = { { xAX, 0x111111112222fffe } }, .acc = { RD(M, 1, 0xfe) } },
    { "movsx eax, word [ebx]", ENV_FLAT32, C(0x0f, 0xbf, 0x03), .in = { { xBX, M } },
      .mmio = 0x8001, .gpa = M, .out = { { xAX, 0xffff8001 } }, .acc = { RD(M, 2, 0x8001) } },
    { "or [ebx], eax", ENV_FLAT32, C(0x09, 0x03), .in = { { xBX, M }, { xAX, 0xf0 } },
      .mmio = 0x0f, .gpa = M, .flags = PF, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 4, 0x0f), WR(M, 4, 0xff) } },
    { "and [ebx], eax", ENV_FLAT32, C(0x21, 0x03), .in = { { xBX, M }, { xAX, 0x0f } },
      .mmio = 0xf0, .gpa = M, .rflags = 0x2 | CF | OF, .flags = ZF | PF,
      .flags_mask = ARITH & ~AF, .acc = { RD(M, 4, 0xf0), WR(M, 4, 0) } },
    { "xor [ebx], eax", ENV_FLAT32, C(0x31, 0x03), .in = { { xBX, M }, { xAX, 0x80000001 } },
      .mmio = 1, .gpa = M, .flags = SF | PF, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 4, 1), WR(M, 4, 0x80000000) } },
    { "add [ebx], eax", ENV_FLAT32, C(0x01, 0x03), .in = { { xBX, M }, { xAX, 1 } },
      .mmio = 0xffffffff, .gpa = M, .flags = CF | ZF | AF | PF, .flags_mask = ARITH,
      .acc = { RD(M, 4, 0xffffffff), WR(M, 4, 0) } },
    { "sub [ebx], eax", ENV_FLAT32, C(0x29, 0x03), .in = { { xBX, M }, { xAX, 1 } },
      .gpa = M, .flags = CF | SF | AF | PF, .flags_mask = ARITH,
      .acc = { RD(M, 4, 0), WR(M, 4, 0xffffffff) } },
    { "cmp [ebx], eax", ENV_FLAT32, C(0x39, 0x03), .in = { { xBX, M }, { xAX, 5 } },
      .mmio = 5, .gpa = M, .flags = ZF | PF, .flags_mask = ARITH, .acc = { RD(M, 4, 5) } },
    { "cmp eax, [ebx]", ENV_FLAT32, C(0x3b, 0x03), .in = { { xBX, M }, { xAX, 4 } },
      .mmio = 5, .gpa = M, .flags = CF | SF | AF | PF, .flags_mask = ARITH,
      .acc = { RD(M, 4, 5) } },
    { "add eax, [ebx]", ENV_FLAT32, C(0x03, 0x03), .in = { { xBX, M }, { xAX, 0x7fffffff } },
      .mmio = 1, .gpa = M, .out = { { xAX, 0x80000000 } }, .flags = OF | SF | AF | PF,
      .flags_mask = ARITH, .acc = { RD(M, 4, 1) } },
    { "adc [ebx], al", ENV_FLAT32, C(0x10, 0x03), .in = { { xBX, M }, { xAX, 0xff } },
      .mmio = 0, .gpa = M, .rflags = 0x2 | CF, .flags = CF | ZF | AF | PF,
      .flags_mask = ARITH, .acc = { RD(M, 1, 0), WR(M, 1, 0) } },
    { "sbb [ebx], al", ENV_FLAT32, C(0x18, 0x03), .in = { { xBX, M }, { xAX, 0 } },
      .mmio = 0, .gpa = M, .rflags = 0x2 | CF, .flags = CF | SF | AF | PF,
      .flags_mask = ARITH, .acc = { RD(M, 1, 0), WR(M, 1, 0xff) } },
    { "or dword [ebx], 1 (83)", ENV_FLAT32, C(0x83, 0x0b, 0x01), .in = { { xBX, M } },
      .mmio = 0x100, .gpa = M, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 4, 0x100), WR(M, 4, 0x101) } },
    { "and dword [ebx], 0xff (81)", ENV_FLAT32, C(0x81, 0x23, LE32(0xff)), .in = { { xBX, M } },
      .mmio = 0x1234, .gpa = M, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 4, 0x1234), WR(M, 4, 0x34) } },
    { "cmp byte [ebx], 0x7f (80)", ENV_FLAT32, C(0x80, 0x3b, 0x7f), .in = { { xBX, M } },
      .mmio = 0x80, .gpa = M, .flags = OF | AF, .flags_mask = ARITH, .acc = { RD(M, 1, 0x80) } },
    { "sub dword [ebx], -1 (83)", ENV_FLAT32, C(0x83, 0x2b, 0xff), .in = { { xBX, M } },
      .gpa = M, .flags = CF | AF, .flags_mask = ARITH, .acc = { RD(M, 4, 0), WR(M, 4, 1) } },
    { "test [ebx], eax", ENV_FLAT32, C(0x85, 0x03), .in = { { xBX, M }, { xAX, 0x80000000 } },
      .mmio = 0x80000000, .gpa = M, .flags = SF | PF, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 4, 0x80000000) } },
    { "test [ebx], ah", ENV_FLAT32, C(0x84, 0x23), .in = { { xBX, M }, { xAX, 0x0100 } },
      .mmio = 0xfe, .gpa = M, .flags = ZF | PF, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 1, 0xfe) } },
    { "test dword [ebx], imm32", ENV_FLAT32, C(0xf7, 0x03, LE32(0x10)), .in = { { xBX, M } },
      .mmio = 0x30, .gpa = M, .flags_mask = ARITH & ~AF, .acc = { RD(M, 4, 0x30) } },
    { "test byte [ebx], 1", ENV_FLAT32, C(0xf6, 0x03, 0x01), .in = { { xBX, M } },
      .mmio = 0x2, .gpa = M, .flags = ZF | PF, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 1, 2) } },
    { "xchg [ebx], eax", ENV_FLAT32, C(0x87, 0x03), .in = { { xBX, M }, { xAX, 0x55 } },
      .mmio = 0x66, .gpa = M, .out = { { xAX, 0x66 } },
      .acc = { RD(M, 4, 0x66), WR(M, 4, 0x55) } },
    { "xchg [ebx], cl", ENV_FLAT32, C(0x86, 0x0b), .in = { { xBX, M }, { xCX, 0x1234 } },
      .mmio = 0x99, .gpa = M, .out = { { xCX, 0x1299 } },
      .acc = { RD(M, 1, 0x99), WR(M, 1, 0x34) } },
    { "lock or [ebx], eax", ENV_FLAT32, C(0xf0, 0x09, 0x03), .in = { { xBX, M }, { xAX, 1 } },
      .gpa = M, .flags_mask = ARITH & ~AF, .acc = { RD(M, 4, 0), WR(M, 4, 1) } },
    { "bt [ebx], eax (bit 33: next dword)", ENV_FLAT32, C(0x0f, 0xa3, 0x03),
      .in = { { xBX, M }, { xAX, 33 } }, .mmio = 2, .gpa = M + 4, .flags = CF,
      .flags_mask = CF, .acc = { RD(M + 4, 4, 2) } },
    { "bts [ebx], eax (bit -1: dword before)", ENV_FLAT32, C(0x0f, 0xab, 0x03),
      .in = { { xBX, M }, { xAX, 0xffffffff } }, .mmio = 1, .gpa = M - 4, .flags_mask = CF,
      .acc = { RD(M - 4, 4, 1), WR(M - 4, 4, 0x80000001) } },
    { "btr [ebx], ax (16-bit)", ENV_FLAT32, C(0x66, 0x0f, 0xb3, 0x03),
      .in = { { xBX, M }, { xAX, 17 } }, .mmio = 0xffff, .gpa = M + 2, .flags = CF,
      .flags_mask = CF, .acc = { RD(M + 2, 2, 0xffff), WR(M + 2, 2, 0xfffd) } },
    { "btc [ebx], eax", ENV_FLAT32, C(0x0f, 0xbb, 0x03), .in = { { xBX, M } }, .mmio = 1,
      .gpa = M, .flags = CF, .flags_mask = CF, .acc = { RD(M, 4, 1), WR(M, 4, 0) } },
    { "bts dword [ebx], 37 (imm wraps)", ENV_FLAT32, C(0x0f, 0xba, 0x2b, 37),
      .in = { { xBX, M } }, .gpa = M, .flags_mask = CF, .rflags = 0x2 | CF,
      .acc = { RD(M, 4, 0), WR(M, 4, 0x20) } },
    { "btr dword [ebx], 31", ENV_FLAT32, C(0x0f, 0xba, 0x33, 31), .in = { { xBX, M } },
      .mmio = 0x80000000, .gpa = M, .flags = CF, .flags_mask = CF,
      .acc = { RD(M, 4, 0x80000000), WR(M, 4, 0) } },
    { "bt dword [ebx], 0", ENV_FLAT32, C(0x0f, 0xba, 0x23, 0), .in = { { xBX, M } },
      .mmio = 0, .gpa = M, .rflags = 0x2 | CF, .flags_mask = CF, .acc = { RD(M, 4, 0) } },
    { "inc byte [ebx] (CF kept)", ENV_FLAT32, C(0xfe, 0x03), .in = { { xBX, M } },
      .mmio = 0x7f, .gpa = M, .rflags = 0x2 | CF, .flags = CF | OF | SF | AF,
      .flags_mask = ARITH, .acc = { RD(M, 1, 0x7f), WR(M, 1, 0x80) } },
    { "dec dword [ebx]", ENV_FLAT32, C(0xff, 0x0b), .in = { { xBX, M } }, .mmio = 1,
      .gpa = M, .flags = ZF | PF, .flags_mask = ARITH, .acc = { RD(M, 4, 1), WR(M, 4, 0) } },
    { "neg dword [ebx]", ENV_FLAT32, C(0xf7, 0x1b), .in = { { xBX, M } }, .mmio = 1, .gpa = M,
      .flags = CF | SF | AF | PF, .flags_mask = ARITH,
      .acc = { RD(M, 4, 1), WR(M, 4, 0xffffffff) } },
    { "not word [ebx]", ENV_FLAT32, C(0x66, 0xf7, 0x13), .in = { { xBX, M } }, .mmio = 0xff,
      .gpa = M, .acc = { RD(M, 2, 0xff), WR(M, 2, 0xff00) } },
    { "mov es:[ebx], eax", ENV_FLAT32, C(0x26, 0x89, 0x03), .in = { { xBX, M }, { xAX, 7 } },
      .gpa = M, .acc = { WR(M, 4, 7) } },
    { "mov fs:[ebx], eax (FS base)", ENV_FLAT32, C(0x64, 0x89, 0x03),
      .in = { { xBX, 0x10 }, { xAX, 7 } }, .fs_base = M, .gpa = M + 0x10,
      .acc = { WR(M + 0x10, 4, 7) } },
    { "mov [bx+si], eax (addr16 in 32-bit code)", ENV_FLAT32, C(0x67, 0x89, 0x00),
      .in = { { xBX, 0x10010 }, { xSI, 0x20 }, { xAX, 1 } }, .ds_base = M, .gpa = M + 0x30,
      .acc = { WR(M + 0x30, 4, 1) } },
    { "stosd", ENV_FLAT32, C(0xab), .in = { { xDI, M }, { xAX, 0xcafe } }, .gpa = M,
      .out = { { xDI, M + 4 } }, .acc = { WR(M, 4, 0xcafe) } },
    { "rep stosd", ENV_FLAT32, C(0xf3, 0xab), .in = { { xDI, M }, { xAX, 1 }, { xCX, 3 } },
      .gpa = M, .out = { { xDI, M + 12 }, { xCX, 0 } },
      .acc = { WR(M, 4, 1), WR(M + 4, 4, 1), WR(M + 8, 4, 1) } },
    { "rep stosw, DF=1", ENV_FLAT32, C(0xf3, 0x66, 0xab),
      .in = { { xDI, M + 4 }, { xAX, 2 }, { xCX, 3 } }, .rflags = 0x2 | DF, .gpa = M + 4,
      .out = { { xDI, M - 2 }, { xCX, 0 } },
      .acc = { WR(M + 4, 2, 2), WR(M + 2, 2, 2), WR(M, 2, 2) } },
    { "movsd RAM to MMIO", ENV_FLAT32, C(0xa5), .in = { { xSI, 0x2000 }, { xDI, M } },
      .ram_gpa = 0x2000, .ram_in = 0x87654321, .ram_out = 0x87654321, .gpa = M,
      .out = { { xSI, 0x2004 }, { xDI, M + 4 } }, .acc = { WR(M, 4, 0x87654321) } },
    { "rep movsb MMIO to RAM", ENV_FLAT32, C(0xf3, 0xa4),
      .in = { { xSI, M }, { xDI, 0x3000 }, { xCX, 2 } }, .mmio = 0xab, .gpa = M,
      .ram_gpa = 0x3000, .ram_in = ~0ull, .ram_out = 0xffffffffffffabab,
      .out = { { xSI, M + 2 }, { xDI, 0x3002 }, { xCX, 0 } },
      .acc = { RD(M, 1, 0xab), RD(M + 1, 1, 0xab) } },
    { "movsd MMIO to MMIO", ENV_FLAT32, C(0xa5), .in = { { xSI, M + 8 }, { xDI, M } },
      .mmio = 0x42, .gpa = M, .out = { { xSI, M + 12 }, { xDI, M + 4 } },
      .acc = { RD(M + 8, 4, 0x42), WR(M, 4, 0x42) } },
    { "lodsb", ENV_FLAT32, C(0xac), .in = { { xSI, M }, { xAX, 0x1234 } }, .mmio = 0x56,
      .gpa = M, .out = { { xSI, M + 1 }, { xAX, 0x1256 } }, .acc = { RD(M, 1, 0x56) } },
    { "rep stosd, ecx 0: nothing", ENV_FLAT32, C(0xf3, 0xab), .in = { { xDI, M } }, .gpa = M },

    /* Real mode and 16-bit protected mode: DS at ENV_VGA, ES at 0x20000, SS at 0. */
    { "real: mov [bx], ax", ENV_REAL, C(0x89, 0x07), .in = { { xBX, 0x10 }, { xAX, 0x1234 } },
      .gpa = ENV_VGA + 0x10, .acc = { WR(ENV_VGA + 0x10, 2, 0x1234) } },
    { "real: mov [bp+si+4], ax (SS: RAM)", ENV_REAL, C(0x89, 0x42, 0x04),
      .in = { { xBP, 0x4000 }, { xSI, 0x10 }, { xAX, 0x4321 } }, .ram_gpa = 0x4014,
      .ram_out = 0x4321, .gpa = ENV_VGA },
    { "real: mov [bx], eax (66)", ENV_REAL, C(0x66, 0x89, 0x07),
      .in = { { xBX, 0x10 }, { xAX, 0x12345678 } }, .gpa = ENV_VGA + 0x10,
      .acc = { WR(ENV_VGA + 0x10, 4, 0x12345678) } },
    { "real: mov [ebx], ax (67)", ENV_REAL, C(0x67, 0x89, 0x03),
      .in = { { xBX, 0x20 }, { xAX, 5 } }, .gpa = ENV_VGA + 0x20,
      .acc = { WR(ENV_VGA + 0x20, 2, 5) } },
    { "real: mov ax, [0x10]", ENV_REAL, C(0xa1, 0x10, 0x00), .mmio = 0xbeef,
      .gpa = ENV_VGA + 0x10, .out = { { xAX, 0xbeef } }, .acc = { RD(ENV_VGA + 0x10, 2, 0xbeef) } },
    { "real: mov ax, [bx+0x100]", ENV_REAL, C(0x8b, 0x87, 0x00, 0x01), .in = { { xBX, 2 } },
      .mmio = 0x11, .gpa = ENV_VGA + 0x102, .out = { { xAX, 0x11 } },
      .acc = { RD(ENV_VGA + 0x102, 2, 0x11) } },
    { "real: mov byte [0x1234], imm8", ENV_REAL, C(0xc6, 0x06, 0x34, 0x12, 0xab),
      .gpa = ENV_VGA + 0x1234, .acc = { WR(ENV_VGA + 0x1234, 1, 0xab) } },
    { "real: mov [bx+si+0xfff0], al (wraps at 64 KiB)", ENV_REAL, C(0x88, 0x80, 0xf0, 0xff),
      .in = { { xBX, 0x20 }, { xSI, 0x1 } }, .gpa = ENV_VGA + 0x11,
      .acc = { WR(ENV_VGA + 0x11, 1, 0) } },
    { "real: rep stosw through the 64 KiB wrap", ENV_REAL, C(0x26, 0xf3, 0xab),
      .in = { { xDI, 0xfffe }, { xCX, 0xffff0002 }, { xAX, 9 } }, .gpa = 0x20000 + 0xfffe,
      .ram_gpa = 0x20000, .ram_out = 9,
      .out = { { xDI, 2 }, { xCX, 0xffff0000 } } },
    { "real: or byte [si], 0x80 then the flags", ENV_REAL, C(0x80, 0x0c, 0x80),
      .in = { { xSI, 4 } }, .mmio = 1, .gpa = ENV_VGA + 4, .flags = SF | PF,
      .flags_mask = ARITH & ~AF,
      .acc = { RD(ENV_VGA + 4, 1, 1), WR(ENV_VGA + 4, 1, 0x81) } },
    { "prot16: mov [bx], ax", ENV_PROT16, C(0x89, 0x07), .in = { { xBX, 0x10 }, { xAX, 1 } },
      .gpa = ENV_VGA + 0x10, .acc = { WR(ENV_VGA + 0x10, 2, 1) } },
    { "prot16: mov [ebx], eax (66 67)", ENV_PROT16, C(0x66, 0x67, 0x89, 0x03),
      .in = { { xBX, 0x10 }, { xAX, 0xffffffff } }, .gpa = ENV_VGA + 0x10,
      .acc = { WR(ENV_VGA + 0x10, 4, 0xffffffff) } },

    /* 32-bit code under each paging mode: the fetch walks; the operand is the exit's. */
    { "paged32: mov [ebx], eax", ENV_PAGED32, C(0x89, 0x03), .in = { { xBX, M }, { xAX, 1 } },
      .gpa = M, .acc = { WR(M, 4, 1) } },
    { "pae: mov [ebx], eax", ENV_PAE, C(0x89, 0x03), .in = { { xBX, M }, { xAX, 2 } },
      .gpa = M, .acc = { WR(M, 4, 2) } },
    { "compat32: mov [ebx], eax", ENV_COMPAT32, C(0x89, 0x03), .in = { { xBX, M }, { xAX, 3 } },
      .gpa = M, .acc = { WR(M, 4, 3) } },

    /* 64-bit mode. */
    { "mov [rbx], rax", ENV_LONG64, C(0x48, 0x89, 0x03),
      .in = { { xBX, M }, { xAX, 0x1122334455667788 } }, .gpa = M,
      .acc = { WR(M, 8, 0x1122334455667788) } },
    { "mov eax, [rbx] clears bits 32-63", ENV_LONG64, C(0x8b, 0x03),
      .in = { { xBX, M }, { xAX, ~0ull } }, .mmio = 0x12345678, .gpa = M,
      .out = { { xAX, 0x12345678 } }, .acc = { RD(M, 4, 0x12345678) } },
    { "mov ax, [rbx] keeps them", ENV_LONG64, C(0x66, 0x8b, 0x03),
      .in = { { xBX, M }, { xAX, ~0ull } }, .mmio = 0x1234, .gpa = M,
      .out = { { xAX, 0xffffffffffff1234 } }, .acc = { RD(M, 2, 0x1234) } },
    { "mov al, [rbx]", ENV_LONG64, C(0x8a, 0x03), .in = { { xBX, M }, { xAX, ~0ull } },
      .mmio = 0x12, .gpa = M, .out = { { xAX, 0xffffffffffffff12 } }, .acc = { RD(M, 1, 0x12) } },
    { "mov [rbx], spl (REX)", ENV_LONG64, C(0x40, 0x88, 0x23),
      .in = { { xBX, M }, { xSP, 0x8877 }, { xAX, 0x1234 } }, .gpa = M,
      .acc = { WR(M, 1, 0x77) } },
    { "mov [rbx], ah (no REX)", ENV_LONG64, C(0x88, 0x23),
      .in = { { xBX, M }, { xSP, 0x8877 }, { xAX, 0x1234 } }, .gpa = M,
      .acc = { WR(M, 1, 0x12) } },
    { "mov dil, [rbx]", ENV_LONG64, C(0x40, 0x8a, 0x3b), .in = { { xBX, M }, { xDI, 0x1111 } },
      .mmio = 0x22, .gpa = M, .out = { { xDI, 0x1122 } }, .acc = { RD(M, 1, 0x22) } },
    { "mov r9b, [rbx]", ENV_LONG64, C(0x44, 0x8a, 0x0b), .in = { { xBX, M }, { x9, 0x1111 } },
      .mmio = 0x22, .gpa = M, .out = { { x9, 0x1122 } }, .acc = { RD(M, 1, 0x22) } },
    { "mov [rbx], r8d (REX.R)", ENV_LONG64, C(0x44, 0x89, 0x03),
      .in = { { xBX, M }, { x8, 0x100000042 } }, .gpa = M, .acc = { WR(M, 4, 0x42) } },
    { "mov [r8], eax (REX.B)", ENV_LONG64, C(0x41, 0x89, 0x00), .in = { { x8, M }, { xAX, 1 } },
      .gpa = M, .acc = { WR(M, 4, 1) } },
    { "mov [rbx+r9], eax (REX.X)", ENV_LONG64, C(0x42, 0x89, 0x04, 0x0b),
      .in = { { xBX, M }, { x9, 0x10 }, { xAX, 1 } }, .gpa = M + 0x10,
      .acc = { WR(M + 0x10, 4, 1) } },
    { "mov [r12], eax (SIB)", ENV_LONG64, C(0x41, 0x89, 0x04, 0x24), .in = { { x12, M } },
      .gpa = M, .acc = { WR(M, 4, 0) } },
    { "mov [r13+0], eax (disp8)", ENV_LONG64, C(0x41, 0x89, 0x45, 0x00), .in = { { x13, M } },
      .gpa = M, .acc = { WR(M, 4, 0) } },
    { "mov [rbx+r12*8-8], eax", ENV_LONG64, C(0x42, 0x89, 0x44, 0xe3, 0xf8),
      .in = { { xBX, M }, { x12, 2 } }, .gpa = M + 8, .acc = { WR(M + 8, 4, 0) } },
    { "mov [rip+disp32], eax", ENV_LONG64, C(0x89, 0x05, LE32(M2 - ENV_CODE - 6)),
      .in = { { xAX, 5 } }, .gpa = M2, .acc = { WR(M2, 4, 5) } },
    { "mov [rip-disp32], eax (RAM)", ENV_LONG64, C(0x89, 0x05, LE32((uint32_t)-0x106)),
      .in = { { xAX, 5 } }, .gpa = ENV_CODE - 0x100, .ram_gpa = ENV_CODE - 0x100,
      .ram_out = 5 },
    { "cmp byte [rip+disp32], imm8 (RIP after the imm)", ENV_LONG64,
      C(0x80, 0x3d, LE32(M2 - ENV_CODE - 7), 0x01), .mmio = 1, .gpa = M2, .flags = ZF | PF,
      .flags_mask = ARITH, .acc = { RD(M2, 1, 1) } },
    { "mov [eip+disp32], eax (67)", ENV_LONG64, C(0x67, 0x89, 0x05, LE32(M - ENV_CODE - 7)),
      .in = { { xAX, 6 } }, .gpa = M, .acc = { WR(M, 4, 6) } },
    { "mov rax, [moffs64]", ENV_LONG64, C(0x48, 0xa1, LE64(M + 8)), .mmio = ~0ull,
      .gpa = M + 8, .out = { { xAX, ~0ull } }, .acc = { RD(M + 8, 8, ~0ull) } },
    { "mov [moffs64], eax", ENV_LONG64, C(0xa3, LE64(M)), .in = { { xAX, 0x1234567890 } },
      .gpa = M, .acc = { WR(M, 4, 0x34567890) } },
    { "mov qword [rbx], -1 (imm32 sign-extended)", ENV_LONG64, C(0x48, 0xc7, 0x03, LE32(~0u)),
      .in = { { xBX, M } }, .gpa = M, .acc = { WR(M, 8, ~0ull) } },
    { "movsxd rax, [rbx]", ENV_LONG64, C(0x48, 0x63, 0x03), .in = { { xBX, M } },
      .mmio = 0x80000000, .gpa = M, .out = { { xAX, 0xffffffff80000000 } },
      .acc = { RD(M, 4, 0x80000000) } },
    { "movsxd eax, [rbx] (no REX.W)", ENV_LONG64, C(0x63, 0x03), .in = { { xBX, M },
      { xAX, ~0ull } }, .mmio = 0x80000000, .gpa = M, .out = { { xAX, 0x80000000 } },
      .acc = { RD(M, 4, 0x80000000) } },
    { "movsx rax, byte [rbx]", ENV_LONG64, C(0x48, 0x0f, 0xbe, 0x03), .in = { { xBX, M } },
      .mmio = 0xff, .gpa = M, .out = { { xAX, ~0ull } }, .acc = { RD(M, 1, 0xff) } },
    { "movzx rax, word [rbx]", ENV_LONG64, C(0x48, 0x0f, 0xb7, 0x03),
      .in = { { xBX, M }, { xAX, ~0ull } }, .mmio = 0xffff, .gpa = M,
      .out = { { xAX, 0xffff } }, .acc = { RD(M, 2, 0xffff) } },
    { "or [rbx], rax", ENV_LONG64, C(0x48, 0x09, 0x03),
      .in = { { xBX, M }, { xAX, 0x8000000000000000 } }, .mmio = 1, .gpa = M, .flags = SF,
      .flags_mask = ARITH & ~AF, .acc = { RD(M, 8, 1), WR(M, 8, 0x8000000000000001) } },
    { "and qword [rbx], -16", ENV_LONG64, C(0x48, 0x83, 0x23, 0xf0), .in = { { xBX, M } },
      .mmio = 0xff, .gpa = M, .flags = PF, .flags_mask = ARITH & ~AF,
      .acc = { RD(M, 8, 0xff), WR(M, 8, 0xf0) } },
    { "bts [rbx], rax (bit 64: next qword)", ENV_LONG64, C(0x48, 0x0f, 0xab, 0x03),
      .in = { { xBX, M }, { xAX, 64 } }, .gpa = M + 8, .flags_mask = CF,
      .acc = { RD(M + 8, 8, 0), WR(M + 8, 8, 1) } },
    { "xchg [rbx], rax", ENV_LONG64, C(0x48, 0x87, 0x03), .in = { { xBX, M }, { xAX, 1 } },
      .mmio = ~0ull, .gpa = M, .out = { { xAX, ~0ull } }, .acc = { RD(M, 8, ~0ull), WR(M, 8, 1) } },
    { "rep stosq", ENV_LONG64, C(0xf3, 0x48, 0xab), .in = { { xDI, M }, { xCX, 2 }, { xAX, 3 } },
      .gpa = M, .out = { { xDI, M + 16 }, { xCX, 0 } }, .acc = { WR(M, 8, 3), WR(M + 8, 8, 3) } },
    { "rep stosd with 67: ECX, EDI", ENV_LONG64, C(0x67, 0xf3, 0xab),
      .in = { { xDI, 0xffffffff00000000 | M }, { xCX, 0xffffffff00000002 }, { xAX, 4 } },
      .gpa = M, .out = { { xDI, M + 8 }, { xCX, 0 } }, .acc = { WR(M, 4, 4), WR(M + 4, 4, 4) } },
    { "mov fs:[rbx], eax (FS base)", ENV_LONG64, C(0x64, 0x89, 0x03), .in = { { xBX, 0x10 } },
      .fs_base = M, .gpa = M + 0x10, .acc = { WR(M + 0x10, 4, 0) } },
    { "mov ds:[rbx], eax (DS base ignored)", ENV_LONG64, C(0x3e, 0x89, 0x03),
      .in = { { xBX, M } }, .ds_base = 0x1000, .gpa = M, .acc = { WR(M, 4, 0) } },
    { "legacy prefix after REX voids it", ENV_LONG64, C(0x48, 0x66, 0x89, 0x03),
      .in = { { xBX, M }, { xAX, ~0ull } }, .gpa = M, .acc = { WR(M, 2, 0xffff) } },
    { "REX.W beats 66", ENV_LONG64, C(0x66, 0x48, 0x89, 0x03),
      .in = { { xBX, M }, { xAX, ~0ull } }, .gpa = M, .acc = { WR(M, 8, ~0ull) } },
};

static void set_regs(struct vireo_vcpu_state *s, const struct reg_val *r, unsigned n)
{
    for (unsigned k = 0; k < n && r[k].reg; k++)
        (&s->rax)[r[k].reg - 1] = r[k].v;
}

static void run_case(const struct enc_case *c)
{
    env_reset();
    struct vireo_vcpu_state s = env_state(c->mode);
    set_regs(&s, c->in, 4);
    s.rflags = c->rflags ? c->rflags : 0x2;
    if (c->ds_base)
        s.ds.base = c->ds_base;
    if (c->fs_base)
        s.fs.base = c->fs_base;
    if (c->ram_gpa)
        env_put64(c->ram_gpa, c->ram_in);
    env_mmio_value = c->mmio;
    struct vireo_vcpu_state want = s;
    set_regs(&want, c->out, 4);
    want.rip = s.rip + c->len;
    struct emul_out out;
    env_run(&s, c->code, c->len, c->gpa, &out);
    if (out.status != EMUL_DONE)
        fail_msg("%s: status %d (%s 0x%llx), vector %u", c->name, out.status,
                 out.reason ? out.reason : "-", (unsigned long long)out.detail, out.vector);
    unsigned nacc = 0;
    while (nacc < 4 && c->acc[nacc].size)
        nacc++;
    if (env_nlog != nacc)
        fail_msg("%s: %u MMIO accesses, expected %u", c->name, env_nlog, nacc);
    for (unsigned k = 0; k < nacc; k++) {
        const struct env_access *a = &env_log[k], *b = &c->acc[k];
        if (a->gpa != b->gpa || a->size != b->size || a->value != b->value ||
            a->write != b->write)
            fail_msg("%s: access %u: %s 0x%llx/%u = 0x%llx, expected %s 0x%llx/%u = 0x%llx",
                     c->name, k, a->write ? "write" : "read", (unsigned long long)a->gpa,
                     a->size, (unsigned long long)a->value, b->write ? "write" : "read",
                     (unsigned long long)b->gpa, b->size, (unsigned long long)b->value);
    }
    for (unsigned r = 0; r < 16; r++)
        if ((&s.rax)[r] != (&want.rax)[r])
            fail_msg("%s: register %u is 0x%llx, expected 0x%llx", c->name, r,
                     (unsigned long long)(&s.rax)[r], (unsigned long long)(&want.rax)[r]);
    if (s.rip != want.rip)
        fail_msg("%s: rip 0x%llx, expected 0x%llx", c->name, (unsigned long long)s.rip,
                 (unsigned long long)want.rip);
    uint64_t mask = c->flags_mask ? c->flags_mask : ~0ull;
    uint64_t flags = c->flags_mask ? c->flags : want.rflags;
    if ((s.rflags & mask) != (flags & mask))
        fail_msg("%s: rflags 0x%llx, expected 0x%llx under mask 0x%llx", c->name,
                 (unsigned long long)s.rflags, (unsigned long long)flags,
                 (unsigned long long)mask);
    if (c->ram_gpa && env_get64(c->ram_gpa) != c->ram_out)
        fail_msg("%s: RAM 0x%llx holds 0x%llx, expected 0x%llx", c->name,
                 (unsigned long long)c->ram_gpa, (unsigned long long)env_get64(c->ram_gpa),
                 (unsigned long long)c->ram_out);
}

/* EMUL0001: each encoding of the table does exactly its MMIO traffic and state change. */
static void test_encoding(void **state)
{
    run_case(*state);
}

/* EMUL0002: the reply names what changed: a load writes its register's group and RIP. */
static void test_changed_groups(void **state)
{
    (void)state;
    env_reset();
    struct vireo_vcpu_state s = env_state(ENV_LONG64);
    s.rbx = M;
    struct emul_out out;
    env_run(&s, (const uint8_t[]){ 0x44, 0x8b, 0x03 }, 3, M, &out);    /* mov r8d, [rbx] */
    assert_int_equal(out.status, EMUL_DONE);
    assert_int_equal(out.mtd, VIREO_MTD_GPR_R8_R15 | VIREO_MTD_RIP_LEN);
    env_run(&s, (const uint8_t[]){ 0x83, 0x0b, 0x01 }, 3, M, &out);    /* or dword [rbx], 1 */
    assert_int_equal(out.mtd, VIREO_MTD_RFLAGS | VIREO_MTD_RIP_LEN);
    s.rdi = M;
    s.rcx = 1;
    env_run(&s, (const uint8_t[]){ 0xf3, 0xaa }, 2, M, &out);          /* rep stosb */
    assert_int_equal(out.mtd, VIREO_MTD_GPR_BSD | VIREO_MTD_GPR_ACDB | VIREO_MTD_RIP_LEN);
    env_run(&s, (const uint8_t[]){ 0x88, 0x23 }, 2, M, &out);          /* mov [rbx], ah */
    assert_int_equal(out.mtd, VIREO_MTD_RIP_LEN);
}

/* The host CPU as the reference: op dst, src with the flags in and out. */
#define FLAGS_IN "lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"
#define FLAGS_OUT "\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"
#define NATIVE2(insn, sfx, type)                                                              \
    {                                                                                         \
        type x = (type)a, y = (type)b;                                                        \
        __asm__ volatile(FLAGS_IN insn sfx " %[y], %[x]" FLAGS_OUT                            \
                         : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc", "memory");           \
        a = x;                                                                                \
    }
#define NATIVE1(insn, sfx, type)                                                              \
    {                                                                                         \
        type x = (type)a;                                                                     \
        __asm__ volatile(FLAGS_IN insn sfx " %[x]" FLAGS_OUT : [x] "+r"(x), [f] "+r"(f)       \
                         :: "cc", "memory");                                                  \
        a = x;                                                                                \
    }
#define BY_SIZE(M2, insn)                                                                     \
    switch (size) {                                                                           \
    case 1: M2(insn, "b", uint8_t) break;                                                     \
    case 2: M2(insn, "w", uint16_t) break;                                                    \
    case 4: M2(insn, "l", uint32_t) break;                                                    \
    default: M2(insn, "q", uint64_t) break;                                                   \
    }

static const char *const op_names[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
                                        "test", "inc", "dec", "neg" };

/* a op= b on the host; returns the result, *fl the flags. */
static uint64_t native(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
    uint64_t f = *fl;
    switch (op) {
    case 0: BY_SIZE(NATIVE2, "add") break;
    case 1: BY_SIZE(NATIVE2, "or") break;
    case 2: BY_SIZE(NATIVE2, "adc") break;
    case 3: BY_SIZE(NATIVE2, "sbb") break;
    case 4: BY_SIZE(NATIVE2, "and") break;
    case 5: BY_SIZE(NATIVE2, "sub") break;
    case 6: BY_SIZE(NATIVE2, "xor") break;
    case 7: BY_SIZE(NATIVE2, "cmp") break;
    case 8: BY_SIZE(NATIVE2, "test") break;
    case 9: BY_SIZE(NATIVE1, "inc") break;
    case 10: BY_SIZE(NATIVE1, "dec") break;
    default: BY_SIZE(NATIVE1, "neg") break;
    }
    *fl = f;
    return a;
}

/* The instruction "op [rbx], rcx" (or its unary form) in 64-bit mode, for `size`. */
static unsigned encode(unsigned op, unsigned size, uint8_t *code)
{
    unsigned n = 0;
    if (size == 2)
        code[n++] = 0x66;
    if (size == 8)
        code[n++] = 0x48;
    unsigned wide = size != 1;
    if (op < 8) {
        code[n++] = (uint8_t)(op * 8 + wide);
        code[n++] = 0x0b;               /* [rbx], rcx */
    } else if (op == 8) {
        code[n++] = (uint8_t)(0x84 + wide);
        code[n++] = 0x0b;
    } else {
        code[n++] = (uint8_t)(op == 11 ? 0xf6 + wide : 0xfe + wide);
        code[n++] = op == 9 ? 0x03 : op == 10 ? 0x0b : 0x1b;        /* /0 /1 /3 */
    }
    return n;
}

static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Operands that hit the edges: 0, 1, all ones, sign bits, nibble carries; else random. */
static uint64_t pick(uint64_t *rng)
{
    static const uint64_t edges[] = { 0, 1, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
                                      0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
                                      0x7fffffffffffffff, 0x8000000000000000, ~0ull };
    uint64_t r = next_random(rng);
    return r % 3 ? edges[r % (sizeof(edges) / sizeof(edges[0]))] : next_random(rng);
}

/* EMUL0003: results and flags of every ALU operation at every size agree with the CPU. */
static void test_flags_native(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (unsigned iter = 0; iter < 3000; iter++) {
        unsigned op = (unsigned)(next_random(&rng) % 12), size = sizes[next_random(&rng) % 4];
        uint64_t a = pick(&rng), b = pick(&rng), fl = 0x2 | (next_random(&rng) & ARITH);
        uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
        uint64_t want_fl = fl, want = native(op, size, a, b, &want_fl) & mask;
        env_reset();
        struct vireo_vcpu_state s = env_state(ENV_LONG64);
        s.rbx = M;
        s.rcx = b;
        s.rflags = fl;
        env_mmio_value = a;
        uint8_t code[8];
        struct emul_out out;
        env_run(&s, code, encode(op, size, code), M, &out);
        assert_int_equal(out.status, EMUL_DONE);
        bool logic = op == 1 || op == 4 || op == 6 || op == 8, writes = op != 7 && op != 8;
        uint64_t fmask = logic ? ARITH & ~AF : ARITH;
        if ((s.rflags & fmask) != (want_fl & fmask))
            fail_msg("%s%u 0x%llx, 0x%llx (flags in 0x%llx): flags 0x%llx, CPU 0x%llx",
                     op_names[op], size * 8, (unsigned long long)a, (unsigned long long)b,
                     (unsigned long long)fl, (unsigned long long)s.rflags,
                     (unsigned long long)want_fl);
        assert_int_equal(env_nlog, writes ? 2 : 1);
        if (writes && env_log[1].value != want)
            fail_msg("%s%u 0x%llx, 0x%llx: result 0x%llx, CPU 0x%llx", op_names[op], size * 8,
                     (unsigned long long)a, (unsigned long long)b,
                     (unsigned long long)env_log[1].value, (unsigned long long)want);
    }
}

/* EMUL0004: the register-destination forms (op rcx, [rbx]) agree with the CPU too. */
static void test_flags_native_to_reg(void **state)
{
    (void)state;
    uint64_t rng = 0x1234567887654321ull;
    for (unsigned iter = 0; iter < 1000; iter++) {
        unsigned op = (unsigned)(next_random(&rng) % 8), size = 1u << (next_random(&rng) % 4);
        uint64_t a = pick(&rng), b = pick(&rng), fl = 0x2 | (next_random(&rng) & ARITH);
        uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
        uint64_t want_fl = fl, want = native(op, size, b, a, &want_fl) & mask;
        env_reset();
        struct vireo_vcpu_state s = env_state(ENV_LONG64);
        s.rbx = M;
        s.rcx = b;
        s.rflags = fl;
        env_mmio_value = a;
        uint8_t code[8];
        unsigned n = encode(op, size, code);
        code[n - 2] |= 2;               /* direction bit: into the register */
        struct emul_out out;
        env_run(&s, code, n, M, &out);
        assert_int_equal(out.status, EMUL_DONE);
        bool logic = op == 1 || op == 4 || op == 6;
        uint64_t fmask = logic ? ARITH & ~AF : ARITH;
        assert_int_equal(s.rflags & fmask, want_fl & fmask);
        uint64_t reg = op == 7 ? b : size == 4 ? want : (b & ~mask) | want;
        assert_int_equal(s.rcx, reg);
    }
}

int main(void)
{
    enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
    static struct CMUnitTest tests[NCASES + 4];
    for (unsigned k = 0; k < NCASES; k++)
        tests[k] = (struct CMUnitTest){ cases[k].name, test_encoding, NULL, NULL,
                                        (void *)&cases[k] };
    tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(test_changed_groups);
    tests[NCASES + 1] = (struct CMUnitTest)cmocka_unit_test(test_flags_native);
    tests[NCASES + 2] = (struct CMUnitTest)cmocka_unit_test(test_flags_native_to_reg);
    return _cmocka_run_group_tests("emul", tests, NCASES + 3, NULL, NULL);
}
