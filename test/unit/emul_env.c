/* SPDX-License-Identifier: MIT */
/* Vireo: a guest for the emulator's host tests: RAM, a logged MMIO space, vCPU modes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "emul_env.h"

#define P 0x1u
#define RW 0x2u
#define PS 0x80u
#define HOLE_START 0xa0000u
#define HOLE_END 0xc0000u

uint8_t *env_ram;
struct env_access env_log[ENV_LOG_MAX];
unsigned env_nlog;
uint64_t env_mmio_value;

static bool is_ram(uint64_t gpa, unsigned len)
{
    if ((gpa & 0xfff) + len > 4096)
        fail_msg("emulator asked for %u bytes at 0x%llx across a page", len,
                 (unsigned long long)gpa);
    return gpa < ENV_RAM_SIZE && len <= ENV_RAM_SIZE - gpa &&
           (gpa + len <= HOLE_START || gpa >= HOLE_END);
}

static bool ram_read(void *ctx, uint64_t gpa, void *dst, unsigned len)
{
    (void)ctx;
    if (!is_ram(gpa, len))
        return false;
    memcpy(dst, env_ram + gpa, len);
    return true;
}

static bool ram_write(void *ctx, uint64_t gpa, const void *src, unsigned len)
{
    (void)ctx;
    if (!is_ram(gpa, len))
        return false;
    memcpy(env_ram + gpa, src, len);
    return true;
}

static void log_access(uint64_t gpa, unsigned size, uint64_t v, bool write)
{
    if (size != 1 && size != 2 && size != 4 && size != 8)
        fail_msg("MMIO access of %u bytes", size);
    if ((gpa & 0xfff) + size > 4096)
        fail_msg("MMIO access across a page at 0x%llx", (unsigned long long)gpa);
    if (env_nlog < ENV_LOG_MAX)
        env_log[env_nlog++] = (struct env_access){ gpa, size, v, write };
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t mmio_read(void *ctx, uint64_t gpa, unsigned size)
{
    (void)ctx;
    log_access(gpa, size, env_mmio_value & size_mask(size), false);
    return env_mmio_value & size_mask(size);
}

static void mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t v)
{
    (void)ctx;
    log_access(gpa, size, v, true);
}

const struct emul_mem env_mem = { NULL, ram_read, ram_write, mmio_read, mmio_write };

void env_put64(uint64_t gpa, uint64_t v) { memcpy(env_ram + gpa, &v, 8); }
void env_put32(uint64_t gpa, uint32_t v) { memcpy(env_ram + gpa, &v, 4); }

uint64_t env_get64(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, env_ram + gpa, 8);
    return v;
}

uint32_t env_get32(uint64_t gpa)
{
    uint32_t v;
    memcpy(&v, env_ram + gpa, 4);
    return v;
}

void env_reset(void)
{
    if (!env_ram)
        env_ram = malloc(ENV_RAM_SIZE);
    assert_non_null(env_ram);
    memset(env_ram, 0, ENV_RAM_SIZE);
    env_nlog = 0;
    env_mmio_value = 0;
}

/* 32-bit paging: 4 KiB pages for 0-4 MiB, a 4 MiB page at ENV_MMIO. */
static void tables32(void)
{
    env_put32(ENV_PT_ROOT, ENV_PT_PT0 | P | RW);
    env_put32(ENV_PT_ROOT + (ENV_MMIO >> 22) * 4, ENV_MMIO | P | RW | PS);
    for (uint32_t i = 0; i < 1024; i++)
        env_put32(ENV_PT_PT0 + 4 * i, (i << 12) | P | RW);
}

/* PAE and 4-level: 4 KiB pages for 0-2 MiB, 2 MiB pages for 2-6 MiB and at ENV_MMIO. */
static void tables64(bool long_mode)
{
    if (long_mode) {
        env_put64(ENV_PT_ROOT, ENV_PT_PDPT | P | RW);
        env_put64(ENV_PT_PDPT, ENV_PT_PD0 | P | RW);
        env_put64(ENV_PT_PDPT + 3 * 8, ENV_PT_PD3 | P | RW);
    } else {
        env_put64(ENV_PT_ROOT, ENV_PT_PD0 | P);
        env_put64(ENV_PT_ROOT + 3 * 8, ENV_PT_PD3 | P);
    }
    env_put64(ENV_PT_PD0, ENV_PT_PT0 | P | RW);
    env_put64(ENV_PT_PD0 + 8, 0x200000 | P | RW | PS);
    env_put64(ENV_PT_PD0 + 16, 0x400000 | P | RW | PS);         /* above RAM: MMIO */
    env_put64(ENV_PT_PD3 + ((ENV_MMIO >> 21) & 0x1ff) * 8, ENV_MMIO | P | RW | PS);
    for (uint64_t i = 0; i < 512; i++)
        env_put64(ENV_PT_PT0 + 8 * i, (i << 12) | P | RW);
}

static struct vireo_segment seg(uint16_t sel, uint32_t ar, uint64_t base, uint32_t limit)
{
    return (struct vireo_segment){ .sel = sel, .ar = ar, .base = base, .limit = limit };
}

static void segs16(struct vireo_vcpu_state *s, uint32_t code_ar)
{
    s->cs = seg((ENV_CODE - 0x100) >> 4, code_ar, ENV_CODE - 0x100, 0xffff);
    s->ds = seg(ENV_VGA >> 4, 0x93, ENV_VGA, 0xffff);
    s->es = seg(0x2000, 0x93, 0x20000, 0xffff);
    s->ss = s->fs = s->gs = seg(0, 0x93, 0, 0xffff);
    s->rip = 0x100;
}

static void segs_flat(struct vireo_vcpu_state *s, uint32_t code_ar)
{
    s->cs = seg(0x08, code_ar, 0, 0xffffffff);
    s->ds = s->es = s->ss = s->fs = s->gs = seg(0x10, 0xc093, 0, 0xffffffff);
    s->rip = ENV_CODE;
}

struct vireo_vcpu_state env_state(enum env_mode mode)
{
    struct vireo_vcpu_state s = { .rflags = 0x2 };
    switch (mode) {
    case ENV_REAL:
        segs16(&s, 0x9b);
        return s;
    case ENV_PROT16:
        s.cr0 = 0x11;
        segs16(&s, 0x9b);
        return s;
    case ENV_FLAT32:
        s.cr0 = 0x11;
        segs_flat(&s, 0xc09b);
        return s;
    case ENV_PAGED32:
        s.cr0 = 0x80010011;             /* PG WP ET PE */
        s.cr3 = ENV_PT_ROOT;
        s.cr4 = 0x10;                   /* PSE */
        tables32();
        segs_flat(&s, 0xc09b);
        return s;
    case ENV_PAE:
        s.cr0 = 0x80010011;
        s.cr3 = ENV_PT_ROOT;
        s.cr4 = 0x20;                   /* PAE */
        s.efer = 0x800;                 /* NXE */
        tables64(false);
        segs_flat(&s, 0xc09b);
        return s;
    default:                            /* ENV_LONG64, ENV_COMPAT32 */
        s.cr0 = 0x80010011;
        s.cr3 = ENV_PT_ROOT;
        s.cr4 = 0x20;
        s.efer = 0xd00;                 /* NXE LMA LME */
        tables64(true);
        segs_flat(&s, mode == ENV_LONG64 ? 0xa09b : 0xc09b);
        return s;
    }
}

uint64_t env_code_gpa(const struct vireo_vcpu_state *s)
{
    return s->cs.base + s->rip;
}

void env_run(struct vireo_vcpu_state *s, const uint8_t *code, unsigned len, uint64_t gpa,
             struct emul_out *out)
{
    memcpy(env_ram + env_code_gpa(s), code, len);
    struct emul_exit x = { .qual = 0, .gpa = gpa };
    emul_mmio(s, &x, &env_mem, 36, out);
}
