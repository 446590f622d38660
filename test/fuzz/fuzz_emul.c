/* SPDX-License-Identifier: MIT */
/* Vireo: libFuzzer target for the MMIO emulator (vmm/emul): random vCPU state, instruction
   bytes and memory; checks the emulator's contract besides "no crash, no UB". */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "emul.h"

#define RAM_SIZE 0x10000u               /* GPA [0, 64 KiB) is RAM; the rest MMIO */
#define STATE_BYTES 170u               /* state_from() takes 168, then maxphyaddr */
#define MAX_CALLS 40000u                /* REP budget x (2 walks of 5 reads, 5 writes, data) */

static uint8_t ram[RAM_SIZE];
static const uint8_t *mmio_data;
static size_t mmio_len, mmio_pos;
static unsigned calls;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_range(uint64_t gpa, unsigned len, unsigned max)
{
    check(len >= 1 && len <= max);
    check((gpa & 0xfff) + len <= 4096);                         /* never across a page */
    check(++calls <= MAX_CALLS);
}

static bool is_ram(uint64_t gpa, unsigned len)
{
    return gpa < RAM_SIZE && len <= RAM_SIZE - gpa;
}

static bool ram_read(void *ctx, uint64_t gpa, void *dst, unsigned len)
{
    (void)ctx;
    check_range(gpa, len, EMUL_INSN_MAX);
    if (!is_ram(gpa, len))
        return false;
    memcpy(dst, ram + gpa, len);
    return true;
}

static bool ram_write(void *ctx, uint64_t gpa, const void *src, unsigned len)
{
    (void)ctx;
    check_range(gpa, len, 8);
    if (!is_ram(gpa, len))
        return false;
    memcpy(ram + gpa, src, len);
    return true;
}

static void check_size(uint64_t gpa, unsigned size)
{
    check(size == 1 || size == 2 || size == 4 || size == 8);
    check_range(gpa, size, 8);
    check(!is_ram(gpa, size));          /* RAM goes to the RAM callbacks */
}

static uint64_t mmio_read(void *ctx, uint64_t gpa, unsigned size)
{
    (void)ctx;
    check_size(gpa, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < 8 && mmio_len; i++)
        v = v << 8 | mmio_data[mmio_pos++ % mmio_len];
    return v;                           /* the emulator must mask it */
}

static void mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t v)
{
    (void)ctx;
    check_size(gpa, size);
    check(size == 8 || v >> (8 * size) == 0);
}

static const struct emul_mem mem = { NULL, ram_read, ram_write, mmio_read, mmio_write };

static uint64_t take(const uint8_t **p, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, *p, n);
    *p += n;
    return v;
}

/* Addresses near RAM more often than not, so that walks and fetches find something. */
static uint64_t near(uint64_t v)
{
    return v & 1 ? v : v & (RAM_SIZE - 1) & ~1ull;
}

static void segment(struct vireo_segment *s, const uint8_t **p)
{
    s->sel = (uint16_t)take(p, 2);
    s->ar = (uint32_t)take(p, 3);
    s->limit = (uint32_t)take(p, 4);
    s->base = near(take(p, 4)) & 0xfffff;
}

static void state_from(struct vireo_vcpu_state *s, const uint8_t *p)
{
    *s = (struct vireo_vcpu_state){ 0 };
    for (uint64_t *r = &s->rax; r <= &s->r15; r++)
        *r = near(take(&p, 4));
    s->rip = near(take(&p, 4));
    s->rflags = take(&p, 4) | 2;
    s->cr0 = take(&p, 4);
    s->cr3 = take(&p, 2) << 4;
    s->cr4 = take(&p, 4);
    s->efer = take(&p, 2);
    s->qual[0] = take(&p, 2);
    s->qual[1] = take(&p, 4) | 0xf0000000;
    struct vireo_segment *segs[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
    for (unsigned i = 0; i < 6; i++)
        segment(segs[i], &p);
}

/* Nothing but the groups named in out.mtd (GPRs, RIP, RFLAGS) may change. */
static void check_changes(const struct vireo_vcpu_state *a, const struct vireo_vcpu_state *b,
                          const struct emul_out *o)
{
    static const uint64_t groups[16] = {
        VIREO_MTD_GPR_ACDB, VIREO_MTD_GPR_ACDB, VIREO_MTD_GPR_ACDB, VIREO_MTD_GPR_ACDB,
        VIREO_MTD_RSP, VIREO_MTD_GPR_BSD, VIREO_MTD_GPR_BSD, VIREO_MTD_GPR_BSD,
        VIREO_MTD_GPR_R8_R15, VIREO_MTD_GPR_R8_R15, VIREO_MTD_GPR_R8_R15, VIREO_MTD_GPR_R8_R15,
        VIREO_MTD_GPR_R8_R15, VIREO_MTD_GPR_R8_R15, VIREO_MTD_GPR_R8_R15, VIREO_MTD_GPR_R8_R15,
    };
    for (unsigned i = 0; i < 16; i++)
        check((&a->rax)[i] == (&b->rax)[i] || (o->mtd & groups[i]));
    check(a->rip == b->rip || (o->mtd & VIREO_MTD_RIP_LEN));
    check(a->rflags == b->rflags || (o->mtd & VIREO_MTD_RFLAGS));
    struct vireo_vcpu_state x = *a, y = *b;
    memset(&x.rax, 0, 16 * 8);
    memset(&y.rax, 0, 16 * 8);
    x.rip = y.rip = x.rflags = y.rflags = 0;
    check(memcmp(&x, &y, sizeof(x)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < STATE_BYTES + 1)
        return 0;
    struct vireo_vcpu_state s, before;
    state_from(&s, data);
    unsigned maxphy = data[168] % 64;
    const uint8_t *rest = data + STATE_BYTES;
    size_t rest_len = size - STATE_BYTES;
    size_t n = rest_len < RAM_SIZE ? rest_len : RAM_SIZE;
    memcpy(ram, rest, n);
    for (; n < RAM_SIZE; n *= 2)                /* RAM: the input's tail, over and over */
        memcpy(ram + n, ram, n < RAM_SIZE - n ? n : RAM_SIZE - n);
    uint64_t code = (s.cs.base + s.rip) & (RAM_SIZE - 1);
    memcpy(ram + code, rest, rest_len < RAM_SIZE - code ? rest_len : RAM_SIZE - code);
    mmio_data = rest;
    mmio_len = rest_len;
    mmio_pos = 0;
    calls = 0;
    before = s;
    struct emul_exit x = { .qual = s.qual[0], .gpa = s.qual[1], .linear = s.r15,
                           .has_linear = data[0] & 1 };
    struct emul_out o;
    emul_mmio(&s, &x, &mem, maxphy, &o);
    check(o.status == EMUL_DONE || o.status == EMUL_EXCEPTION || o.status == EMUL_UNSUPPORTED);
    check(o.insn_len <= EMUL_INSN_MAX);
    if (o.status == EMUL_UNSUPPORTED)
        check(o.reason && o.reason[0]);
    if (o.status == EMUL_EXCEPTION)
        check(o.vector == EMUL_VEC_UD || o.vector == EMUL_VEC_SS || o.vector == EMUL_VEC_GP ||
              o.vector == EMUL_VEC_PF);
    check_changes(&before, &s, &o);
    return 0;
}
