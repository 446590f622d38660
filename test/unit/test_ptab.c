/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the 4-level radix page tables, for host paging and EPT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ptab.h"

/* Page-table pages come from this arena, which poses as physical memory at ARENA_PA. */
#define PAGE 0x1000ull
#define ARENA_PAGES 64u
#define ARENA_PA 0x7f000000ull
#define KIB 0x400ull
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define NOT_MAPPED (~0ull)
#define EPT_R 1ull
#define EPT_W 2ull
#define EPT_X 4ull
#define EPT_RWX 7ull
#define EPT_MT_WB (6ull << 3)   /* SDM Vol. 3C 29.3.7: memory type in bits 5:3 */
#define HOST_TABLE_FLAGS (PTE_P | PTE_W)
#define KERNEL_RW (PTE_P | PTE_W | PTE_NX)

static _Alignas(4096) uint8_t arena[ARENA_PAGES][PAGE];

struct fake_mem {
    unsigned used;
    unsigned limit;             /* alloc_page fails once `used` reaches it */
};

static struct fake_mem mem;
static struct ptab_ops ops;
static uint64_t root;

static uint64_t alloc_page(void *ctx)
{
    struct fake_mem *m = ctx;
    if (m->used >= m->limit)
        return 0;
    memset(arena[m->used], 0, PAGE);
    return ARENA_PA + PAGE * m->used++;
}

static void *phys_to_virt(void *ctx, uint64_t pa)
{
    struct fake_mem *m = ctx;
    assert_true(pa >= ARENA_PA && pa < ARENA_PA + PAGE * m->used);
    assert_int_equal(pa % PAGE, 0);
    return arena[(pa - ARENA_PA) / PAGE];
}

static void setup_ops(uint64_t present_mask, uint64_t table_flags)
{
    mem = (struct fake_mem){ .used = 0, .limit = ARENA_PAGES };
    ops = (struct ptab_ops){
        .alloc_page = alloc_page, .phys_to_virt = phys_to_virt, .ctx = &mem,
        .present_mask = present_mask, .table_flags = table_flags,
    };
    root = alloc_page(&mem);
}

static int host_setup(void **state)
{
    (void)state;
    setup_ops(PTE_P, HOST_TABLE_FLAGS);
    return 0;
}

static int ept_setup(void **state)
{
    (void)state;
    setup_ops(EPT_RWX, EPT_RWX);
    return 0;
}

/* ---- an independent walker over the arena, to see which entries were written ---- */

static unsigned shift_of(unsigned level)
{
    return 12 + 9 * (level - 1);
}

/* The entry at `level` on the way to va, or 0 if the walk ends above it. */
static uint64_t entry_at(uint64_t va, unsigned level)
{
    uint64_t table = root;
    for (unsigned lvl = 4;; lvl--) {
        const uint64_t *t = phys_to_virt(&mem, table & PTE_ADDR_MASK);
        uint64_t e = t[(va >> shift_of(lvl)) & 511];
        if (lvl == level)
            return e;
        if (!(e & ops.present_mask) || (e & PTE_PS))
            return 0;
        table = e;
    }
}

/* Level (1, 2 or 3) of the leaf that maps va, or 0 if none. */
static unsigned leaf_level(uint64_t va)
{
    for (unsigned lvl = 3; lvl >= 1; lvl--) {
        uint64_t e = entry_at(va, lvl);
        if ((e & ops.present_mask) && (lvl == 1 || (e & PTE_PS)))
            return lvl;
    }
    return 0;
}

static uint64_t lookup(uint64_t va, uint64_t *flags)
{
    return ptab_lookup(&ops, root, va, flags);
}

/* ---- mapping by size and alignment ---- */

static void map_4k(void **state)
{
    (void)state;
    uint64_t flags;
    assert_int_equal(ptab_map(&ops, root, 0x400000, 0x12345000, PAGE, KERNEL_RW, 30), PTAB_OK);
    assert_int_equal(mem.used, 4);          /* root, PDPT, PD, PT */
    assert_int_equal(lookup(0x400abc, &flags), 0x12345abc);
    assert_int_equal(flags, KERNEL_RW);
    assert_int_equal(leaf_level(0x400000), 1);
    assert_int_equal(lookup(0x401000, &flags), NOT_MAPPED);
    assert_int_equal(flags, 0);
    assert_int_equal(lookup(0x3ff000, NULL), NOT_MAPPED);
}

static void map_2m(void **state)
{
    (void)state;
    uint64_t flags;
    assert_int_equal(ptab_map(&ops, root, 2 * MIB, 0x40000000, 2 * MIB, KERNEL_RW, 21),
                     PTAB_OK);
    assert_int_equal(mem.used, 3);          /* root, PDPT, PD */
    assert_int_equal(leaf_level(2 * MIB), 2);
    assert_int_equal(lookup(2 * MIB + 0x12345, &flags), 0x40012345);
    assert_int_equal(flags, KERNEL_RW | PTE_PS);
    assert_int_equal(lookup(4 * MIB, NULL), NOT_MAPPED);
    assert_int_equal(lookup(2 * MIB - 1, NULL), NOT_MAPPED);
}

static void map_1g(void **state)
{
    (void)state;
    uint64_t flags;
    assert_int_equal(ptab_map(&ops, root, 3 * GIB, 5 * GIB, GIB, KERNEL_RW, 30), PTAB_OK);
    assert_int_equal(mem.used, 2);          /* root, PDPT */
    assert_int_equal(leaf_level(3 * GIB), 3);
    assert_int_equal(lookup(3 * GIB + 0x3456789, &flags), 5 * GIB + 0x3456789);
    assert_int_equal(flags, KERNEL_RW | PTE_PS);
    assert_int_equal(lookup(4 * GIB, NULL), NOT_MAPPED);
}

static void max_shift_caps_page_size(void **state)
{
    (void)state;
    assert_int_equal(ptab_map(&ops, root, GIB, GIB, GIB, KERNEL_RW, 21), PTAB_OK);
    assert_int_equal(leaf_level(GIB), 2);
    assert_int_equal(leaf_level(2 * GIB - PAGE), 2);
    assert_int_equal(ptab_map(&ops, root, 4 * GIB, 4 * GIB, 4 * MIB, KERNEL_RW, 12), PTAB_OK);
    assert_int_equal(leaf_level(4 * GIB), 1);
    assert_int_equal(leaf_level(4 * GIB + 4 * MIB - PAGE), 1);
    assert_int_equal(lookup(4 * GIB + 3 * MIB + 0x10, NULL), 4 * GIB + 3 * MIB + 0x10);
}

static void alignment_picks_page_size(void **state)
{
    (void)state;
    /* va 2 MiB aligned but pa not: 4 KiB pages only. */
    assert_int_equal(ptab_map(&ops, root, 2 * MIB, 0x80001000, 2 * MIB, KERNEL_RW, 30),
                     PTAB_OK);
    assert_int_equal(leaf_level(2 * MIB), 1);
    assert_int_equal(leaf_level(4 * MIB - PAGE), 1);
    assert_int_equal(lookup(4 * MIB - 1, NULL), 0x80001000 + 2 * MIB - 1);
    /* Both 1 GiB aligned but only 1 GiB - 4 KiB long: 2 MiB pages, then 4 KiB pages. */
    assert_int_equal(ptab_map(&ops, root, GIB, 8 * GIB, GIB - PAGE, KERNEL_RW, 30), PTAB_OK);
    assert_int_equal(leaf_level(GIB), 2);
    assert_int_equal(leaf_level(2 * GIB - 2 * MIB), 1);
    assert_int_equal(leaf_level(2 * GIB - PAGE), 0);
}

/* An unaligned start climbs 4 KiB -> 2 MiB -> 1 GiB and steps back down at the end. */
static void mixed_range(void **state)
{
    (void)state;
    uint64_t va = GIB - 2 * MIB - 2 * PAGE;
    uint64_t pa = va + 4 * GIB;
    uint64_t size = 2 * PAGE + 2 * MIB + GIB + 2 * MIB + PAGE;
    assert_int_equal(ptab_map(&ops, root, va, pa, size, KERNEL_RW, 30), PTAB_OK);
    assert_int_equal(leaf_level(va), 1);
    assert_int_equal(leaf_level(va + PAGE), 1);
    assert_int_equal(leaf_level(GIB - 2 * MIB), 2);
    assert_int_equal(leaf_level(GIB), 3);
    assert_int_equal(leaf_level(2 * GIB), 2);
    assert_int_equal(leaf_level(2 * GIB + 2 * MIB), 1);
    assert_int_equal(leaf_level(2 * GIB + 2 * MIB + PAGE), 0);
    for (uint64_t off = 0; off < size; off += 0x1f3000 + 0x123)
        assert_int_equal(lookup(va + off, NULL), pa + off);
    assert_int_equal(lookup(va + size - 1, NULL), pa + size - 1);
    assert_int_equal(lookup(va - 1, NULL), NOT_MAPPED);
    assert_int_equal(lookup(va + size, NULL), NOT_MAPPED);
}

static void upper_half_and_top_of_space(void **state)
{
    (void)state;
    const uint64_t kernel = 0xffffffff80000000ull;
    const uint64_t top = 0xffffffffffe00000ull;     /* range ends at 2^64 - 1 */
    assert_int_equal(ptab_map(&ops, root, kernel, 2 * MIB, 4 * MIB, KERNEL_RW, 21), PTAB_OK);
    assert_int_equal(lookup(kernel + 3 * MIB, NULL), 5 * MIB);
    assert_int_equal(ptab_map(&ops, root, top, 0, 2 * MIB, KERNEL_RW, 12), PTAB_OK);
    assert_int_equal(lookup(~0ull, NULL), 2 * MIB - 1);
    assert_int_equal(ptab_map(&ops, root, top, 0, 2 * MIB, KERNEL_RW, 12), PTAB_EXISTS);
    assert_int_equal(ptab_unmap(&ops, root, top, 2 * MIB), PTAB_OK);
    assert_int_equal(lookup(~0ull, NULL), NOT_MAPPED);
    assert_int_equal(lookup(kernel, NULL), 2 * MIB);
}

/* ---- flags ---- */

static void leaf_flags_preserved(void **state)
{
    (void)state;
    const uint64_t user = PTE_P | PTE_W | PTE_U | PTE_NX;
    const uint64_t mmio = PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | PTE_NX;
    const uint64_t ro_exec = PTE_P | PTE_A | PTE_D;
    uint64_t flags;
    assert_int_equal(ptab_map(&ops, root, 0x1000, 0x9000, PAGE, user, 30), PTAB_OK);
    assert_int_equal(ptab_map(&ops, root, 0x2000, 0xfee00000, PAGE, mmio, 30), PTAB_OK);
    assert_int_equal(ptab_map(&ops, root, 4 * MIB, 4 * MIB, 2 * MIB, ro_exec, 21), PTAB_OK);
    assert_int_equal(lookup(0x1000, &flags), 0x9000);
    assert_int_equal(flags, user);
    assert_int_equal(lookup(0x2010, &flags), 0xfee00010);
    assert_int_equal(flags, mmio);
    assert_int_equal(lookup(5 * MIB, &flags), 5 * MIB);
    assert_int_equal(flags, ro_exec | PTE_PS);
}

/* SDM Vol. 3A 4.6.1: a user page needs U/S at every level; a kernel one does not. */
static void intermediate_flags(void **state)
{
    (void)state;
    const uint64_t kva = 0x40000000;
    const uint64_t uva = 0x80000000;
    assert_int_equal(ptab_map(&ops, root, kva, 0x1000, PAGE, KERNEL_RW, 30), PTAB_OK);
    assert_int_equal(ptab_map(&ops, root, uva, 0x2000, PAGE, PTE_P | PTE_U, 30), PTAB_OK);
    for (unsigned lvl = 4; lvl >= 2; lvl--) {
        assert_int_equal(entry_at(uva, lvl) & ~PTE_ADDR_MASK, HOST_TABLE_FLAGS | PTE_U);
        if (lvl < 4)
            assert_int_equal(entry_at(kva, lvl) & ~PTE_ADDR_MASK, HOST_TABLE_FLAGS);
    }
    /* A user page under existing kernel-only tables widens them. */
    assert_int_equal(ptab_map(&ops, root, kva + PAGE, 0x3000, PAGE, PTE_P | PTE_U, 30),
                     PTAB_OK);
    assert_int_equal(entry_at(kva, 2) & ~PTE_ADDR_MASK, HOST_TABLE_FLAGS | PTE_U);
    assert_int_equal(entry_at(kva, 1) & ~PTE_ADDR_MASK, KERNEL_RW & ~PTE_ADDR_MASK);
}

/* ---- refused requests change nothing ---- */

static void exists_small(void **state)
{
    (void)state;
    assert_int_equal(ptab_map(&ops, root, 0x10000, 0x10000, PAGE, KERNEL_RW, 30), PTAB_OK);
    unsigned used = mem.used;
    assert_int_equal(ptab_map(&ops, root, 0xe000, 0xa0000, 4 * PAGE, KERNEL_RW, 30),
                     PTAB_EXISTS);
    assert_int_equal(ptab_map(&ops, root, 0x10000, 0xa0000, PAGE, KERNEL_RW, 30),
                     PTAB_EXISTS);
    assert_int_equal(mem.used, used);
    assert_int_equal(lookup(0xe000, NULL), NOT_MAPPED);
    assert_int_equal(lookup(0xf000, NULL), NOT_MAPPED);
    assert_int_equal(lookup(0x11000, NULL), NOT_MAPPED);
    assert_int_equal(lookup(0x10000, NULL), 0x10000);
    /* A 2 MiB request whose range holds the 4 KiB page is refused too. */
    assert_int_equal(ptab_map(&ops, root, 0, 0, 2 * MIB, KERNEL_RW, 21), PTAB_EXISTS);
    assert_int_equal(leaf_level(0), 0);
}

static void exists_large(void **state)
{
    (void)state;
    assert_int_equal(ptab_map(&ops, root, 2 * MIB, 0, 2 * MIB, KERNEL_RW, 21), PTAB_OK);
    assert_int_equal(ptab_map(&ops, root, GIB, GIB, GIB, KERNEL_RW, 30), PTAB_OK);
    unsigned used = mem.used;
    /* Inside a large page, across its start, across its end. */
    assert_int_equal(ptab_map(&ops, root, 3 * MIB, 0, PAGE, KERNEL_RW, 30), PTAB_EXISTS);
    assert_int_equal(ptab_map(&ops, root, 2 * MIB - 2 * PAGE, 0, 4 * PAGE, KERNEL_RW, 30),
                     PTAB_EXISTS);
    assert_int_equal(ptab_map(&ops, root, 2 * GIB - PAGE, 0, 2 * PAGE, KERNEL_RW, 30),
                     PTAB_EXISTS);
    assert_int_equal(mem.used, used);
    assert_int_equal(lookup(2 * MIB - 2 * PAGE, NULL), NOT_MAPPED);
    assert_int_equal(lookup(2 * GIB, NULL), NOT_MAPPED);
    assert_int_equal(leaf_level(3 * MIB), 2);
    assert_int_equal(leaf_level(2 * GIB - PAGE), 3);
}

static void invalid_map_arguments(void **state)
{
    (void)state;
    const uint64_t f = KERNEL_RW;
    const uint64_t hole = 0x0000800000000000ull;
    const uint64_t lower_top = 0x00007ffffffff000ull;
    struct { uint64_t va, pa, size, flags; unsigned shift; } bad[] = {
        { 0x1000, 0x1000, 0, f, 30 },               /* empty */
        { 0x1800, 0x1000, PAGE, f, 30 },            /* va misaligned */
        { 0x1000, 0x1800, PAGE, f, 30 },            /* pa misaligned */
        { 0x1000, 0x1000, 0x1800, f, 30 },          /* size misaligned */
        { hole, 0x1000, PAGE, f, 30 },              /* non-canonical */
        { lower_top, 0x1000, 2 * PAGE, f, 30 },     /* runs into the hole */
        { ~0ull - PAGE + 1, 0, 2 * PAGE, f, 30 },   /* wraps */
        { 0x1000, 0x1000, PAGE, f, 13 },
        { 0x1000, 0x1000, PAGE, f, 39 },
        { 0x1000, 1ull << 52, PAGE, f, 30 },        /* beyond 52-bit physical */
        { 0x1000, (1ull << 52) - PAGE, 2 * PAGE, f, 30 },
        { 0x1000, 0x1000, PAGE, f | PTE_PS, 30 },
        { 0x1000, 0x1000, PAGE, f | 0x5000, 30 },   /* address bits in flags */
        { 0x1000, 0x1000, PAGE, PTE_W | PTE_NX, 30 },       /* not present */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ptab_map(&ops, root, bad[i].va, bad[i].pa, bad[i].size,
                                  bad[i].flags, bad[i].shift), PTAB_INVAL);
    }
    assert_int_equal(mem.used, 1);
    assert_int_equal(ptab_unmap(&ops, root, 0x1000, 0), PTAB_INVAL);
    assert_int_equal(ptab_unmap(&ops, root, 0x1800, PAGE), PTAB_INVAL);
    assert_int_equal(ptab_unmap(&ops, root, hole, PAGE), PTAB_INVAL);
    assert_int_equal(ptab_unmap(&ops, root, lower_top, 2 * PAGE), PTAB_INVAL);
    assert_int_equal(ptab_unmap(&ops, root, ~0ull - PAGE + 1, 2 * PAGE), PTAB_INVAL);
    assert_int_equal(lookup(hole, NULL), NOT_MAPPED);
}

/* ---- unmapping ---- */

static void unmap_then_lookup(void **state)
{
    (void)state;
    assert_int_equal(ptab_map(&ops, root, 0, 0, 4 * MIB, KERNEL_RW, 12), PTAB_OK);
    assert_int_equal(ptab_unmap(&ops, root, MIB, MIB), PTAB_OK);
    assert_int_equal(lookup(MIB - PAGE, NULL), MIB - PAGE);
    assert_int_equal(lookup(MIB, NULL), NOT_MAPPED);
    assert_int_equal(lookup(2 * MIB - PAGE, NULL), NOT_MAPPED);
    assert_int_equal(lookup(2 * MIB, NULL), 2 * MIB);
    /* Holes inside the range, and ranges with nothing mapped, are fine. */
    assert_int_equal(ptab_unmap(&ops, root, 0, 8 * MIB), PTAB_OK);
    assert_int_equal(lookup(0, NULL), NOT_MAPPED);
    assert_int_equal(lookup(3 * MIB, NULL), NOT_MAPPED);
    assert_int_equal(ptab_unmap(&ops, root, 512 * GIB, GIB), PTAB_OK);
}

static void unmap_large_pages(void **state)
{
    (void)state;
    assert_int_equal(ptab_map(&ops, root, 2 * MIB, 0, 2 * MIB, KERNEL_RW, 21), PTAB_OK);
    assert_int_equal(ptab_map(&ops, root, GIB, 0, GIB, KERNEL_RW, 30), PTAB_OK);
    assert_int_equal(ptab_unmap(&ops, root, 3 * MIB, PAGE), PTAB_INVAL);
    assert_int_equal(ptab_unmap(&ops, root, 0, 3 * MIB), PTAB_INVAL);
    /* Refused as a whole: the 2 MiB page, wholly inside, stays too. */
    assert_int_equal(ptab_unmap(&ops, root, 2 * MIB, GIB), PTAB_INVAL);
    assert_int_equal(leaf_level(2 * MIB), 2);
    assert_int_equal(leaf_level(GIB), 3);
    assert_int_equal(ptab_unmap(&ops, root, 2 * MIB, 2 * MIB), PTAB_OK);
    assert_int_equal(lookup(2 * MIB, NULL), NOT_MAPPED);
    assert_int_equal(ptab_unmap(&ops, root, 0, 4 * GIB), PTAB_OK);
    assert_int_equal(lookup(GIB + 5, NULL), NOT_MAPPED);
}

/* Tables emptied by unmap are reused rather than overwritten by a large leaf (a leak). */
static void remap_reuses_empty_tables(void **state)
{
    (void)state;
    assert_int_equal(ptab_map(&ops, root, 2 * MIB, 0, 2 * MIB, KERNEL_RW, 12), PTAB_OK);
    assert_int_equal(ptab_unmap(&ops, root, 2 * MIB, 2 * MIB), PTAB_OK);
    unsigned used = mem.used;
    assert_int_equal(ptab_map(&ops, root, 2 * MIB, 0, 2 * MIB, KERNEL_RW, 21), PTAB_OK);
    assert_int_equal(mem.used, used);
    assert_int_equal(leaf_level(2 * MIB), 1);
    assert_int_equal(lookup(4 * MIB - 1, NULL), 2 * MIB - 1);
}

/* ---- out of memory ---- */

static void nomem_undoes_the_call(void **state)
{
    (void)state;
    const uint64_t va = 2 * MIB - 2 * PAGE;     /* four pages over two page tables */
    mem.limit = 1;
    assert_int_equal(ptab_map(&ops, root, va, 0, 4 * PAGE, KERNEL_RW, 30), PTAB_NOMEM);
    mem.limit = 4;                              /* root, PDPT, PD, one PT */
    assert_int_equal(ptab_map(&ops, root, va, 0, 4 * PAGE, KERNEL_RW, 30), PTAB_NOMEM);
    assert_int_equal(mem.used, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(lookup(va + i * PAGE, NULL), NOT_MAPPED);
    mem.limit = 5;
    assert_int_equal(ptab_map(&ops, root, va, 0, 4 * PAGE, KERNEL_RW, 30), PTAB_OK);
    assert_int_equal(mem.used, 5);
    assert_int_equal(lookup(va + 3 * PAGE, NULL), 3 * PAGE);
}

/* ---- EPT: present is any of R/W/X, and bit 2 (X) is not U/S ---- */

static void ept_mode(void **state)
{
    (void)state;
    uint64_t flags;
    const uint64_t ram = EPT_RWX | EPT_MT_WB;
    assert_int_equal(ptab_map(&ops, root, 0, 0x100000000ull, 4 * MIB, ram, 21), PTAB_OK);
    assert_int_equal(ptab_map(&ops, root, 0xfee00000, 0xfee00000, PAGE, EPT_R, 21), PTAB_OK);
    assert_int_equal(ptab_map(&ops, root, 0xfee01000, 0xfee01000, PAGE, EPT_X, 21), PTAB_OK);
    assert_int_equal(lookup(3 * MIB + 7, &flags), 0x100000000ull + 3 * MIB + 7);
    assert_int_equal(flags, ram | PTE_PS);
    assert_int_equal(lookup(0xfee00004, &flags), 0xfee00004);
    assert_int_equal(flags, EPT_R);
    assert_int_equal(lookup(0xfee01000, &flags), 0xfee01000);
    assert_int_equal(flags, EPT_X);
    assert_int_equal(entry_at(0, 4) & ~PTE_ADDR_MASK, EPT_RWX);
    assert_int_equal(ptab_map(&ops, root, MIB, 0, PAGE, EPT_R, 12), PTAB_EXISTS);
    assert_int_equal(ptab_map(&ops, root, 0x1000, 0, PAGE, EPT_MT_WB, 12), PTAB_INVAL);
    assert_int_equal(ptab_unmap(&ops, root, 0, 4 * MIB), PTAB_OK);
    assert_int_equal(lookup(0, NULL), NOT_MAPPED);
}

static void ept_adds_nothing_to_tables(void **state)
{
    (void)state;
    ops.table_flags = EPT_R | EPT_W;    /* leaf X (bit 2, U/S in paging) must not leak up */
    assert_int_equal(ptab_map(&ops, root, 0, 0, PAGE, EPT_RWX, 30), PTAB_OK);
    for (unsigned lvl = 4; lvl >= 2; lvl--)
        assert_int_equal(entry_at(0, lvl) & ~PTE_ADDR_MASK, EPT_R | EPT_W);
}

#define HOST(f) cmocka_unit_test_setup(f, host_setup)
#define EPT(f) cmocka_unit_test_setup(f, ept_setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        HOST(map_4k),
        HOST(map_2m),
        HOST(map_1g),
        HOST(max_shift_caps_page_size),
        HOST(alignment_picks_page_size),
        HOST(mixed_range),
        HOST(upper_half_and_top_of_space),
        HOST(leaf_flags_preserved),
        HOST(intermediate_flags),
        HOST(exists_small),
        HOST(exists_large),
        HOST(invalid_map_arguments),
        HOST(unmap_then_lookup),
        HOST(unmap_large_pages),
        HOST(remap_reuses_empty_tables),
        HOST(nomem_undoes_the_call),
        EPT(ept_mode),
        EPT(ept_adds_nothing_to_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
