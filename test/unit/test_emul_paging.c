/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the MMIO emulator's address path (vmm/emul/mem.c): page walks in
   each paging mode, their faults, segmentation, REP limits, and rejected instructions. */
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
#define P 0x1ull
#define RW 0x2ull
#define US 0x4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define XD (1ull << 63)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_LA57 (1ull << 12)
#define CR0_WP (1ull << 16)
#define RFLAGS_AC (1ull << 18)
#define CODE_PAGE (ENV_CODE >> 12)

static struct vireo_vcpu_state s;
static struct emul_out out;

static int setup(void **state)
{
    (void)state;
    env_reset();
    return 0;
}

static void run(const uint8_t *code, unsigned len, uint64_t gpa)
{
    env_run(&s, code, len, gpa, &out);
}

#define RUN(gpa, ...) run((const uint8_t[]){ __VA_ARGS__ }, \
                          sizeof((const uint8_t[]){ __VA_ARGS__ }), (gpa))

static void expect_done(void)
{
    if (out.status != EMUL_DONE)
        fail_msg("status %d: vector %u error 0x%x, %s 0x%llx", out.status, out.vector,
                 out.error, out.reason ? out.reason : "-", (unsigned long long)out.detail);
}

static void expect_fault(uint8_t vector, uint32_t error)
{
    if (out.status != EMUL_EXCEPTION || out.vector != vector || out.error != error ||
        !out.has_error)
        fail_msg("status %d vector %u error 0x%x (%s), expected vector %u error 0x%x",
                 out.status, out.vector, out.error, out.reason ? out.reason : "-", vector, error);
}

static void expect_pf(uint32_t error, uint64_t cr2)
{
    expect_fault(14, error);
    assert_int_equal(out.cr2, cr2);
}

static void expect_ud(void)
{
    assert_int_equal(out.status, EMUL_EXCEPTION);
    assert_int_equal(out.vector, 6);
    assert_false(out.has_error);
}

static void expect_unsupported(const char *reason)
{
    assert_int_equal(out.status, EMUL_UNSUPPORTED);
    assert_non_null(out.reason);
    if (!strstr(out.reason, reason))
        fail_msg("reason '%s', expected '%s'", out.reason, reason);
}

/* The 4 KiB PTE of page n in 0-2 MiB (the 32-bit one for ENV_PAGED32). */
static uint64_t pte_gpa(enum env_mode mode, uint64_t page)
{
    return ENV_PT_PT0 + page * (mode == ENV_PAGED32 ? 4 : 8);
}

static void set_pte(enum env_mode mode, uint64_t page, uint64_t v)
{
    if (mode == ENV_PAGED32)
        env_put32(pte_gpa(mode, page), (uint32_t)v);
    else
        env_put64(pte_gpa(mode, page), v);
}

static uint64_t get_pte(enum env_mode mode, uint64_t page)
{
    return mode == ENV_PAGED32 ? env_get32(pte_gpa(mode, page)) : env_get64(pte_gpa(mode, page));
}

/* EMUL0101: 32-bit paging: a 4 MiB page reaches MMIO, 4 KiB pages RAM; A and D set. */
static void test_paged32_pse(void **state)
{
    (void)state;
    s = env_state(ENV_PAGED32);
    env_put32(ENV_PT_ROOT + 2 * 4, M | P | RW | PS);           /* 8 MiB -> MMIO */
    s.rsi = 0x800010;
    s.rdi = 0x3000;
    env_mmio_value = 0xdeadbeef;
    RUN(M, 0xa5);                                               /* movsd */
    expect_done();
    assert_int_equal(env_nlog, 1);
    assert_int_equal(env_log[0].gpa, M + 0x10);
    assert_int_equal(env_get32(0x3000), 0xdeadbeef);
    assert_int_equal(env_get32(ENV_PT_ROOT + 2 * 4) & (A | D), A);      /* read: no D */
    assert_int_equal(get_pte(ENV_PAGED32, 3) & (A | D), A | D);
    assert_int_equal(env_get32(ENV_PT_ROOT) & A, A);
    assert_int_equal(get_pte(ENV_PAGED32, 4) & A, 0);
}

/* EMUL0102: PAE: a 2 MiB page; the PDPTE gets no A bit (it has none). */
static void test_pae_2m(void **state)
{
    (void)state;
    s = env_state(ENV_PAE);
    env_put64(ENV_PT_ROOT + 8, 0x105000 | P);                  /* 1-2 GiB */
    env_put64(0x105000, M | P | RW | PS);
    s.rsi = 0x40000020;
    s.rdi = 0x3000;
    RUN(M, 0xa4);                                               /* movsb */
    expect_done();
    assert_int_equal(env_log[0].gpa, M + 0x20);
    assert_int_equal(env_get64(ENV_PT_ROOT + 8), 0x105000 | P);
    assert_int_equal(env_get64(0x105000) & A, A);
}

/* EMUL0103: 4-level paging: a 1 GiB page. */
static void test_long_1g(void **state)
{
    (void)state;
    s = env_state(ENV_LONG64);
    env_put64(ENV_PT_PDPT + 8, 0xc0000000 | P | RW | PS);      /* 1-2 GiB -> 3-4 GiB */
    s.rsi = 0x40000000 + (M - 0xc0000000) + 8;
    s.rdi = 0x3000;
    RUN(M, 0x48, 0xa5);                                         /* movsq */
    expect_done();
    assert_int_equal(env_log[0].gpa, M + 8);
    assert_int_equal(env_log[0].size, 8);
    assert_int_equal(env_get64(ENV_PT_PDPT + 8) & A, A);
}

/* EMUL0104: 5-level paging (CR4.LA57). */
static void test_long_la57(void **state)
{
    (void)state;
    s = env_state(ENV_LONG64);
    env_put64(0x106000, ENV_PT_ROOT | P | RW);                 /* PML5[0] -> the PML4 */
    env_put64(0x106000 + 8, ENV_PT_ROOT | P | RW);             /* PML5[1] too */
    s.cr3 = 0x106000;
    s.cr4 |= CR4_LA57;
    s.rbx = (1ull << 48) | M;                                   /* canonical only with LA57 */
    s.rax = 1;
    RUN(M, 0x89, 0x83, 0x00, 0x01, 0x00, 0x00);                /* mov [rbx+0x100], eax */
    expect_done();
    assert_int_equal(env_log[0].gpa, M + 0x100);
    s = env_state(ENV_LONG64);
    s.rbx = (1ull << 48) | M;
    RUN(M, 0x89, 0x03);                                         /* 4-level: not canonical */
    expect_fault(13, 0);
}

/* EMUL0105: an instruction across a page boundary: each half from its own page. */
static void test_fetch_crossing(void **state)
{
    (void)state;
    static const enum env_mode modes[] = { ENV_PAGED32, ENV_PAE, ENV_LONG64 };
    for (unsigned k = 0; k < 3; k++) {
        env_reset();
        s = env_state(modes[k]);
        set_pte(modes[k], 6, 0x9000 | P | RW);
        s.rip = 0x5ffd;
        s.rbx = M;
        static const uint8_t insn[] = { 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12 };
        memcpy(env_ram + 0x5ffd, insn, 3);
        memcpy(env_ram + 0x9000, insn + 3, 3);
        struct emul_exit x = { .gpa = M };
        emul_mmio(&s, &x, &env_mem, 36, &out);
        expect_done();
        assert_int_equal(env_nlog, 1);
        assert_int_equal(env_log[0].value, 0x12345678);
        assert_int_equal(s.rip, 0x6003);
        assert_int_equal(out.insn_len, 6);
    }
}

/* EMUL0106: the second page absent: #PF at its start; none when the insn ends before. */
static void test_fetch_crossing_absent(void **state)
{
    (void)state;
    static const enum env_mode modes[] = { ENV_PAGED32, ENV_PAE, ENV_LONG64 };
    static const uint32_t errors[] = { 0, 0x10, 0x10 };        /* I/D only with NXE */
    for (unsigned k = 0; k < 3; k++) {
        env_reset();
        s = env_state(modes[k]);
        set_pte(modes[k], 6, 0);
        s.rip = 0x5ffd;
        s.rbx = M;
        uint64_t rip = s.rip;
        memcpy(env_ram + 0x5ffd, (const uint8_t[]){ 0xc7, 0x03, 0x78 }, 3);
        struct emul_exit x = { .gpa = M };
        emul_mmio(&s, &x, &env_mem, 36, &out);
        expect_pf(errors[k], 0x6000);
        assert_int_equal(s.rip, rip);
        assert_int_equal(env_nlog, 0);
        assert_int_equal(out.mtd, 0);
        s.rip = 0x5ffe;                                         /* mov [ebx], eax: fits */
        memcpy(env_ram + 0x5ffe, (const uint8_t[]){ 0x89, 0x03 }, 2);
        emul_mmio(&s, &x, &env_mem, 36, &out);
        expect_done();
        assert_int_equal(s.rip, 0x6000);
    }
}

/* EMUL0107: the code page itself not present; reserved bits; NX. */
static void test_fetch_faults(void **state)
{
    (void)state;
    s = env_state(ENV_PAGED32);
    set_pte(ENV_PAGED32, CODE_PAGE, 0);
    RUN(M, 0x89, 0x03);
    expect_pf(0, ENV_CODE);
    env_reset();
    s = env_state(ENV_PAE);
    set_pte(ENV_PAE, CODE_PAGE, ENV_CODE | P | RW | XD);
    RUN(M, 0x89, 0x03);
    expect_pf(0x11, ENV_CODE);                                  /* P, I/D */
    env_reset();
    s = env_state(ENV_LONG64);
    s.efer &= ~0x800ull;                                        /* NXE off: XD is reserved */
    set_pte(ENV_LONG64, CODE_PAGE, ENV_CODE | P | RW | XD);
    RUN(M, 0x89, 0x03);
    expect_pf(0x9, ENV_CODE);                                   /* P, RSVD */
    env_reset();
    s = env_state(ENV_LONG64);
    set_pte(ENV_LONG64, CODE_PAGE, ENV_CODE | P | RW | (1ull << 40));   /* past 36 bits */
    RUN(M, 0x89, 0x03);
    expect_pf(0x19, ENV_CODE);                                  /* P, RSVD, I/D */
    env_reset();
    s = env_state(ENV_LONG64);
    env_put64(ENV_PT_ROOT, ENV_PT_PDPT | P | RW | PS);          /* PS in a PML4E */
    RUN(M, 0x89, 0x03);
    expect_pf(0x19, ENV_CODE);
    env_reset();
    s = env_state(ENV_LONG64);
    env_put64(ENV_PT_PD0, env_get64(ENV_PT_PD0) | XD);          /* XD above the PTE counts */
    RUN(M, 0x89, 0x03);
    expect_pf(0x11, ENV_CODE);
    env_reset();
    s = env_state(ENV_LONG64);
    env_put64(ENV_PT_PD0 + 8, env_get64(ENV_PT_PD0 + 8) | 1u << 13);   /* 2 MiB page, bit 13 */
    s.rip = 0x200000;
    RUN(M, 0x89, 0x03);
    expect_pf(0x19, 0x200000);
}

/* EMUL0108: R/W: supervisor writes honour CR0.WP; user writes never pass. Nothing is
   read from MMIO before the write side is known to be allowed. */
static void test_write_protect(void **state)
{
    (void)state;
    s = env_state(ENV_PAE);
    set_pte(ENV_PAE, 3, 0x3000 | P);
    s.rsi = M;
    s.rdi = 0x3004;
    RUN(M, 0xa5);
    expect_pf(0x3, 0x3004);                                     /* P, W */
    assert_int_equal(env_nlog, 0);
    assert_int_equal(s.rsi, M);
    s.cr0 &= ~CR0_WP;
    RUN(M, 0xa5);
    expect_done();
    assert_int_equal(env_nlog, 1);
    assert_int_equal(get_pte(ENV_PAE, 3) & (A | D), A | D);
}

/* A CPL 3 vCPU whose code page (and all tables above it) is user-accessible. */
static void user_mode(enum env_mode mode)
{
    s = env_state(mode);
    s.cs.ar |= 3u << 5;
    s.ss.ar |= 3u << 5;
    if (mode == ENV_PAGED32) {
        env_put32(ENV_PT_ROOT, env_get32(ENV_PT_ROOT) | US);
        env_put32(ENV_PT_ROOT + (M >> 22) * 4, env_get32(ENV_PT_ROOT + (M >> 22) * 4) | US);
    } else {
        static const uint64_t entries[] = { ENV_PT_ROOT, ENV_PT_PDPT, ENV_PT_PDPT + 3 * 8,
                                            ENV_PT_PD0, ENV_PT_PD3 + ((M >> 21) & 0x1ff) * 8 };
        for (unsigned k = 0; k < sizeof(entries) / sizeof(entries[0]); k++)
            env_put64(entries[k], env_get64(entries[k]) | US);
    }
    set_pte(mode, CODE_PAGE, ENV_CODE | P | RW | US);
}

/* EMUL0109: U/S: CPL 3 (SS.DPL) cannot read supervisor pages nor write read-only ones. */
static void test_user_supervisor(void **state)
{
    (void)state;
    user_mode(ENV_PAGED32);
    s.rsi = 0x3000;                                             /* supervisor page */
    s.rdi = M;
    RUN(M, 0xa5);
    expect_pf(0x5, 0x3000);                                     /* P, U */
    set_pte(ENV_PAGED32, 3, 0x3000 | P | US);
    s.rsi = M;
    s.rdi = 0x3000;
    RUN(M, 0xa5);
    expect_pf(0x7, 0x3000);                                     /* P, W, U */
    env_reset();
    user_mode(ENV_LONG64);
    set_pte(ENV_LONG64, CODE_PAGE, ENV_CODE | P | RW);          /* code: supervisor */
    RUN(M, 0x89, 0x03);
    expect_pf(0x15, ENV_CODE);                                  /* P, U, I/D */
    env_reset();
    user_mode(ENV_LONG64);
    s.rbx = M;
    RUN(M, 0x89, 0x03);                                         /* the operand is the exit's */
    expect_done();
}

/* EMUL0110: SMEP (supervisor fetch from a user page), SMAP (data, unless RFLAGS.AC). */
static void test_smep_smap(void **state)
{
    (void)state;
    user_mode(ENV_LONG64);
    s.cs.ar &= ~(3u << 5);
    s.ss.ar &= ~(3u << 5);
    s.cr4 |= CR4_SMEP;
    RUN(M, 0x89, 0x03);
    expect_pf(0x11, ENV_CODE);
    s.cr4 &= ~CR4_SMEP;
    s.cr4 |= CR4_SMAP;
    set_pte(ENV_LONG64, 3, 0x3000 | P | RW | US);
    s.rsi = 0x3000;
    s.rdi = M;
    RUN(M, 0xa5);
    expect_pf(0x1, 0x3000);
    s.rflags |= RFLAGS_AC;
    RUN(M, 0xa5);
    expect_done();
}

/* EMUL0111: the exit's GPA stands for the operand when the page offsets agree; else the
   operand's own translation counts (and its walk sets the accessed flags). */
static void test_exit_gpa_hint(void **state)
{
    (void)state;
    s = env_state(ENV_PAGED32);
    env_put32(ENV_PT_ROOT + 2 * 4, M | P | RW | PS);
    s.rbx = 0x800010;
    RUN(M + 0x10, 0x8b, 0x03);                                  /* mov eax, [ebx] */
    expect_done();
    assert_int_equal(env_log[0].gpa, M + 0x10);
    assert_int_equal(env_get32(ENV_PT_ROOT + 2 * 4) & A, 0);   /* no walk */
    s.rip = ENV_CODE;
    RUN(M + 0xff0, 0x8b, 0x03);
    expect_done();
    assert_int_equal(env_log[1].gpa, M + 0x10);
    assert_int_equal(env_get32(ENV_PT_ROOT + 2 * 4) & A, A);
    s.rip = ENV_CODE;                   /* a linear address that disagrees: walked, too */
    struct emul_exit x = { .gpa = M + 0xff8, .linear = 0x800010, .has_linear = true };
    emul_mmio(&s, &x, &env_mem, 36, &out);
    expect_done();
    assert_int_equal(env_log[2].gpa, M + 0x10);
}

/* EMUL0122: the last walk is remembered, and used only while every entry it read is as
   it left it: a cleared accessed bit, a remapped or absent code page walk afresh. */
static void test_walk_memo(void **state)
{
    (void)state;
    const uint64_t pte = ENV_PT_PT0 + CODE_PAGE * 8, other = 0x30000;
    s = env_state(ENV_LONG64);
    s.rdi = M + 0x10;
    RUN(M + 0x10, 0x8b, 0x07);                                  /* mov eax, [rdi] */
    expect_done();
    assert_int_equal(env_get64(pte) & A, A);
    s.rip = ENV_CODE;
    RUN(M + 0x10, 0x8b, 0x07);                                  /* the same walk */
    expect_done();
    assert_int_equal(env_nlog, 2);
    env_put64(pte, (CODE_PAGE << 12) | P | RW);                 /* A cleared: walked */
    s.rip = ENV_CODE;
    RUN(M + 0x10, 0x8b, 0x07);
    expect_done();
    assert_int_equal(env_get64(pte) & A, A);
    env_put64(pte, other | P | RW | A);                         /* remapped: the new bytes */
    memcpy(env_ram + other, (const uint8_t[]){ 0x8b, 0x0f }, 2);    /* mov ecx, [rdi] */
    s.rip = ENV_CODE;
    s.rax = s.rcx = 0;
    env_mmio_value = 0x1234;
    RUN(M + 0x10, 0x8b, 0x07);
    expect_done();
    assert_int_equal(s.rcx, 0x1234);
    assert_int_equal(s.rax, 0);
    env_put64(pte, other | RW | A);                             /* absent: #PF */
    s.rip = ENV_CODE;
    RUN(M + 0x10, 0x8b, 0x07);
    assert_int_equal(out.status, EMUL_EXCEPTION);
    assert_int_equal(out.vector, 14);
    assert_int_equal(out.cr2, ENV_CODE);
}

/* EMUL0112: page tables outside RAM, code outside RAM, exits no emulation can finish. */
static void test_not_ram(void **state)
{
    (void)state;
    s = env_state(ENV_PAE);
    env_put64(ENV_PT_ROOT + 8, M | P);                          /* a PDPTE pointing at MMIO */
    s.rsi = 0x40000000;
    s.rdi = M;
    RUN(M, 0xa5);
    expect_unsupported("page table");
    assert_int_equal(out.detail, M);
    s = env_state(ENV_FLAT32);
    s.rip = ENV_VGA;
    struct emul_exit x = { .gpa = M };
    emul_mmio(&s, &x, &env_mem, 36, &out);
    expect_unsupported("fetch outside RAM");
    s = env_state(ENV_FLAT32);
    x.qual = 4;                                                 /* the access was a fetch */
    emul_mmio(&s, &x, &env_mem, 36, &out);
    expect_unsupported("fetch from MMIO");
    x.qual = 1 | 1u << 7;                                       /* a guest paging structure */
    emul_mmio(&s, &x, &env_mem, 36, &out);
    expect_unsupported("page table");
}

/* EMUL0113: operands across a page: RAM halves are fine, an MMIO half is refused. */
static void test_split_access(void **state)
{
    (void)state;
    s = env_state(ENV_PAE);
    set_pte(ENV_PAE, 4, 0x7000 | P | RW);                       /* 0x3ffe.. spans 0x3000, 0x7000 */
    env_put32(0x3ffc, 0xbbaa0000);
    env_put32(0x7000, 0xddcc);
    s.rsi = 0x3ffe;
    s.rdi = M;
    RUN(M, 0xa5);
    expect_done();
    assert_int_equal(env_log[0].value, 0xddccbbaa);
    s = env_state(ENV_FLAT32);
    s.rbx = M - 2;
    RUN(M, 0x8b, 0x03);
    expect_unsupported("page boundary");
    assert_int_equal(env_nlog, 1);
}

/* EMUL0114: segment limits and types (#GP, #SS for SS), expand-down, unusable. */
static void test_segments(void **state)
{
    (void)state;
    s = env_state(ENV_FLAT32);
    s.ds.limit = 0xfff;
    s.rbx = 0xffe;
    RUN(M, 0x8b, 0x03);                                         /* [0xffe, 0x1001] */
    expect_fault(13, 0);
    s.rbx = 0xffc;
    s.ds.base = M;
    RUN(M + 0xffc, 0x8b, 0x03);
    expect_done();
    s = env_state(ENV_FLAT32);
    s.ss.limit = 0xfff;
    s.rsp = 0x1000;
    RUN(M, 0x89, 0x04, 0x24);                                   /* mov [esp], eax */
    expect_fault(12, 0);
    s = env_state(ENV_FLAT32);
    s.ds.ar = 0xc097;                                           /* expand-down, writable */
    s.ds.limit = 0xfff;
    s.ds.base = M - 0x1000;
    s.rbx = 0xfff;
    RUN(M, 0x89, 0x03);
    expect_fault(13, 0);
    s.rbx = 0x1000;
    RUN(M, 0x89, 0x03);
    expect_done();
    s = env_state(ENV_FLAT32);
    s.ds.ar = 0xc091;                                           /* read-only data */
    s.rbx = M;
    RUN(M, 0x89, 0x03);
    expect_fault(13, 0);
    RUN(M, 0x8b, 0x03);
    expect_done();
    s = env_state(ENV_FLAT32);
    s.cs.ar = 0xc099;                                           /* execute-only code */
    s.rbx = M;
    RUN(M, 0x2e, 0x8b, 0x03);                                   /* mov eax, cs:[ebx] */
    expect_fault(13, 0);
    s = env_state(ENV_FLAT32);
    s.es.ar = 1u << 16;                                         /* unusable */
    s.rdi = M;
    RUN(M, 0xab);
    expect_fault(13, 0);
    s = env_state(ENV_FLAT32);
    s.cs.ar = 0xc097;                   /* a data type in CS (hostile state): not expand-down */
    s.cs.limit = ENV_CODE - 1;
    RUN(M, 0x89, 0x03);
    expect_fault(13, 0);
    s = env_state(ENV_REAL);                                    /* real mode: limits only */
    s.es.ar = 1u << 16;
    s.rdi = 0x10;
    RUN(ENV_VGA, 0xab);
    expect_done();
}

/* EMUL0115: 64-bit canonical checks: #GP, or #SS through RSP/RBP. */
static void test_canonical(void **state)
{
    (void)state;
    s = env_state(ENV_LONG64);
    s.rbx = 0x0000800000000000ull;
    RUN(M, 0x89, 0x03);
    expect_fault(13, 0);
    s.rsp = 0x0000800000000000ull;
    RUN(M, 0x89, 0x04, 0x24);
    expect_fault(12, 0);
    s.rbx = 0x00007ffffffffffeull;                              /* the last bytes cross out */
    RUN(M, 0x89, 0x03);
    expect_fault(13, 0);
}

/* EMUL0116: the fetch stops at the CS limit (and needs no byte past the instruction). */
static void test_cs_limit(void **state)
{
    (void)state;
    s = env_state(ENV_FLAT32);
    s.cs.limit = ENV_CODE + 1;
    s.rbx = M;
    RUN(M, 0x89, 0x03);
    expect_done();
    s = env_state(ENV_FLAT32);
    s.cs.limit = ENV_CODE + 1;
    RUN(M, 0xc7, 0x03, 0x01, 0x00, 0x00, 0x00);
    expect_fault(13, 0);
}

/* EMUL0117: 15 bytes are an instruction; 16 are #GP(0). */
static void test_length_limit(void **state)
{
    (void)state;
    uint8_t code[17];
    memset(code, 0x3e, sizeof(code));
    s = env_state(ENV_FLAT32);
    s.rbx = M;
    code[13] = 0x89;
    code[14] = 0x03;
    run(code, 15, M);
    expect_done();
    assert_int_equal(s.rip, ENV_CODE + 15);
    memset(code, 0x3e, sizeof(code));
    code[14] = 0x89;
    code[15] = 0x03;
    s = env_state(ENV_FLAT32);
    env_nlog = 0;
    run(code, 16, M);
    expect_fault(13, 0);
    assert_int_equal(env_nlog, 0);
}

/* EMUL0118: LOCK only on read-modify-writes of memory; #UD otherwise. */
static void test_lock(void **state)
{
    (void)state;
    static const uint8_t bad[][4] = {
        { 0xf0, 0x89, 0x03 },                                   /* mov */
        { 0xf0, 0x39, 0x03 },                                   /* cmp */
        { 0xf0, 0x03, 0x03 },                                   /* add eax, [ebx] */
        { 0xf0, 0x01, 0xc3 },                                   /* add ebx, eax */
        { 0xf0, 0x85, 0x03 },                                   /* test */
        { 0xf0, 0x0f, 0xa3, 0x03 },                             /* bt */
        { 0xf0, 0xab },                                         /* stosd */
    };
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        s = env_state(ENV_FLAT32);
        s.rbx = M;
        run(bad[k], 4, M);
        expect_ud();
        assert_int_equal(env_nlog, 0);
    }
    s = env_state(ENV_FLAT32);
    s.rbx = M;
    RUN(M, 0xf0, 0x0f, 0xab, 0x03);                             /* lock bts */
    expect_done();
    RUN(M, 0xf0, 0x87, 0x03);                                   /* lock xchg */
    expect_done();
}

/* EMUL0119: undefined encodings are #UD; valid ones it does not emulate say so. */
static void test_rejects(void **state)
{
    (void)state;
    static const struct { enum env_mode mode; uint8_t code[4]; const char *reason; } t[] = {
        { ENV_FLAT32, { 0x0f, 0x0b }, NULL },                   /* ud2 */
        { ENV_FLAT32, { 0x0f, 0xba, 0x03, 0x01 }, NULL },       /* 0f ba /0 */
        { ENV_FLAT32, { 0xc7, 0x0b, 0, 0 }, NULL },             /* c7 /1 */
        { ENV_FLAT32, { 0xfe, 0x13 }, NULL },                   /* fe /2 */
        { ENV_LONG64, { 0x82, 0x03, 0x01 }, NULL },             /* 82: gone in 64-bit */
        { ENV_FLAT32, { 0x0f, 0x38, 0x00, 0x03 }, "opcode" },   /* pshufb */
        { ENV_FLAT32, { 0xd9, 0x03 }, "opcode" },               /* fld */
        { ENV_FLAT32, { 0xf7, 0x23 }, "group 3" },              /* mul */
        { ENV_FLAT32, { 0xff, 0x13 }, "CALL" },                 /* call [ebx] */
        { ENV_FLAT32, { 0x89, 0xc3 }, "memory operand" },       /* mov ebx, eax */
        { ENV_FLAT32, { 0x63, 0x03 }, "ARPL" },
        { ENV_COMPAT32, { 0x48, 0x89, 0x03 }, "opcode" },       /* 48: DEC, not REX */
    };
    for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        env_reset();
        s = env_state(t[k].mode);
        s.rbx = M;
        uint64_t rip = s.rip;
        run(t[k].code, 4, M);
        if (t[k].reason)
            expect_unsupported(t[k].reason);
        else
            expect_ud();
        assert_int_equal(s.rip, rip);
        assert_int_equal(env_nlog, 0);
    }
}

/* EMUL0120: REP does at most EMUL_REP_BUDGET elements an exit; RIP stays until RCX = 0. */
static void test_rep_budget(void **state)
{
    (void)state;
    s = env_state(ENV_FLAT32);
    s.rsi = M;
    s.rdi = 0x20000;
    s.rcx = EMUL_REP_BUDGET + 476;
    env_mmio_value = 0x5a;
    RUN(M, 0xf3, 0xa4);                                         /* rep movsb */
    expect_done();
    assert_int_equal(env_nlog, EMUL_REP_BUDGET);
    assert_int_equal(s.rcx, 476);
    assert_int_equal(s.rip, ENV_CODE);
    assert_int_equal(out.mtd & VIREO_MTD_RIP_LEN, 0);
    assert_int_equal(s.rsi, M + EMUL_REP_BUDGET);
    env_nlog = 0;
    RUN(M, 0xf3, 0xa4);
    expect_done();
    assert_int_equal(env_nlog, 476);
    assert_int_equal(s.rcx, 0);
    assert_int_equal(s.rip, ENV_CODE + 2);
    assert_int_equal(env_ram[0x20000 + EMUL_REP_BUDGET + 475], 0x5a);
}

/* EMUL0121: a fault in the middle of REP: the elements before it are done and count. */
static void test_rep_fault(void **state)
{
    (void)state;
    s = env_state(ENV_LONG64);
    set_pte(ENV_LONG64, 6, 0);
    s.rsi = M;
    s.rdi = 0x5ff8;
    s.rcx = 4;
    RUN(M, 0xf3, 0xa5);                                         /* rep movsd */
    expect_pf(0x2, 0x6000);                                     /* write, not present */
    assert_int_equal(env_nlog, 2);                              /* the third read never came */
    assert_int_equal(s.rcx, 2);
    assert_int_equal(s.rdi, 0x6000);
    assert_int_equal(s.rsi, M + 8);
    assert_int_equal(s.rip, ENV_CODE);
    assert_int_equal(out.mtd, VIREO_MTD_GPR_ACDB | VIREO_MTD_GPR_BSD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_paged32_pse, setup),
        cmocka_unit_test_setup(test_pae_2m, setup),
        cmocka_unit_test_setup(test_long_1g, setup),
        cmocka_unit_test_setup(test_long_la57, setup),
        cmocka_unit_test_setup(test_fetch_crossing, setup),
        cmocka_unit_test_setup(test_fetch_crossing_absent, setup),
        cmocka_unit_test_setup(test_fetch_faults, setup),
        cmocka_unit_test_setup(test_write_protect, setup),
        cmocka_unit_test_setup(test_user_supervisor, setup),
        cmocka_unit_test_setup(test_smep_smap, setup),
        cmocka_unit_test_setup(test_exit_gpa_hint, setup),
        cmocka_unit_test_setup(test_walk_memo, setup),
        cmocka_unit_test_setup(test_not_ram, setup),
        cmocka_unit_test_setup(test_split_access, setup),
        cmocka_unit_test_setup(test_segments, setup),
        cmocka_unit_test_setup(test_canonical, setup),
        cmocka_unit_test_setup(test_cs_limit, setup),
        cmocka_unit_test_setup(test_length_limit, setup),
        cmocka_unit_test_setup(test_lock, setup),
        cmocka_unit_test_setup(test_rejects, setup),
        cmocka_unit_test_setup(test_rep_budget, setup),
        cmocka_unit_test_setup(test_rep_fault, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
