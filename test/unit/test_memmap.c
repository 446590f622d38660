/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the free physical memory computation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "memmap.h"

#define PG 0x1000ull
#define AV MB2_MEM_AVAILABLE
#define RS MB2_MEM_RESERVED
#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))
#define MAX_OUT 64

static struct mem_range out[MAX_OUT];

static void expect_ranges(const struct mb2_mmap_entry *map, unsigned count,
                          const struct mem_range *res, unsigned nres,
                          const struct mem_range *want, unsigned nwant)
{
    int n;

    memset(out, 0xee, sizeof(out));
    n = memmap_free_ranges(map, count, res, nres, out, MAX_OUT);
    if (n != (int)nwant) {
        for (int i = 0; i < n; i++)
            print_message("  got [%#llx, %#llx)\n", (unsigned long long)out[i].start,
                          (unsigned long long)out[i].end);
        fail_msg("got %d ranges, want %u", n, nwant);
    }
    for (unsigned i = 0; i < nwant; i++) {
        if (out[i].start != want[i].start || out[i].end != want[i].end)
            fail_msg("range %u is [%#llx, %#llx), want [%#llx, %#llx)", i,
                     (unsigned long long)out[i].start, (unsigned long long)out[i].end,
                     (unsigned long long)want[i].start, (unsigned long long)want[i].end);
    }
}

/* MEMMAP0001 one aligned available entry comes back unchanged */
static void test_single(void **unused)
{
    static const struct mb2_mmap_entry map[] = { { 0x100000, 0x400000, AV } };
    static const struct mem_range want[] = { { 0x100000, 0x500000 } };

    (void)unused;
    expect_ranges(map, N(map), NULL, 0, want, N(want));
}

/* MEMMAP0002 unaligned edges are clipped inward; a sub-page entry vanishes */
static void test_unaligned_edges(void **unused)
{
    static const struct mb2_mmap_entry map[] = {
        { 0x100001, 0x3ffffe, AV },
        { 0x800800, 0x400, AV },                /* no whole page */
        { 0x900800, 0x1000, AV },               /* straddles a page boundary */
        { 0xa00000, 0, AV },                    /* zero length */
    };
    static const struct mem_range want[] = { { 0x101000, 0x4ff000 } };

    (void)unused;
    expect_ranges(map, N(map), NULL, 0, want, N(want));
}

/* MEMMAP0003 reserved ranges in the middle and at both edges, rounded outward */
static void test_reserved_holes(void **unused)
{
    static const struct mb2_mmap_entry map[] = { { 0x100000, 0x100000, AV } };
    static const struct mem_range res[] = {
        { 0x150800, 0x152001 },                 /* middle, unaligned both ends */
        { 0xf0000, 0x101000 },                  /* overlaps the bottom edge */
        { 0x1ff000, 0x300000 },                 /* overlaps the top edge */
        { 0x180000, 0x180000 },                 /* empty: splits nothing */
    };
    static const struct mem_range want[] = {
        { 0x101000, 0x150000 },
        { 0x153000, 0x1ff000 },
    };

    (void)unused;
    expect_ranges(map, N(map), res, N(res), want, N(want));
}

/* MEMMAP0004 reserved ranges that exactly touch the edges leave the inside whole */
static void test_reserved_touching(void **unused)
{
    static const struct mb2_mmap_entry map[] = { { 0x200000, 0x10000, AV } };
    static const struct mem_range res[] = { { 0x100000, 0x200000 }, { 0x210000, 0x220000 } };
    static const struct mem_range want[] = { { 0x200000, 0x210000 } };

    (void)unused;
    expect_ranges(map, N(map), res, N(res), want, N(want));
}

/* MEMMAP0005 unsorted, overlapping and adjacent entries come out sorted and merged */
static void test_unsorted_overlapping(void **unused)
{
    static const struct mb2_mmap_entry map[] = {
        { 0x900000, 0x100000, AV },
        { 0x100000, 0x200000, AV },
        { 0x180000, 0x300000, AV },             /* overlaps the previous one */
        { 0x480000, 0x80000, AV },              /* adjacent to it */
        { 0xa00000, 0x1800, AV },               /* adjacent to the first... */
        { 0x901800, 0x800, AV },                /* ...and contained in it */
        { 0x5000, 0x1000, AV },
    };
    static const struct mem_range want[] = {
        { 0x5000, 0x6000 },
        { 0x100000, 0x500000 },
        { 0x900000, 0xa01000 },
    };

    (void)unused;
    expect_ranges(map, N(map), NULL, 0, want, N(want));
}

/* MEMMAP0006 a page split between two available entries is whole */
static void test_unaligned_seam(void **unused)
{
    static const struct mb2_mmap_entry map[] = {
        { 0x1800, 0x2800, AV },
        { 0x1000, 0x800, AV },
    };
    static const struct mem_range want[] = { { 0x1000, 0x4000 } };

    (void)unused;
    expect_ranges(map, N(map), NULL, 0, want, N(want));
}

/* MEMMAP0007 any non-available entry type withholds what it overlaps, in any order */
static void test_nonavailable_types(void **unused)
{
    static const uint32_t types[] = { MB2_MEM_RESERVED, MB2_MEM_ACPI, MB2_MEM_NVS,
                                      MB2_MEM_BAD, 0, 7, 0xffffffffu };
    static const struct mem_range want[] = {
        { 0x100000, 0x200000 },
        { 0x201000, 0x400000 },
    };

    (void)unused;
    for (unsigned t = 0; t < N(types); t++) {
        struct mb2_mmap_entry before[] = {
            { 0x2007ff, 0x2, types[t] },
            { 0x100000, 0x300000, AV },
        };
        struct mb2_mmap_entry after[] = { before[1], before[0] };

        expect_ranges(before, N(before), NULL, 0, want, N(want));
        expect_ranges(after, N(after), NULL, 0, want, N(want));
    }
}

/* MEMMAP0008 firmware marks part of RAM reserved inside a larger available entry */
static void test_qemu_like(void **unused)
{
    static const struct mb2_mmap_entry map[] = {
        { 0x0, 0x9fc00, AV },
        { 0x9fc00, 0x400, RS },
        { 0xf0000, 0x10000, RS },
        { 0x100000, 0x7ee0000, AV },
        { 0x7fe0000, 0x20000, MB2_MEM_ACPI },
        { 0xfeffc000, 0x4000, RS },
        { 0xfffc0000, 0x40000, RS },
        { 0x100000000ull, 0x180000000ull, AV },
        { 0x1fff00000ull, 0x1000, MB2_MEM_BAD },
    };
    static const struct mem_range res[] = {
        { 0x0, 0x1000 },                        /* real-mode IVT, kept away */
        { 0x100000, 0x1a3456 },                 /* hypervisor image */
        { 0x10000, 0x10de8 },                   /* multiboot2 info */
        { 0x200000, 0x2123ab },                 /* a module */
    };
    static const struct mem_range want[] = {
        { 0x1000, 0x10000 },
        { 0x11000, 0x9f000 },
        { 0x1a4000, 0x200000 },
        { 0x213000, 0x7fe0000 },
        { 0x100000000ull, 0x1fff00000ull },
        { 0x1fff01000ull, 0x280000000ull },
    };

    (void)unused;
    expect_ranges(map, N(map), res, N(res), want, N(want));
}

/* MEMMAP0009 nothing free: no entries, only reserved entries, or all reserved */
static void test_empty_result(void **unused)
{
    static const struct mb2_mmap_entry av[] = { { 0x100000, 0x100000, AV } };
    static const struct mb2_mmap_entry rs[] = { { 0x100000, 0x100000, RS } };
    static const struct mem_range all[] = { { 0, UINT64_MAX } };

    (void)unused;
    assert_int_equal(memmap_free_ranges(NULL, 0, NULL, 0, out, MAX_OUT), 0);
    assert_int_equal(memmap_free_ranges(NULL, 0, NULL, 0, NULL, 0), 0);
    assert_int_equal(memmap_free_ranges(rs, 1, NULL, 0, out, MAX_OUT), 0);
    assert_int_equal(memmap_free_ranges(av, 1, all, 1, out, MAX_OUT), 0);
    assert_int_equal(memmap_free_ranges(av, 1, all, 1, NULL, 0), 0);
}

/* MEMMAP0010 -1 when out[] is too small, also for a count of 0 */
static void test_overflow(void **unused)
{
    static const struct mb2_mmap_entry map[] = {
        { 0x1000, 0x1000, AV }, { 0x3000, 0x1000, AV }, { 0x5000, 0x1000, AV },
    };
    struct mem_range small[3];

    (void)unused;
    assert_int_equal(memmap_free_ranges(map, 3, NULL, 0, small, 0), -1);
    assert_int_equal(memmap_free_ranges(map, 3, NULL, 0, small, 2), -1);
    assert_int_equal(memmap_free_ranges(map, 3, NULL, 0, small, 3), 3);
    assert_int_equal(small[2].start, 0x5000);
}

/* MEMMAP0011 out[] only has to hold the final result, not intermediate pieces */
static void test_no_spurious_overflow(void **unused)
{
    static const struct mb2_mmap_entry map[] = {
        { 0x1000, 0x1000, AV }, { 0x3000, 0x1000, AV }, { 0x5000, 0x1000, AV },
        { 0x2000, 0x1000, AV }, { 0x4000, 0x1000, AV },
    };
    static const struct mem_range res[] = { { 0x10000, 0x20000 } };
    struct mem_range one[1];

    (void)unused;
    assert_int_equal(memmap_free_ranges(map, N(map), res, N(res), one, 1), 1);
    assert_int_equal(one[0].start, 0x1000);
    assert_int_equal(one[0].end, 0x6000);
}

/* MEMMAP0012 wrapping entries: available ones ignored, the others clamped to the top */
static void test_wrap_at_top(void **unused)
{
    static const struct mb2_mmap_entry wrap_av[] = {
        { 0x100000, 0x100000, AV },
        { 0xfffffffffff00000ull, 0x200000, AV },
        { 0x1000, UINT64_MAX, AV },
    };
    static const struct mem_range want_low[] = { { 0x100000, 0x200000 } };
    static const struct mb2_mmap_entry wrap_rs[] = {
        { 0x100000, 0x100000, AV },
        { 0xfffffffff0000000ull, 0xfff0000, AV },
        { 0x1ff000, UINT64_MAX, RS },           /* wraps: withholds everything above */
    };
    static const struct mem_range want_rs[] = { { 0x100000, 0x1ff000 } };
    static const struct mb2_mmap_entry top[] = { { 0xffffffffffffc000ull, 0x3fff, AV } };
    static const struct mem_range want_top[] = {
        { 0xffffffffffffc000ull, 0xfffffffffffff000ull },
    };
    static const struct mb2_mmap_entry exact[] = { { 0xffffffffffffc000ull, 0x4000, AV } };
    static const struct mb2_mmap_entry top_partial[] = {
        { 0xfffffffffffff800ull, 0x7ff, AV },   /* aligning its start up would wrap */
    };

    (void)unused;
    expect_ranges(wrap_av, N(wrap_av), NULL, 0, want_low, N(want_low));
    expect_ranges(wrap_rs, N(wrap_rs), NULL, 0, want_rs, N(want_rs));
    expect_ranges(top, N(top), NULL, 0, want_top, N(want_top));
    /* Ends at 2^64, which out[] cannot express: treated as wrapping. */
    expect_ranges(exact, N(exact), NULL, 0, NULL, 0);
    expect_ranges(top_partial, N(top_partial), NULL, 0, NULL, 0);
}

/* MEMMAP0013 a reserved range with end < start withholds everything above start */
static void test_inverted_reserved(void **unused)
{
    static const struct mb2_mmap_entry map[] = { { 0x100000, 0x100000, AV } };
    static const struct mem_range res[] = { { 0x180000, 0x1000 } };
    static const struct mem_range want[] = { { 0x100000, 0x180000 } };

    (void)unused;
    expect_ranges(map, N(map), res, N(res), want, N(want));
}

/* Deterministic xorshift32: the comparison run is reproducible. */
static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

#define MODEL_PAGES 64
#define MODEL_CELL 16                           /* every random boundary is a multiple */
#define MODEL_CELLS (MODEL_PAGES * PG / MODEL_CELL)

static void model_mark(uint8_t *cells, uint64_t start, uint64_t end, uint8_t bit)
{
    for (uint64_t c = start / MODEL_CELL; c < end / MODEL_CELL && c < MODEL_CELLS; c++)
        cells[c] |= bit;
}

/* Page by page: free iff every byte is available and none is withheld. */
static unsigned model_ranges(const uint8_t *cells, struct mem_range *want)
{
    unsigned n = 0;

    for (uint64_t p = 0; p < MODEL_PAGES; p++) {
        bool page_free = true;

        for (uint64_t c = p * PG / MODEL_CELL; c < (p + 1) * PG / MODEL_CELL; c++)
            page_free &= cells[c] == 1;
        if (!page_free)
            continue;
        if (n && want[n - 1].end == p * PG)
            want[n - 1].end += PG;
        else
            want[n++] = (struct mem_range){ p * PG, (p + 1) * PG };
    }
    return n;
}

static uint64_t random_bound(uint32_t *seed)
{
    uint32_t r = rng_next(seed);

    /* Half on page boundaries, so whole pages and exact seams are common. */
    if (r & 1)
        return (r >> 1) % (MODEL_PAGES + 1) * PG;
    return (r >> 1) % (MODEL_CELLS + 1) * MODEL_CELL;
}

/* MEMMAP0014 random maps agree with a byte-level model */
static void test_random_vs_model(void **unused)
{
    static uint8_t cells[MODEL_CELLS];
    struct mb2_mmap_entry map[12];
    struct mem_range res[4], want[MODEL_PAGES];
    uint32_t seed = 0x1234567;

    (void)unused;
    for (unsigned trial = 0; trial < 3000; trial++) {
        unsigned count = rng_next(&seed) % N(map), nres = rng_next(&seed) % N(res);

        memset(cells, 0, sizeof(cells));
        for (unsigned i = 0; i < count; i++) {
            uint64_t a = random_bound(&seed), b = random_bound(&seed);
            uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
            uint32_t type = rng_next(&seed) % 3 ? AV : 1 + rng_next(&seed) % 6;

            map[i] = (struct mb2_mmap_entry){ lo, hi - lo, type };
            model_mark(cells, lo, hi, type == AV ? 1 : 2);
        }
        for (unsigned i = 0; i < nres; i++) {
            uint64_t a = random_bound(&seed), b = random_bound(&seed);

            res[i] = (struct mem_range){ a < b ? a : b, a < b ? b : a };
            model_mark(cells, res[i].start, res[i].end, 2);
        }
        unsigned nwant = model_ranges(cells, want);
        expect_ranges(map, count, res, nres, want, nwant);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single),
        cmocka_unit_test(test_unaligned_edges),
        cmocka_unit_test(test_reserved_holes),
        cmocka_unit_test(test_reserved_touching),
        cmocka_unit_test(test_unsorted_overlapping),
        cmocka_unit_test(test_unaligned_seam),
        cmocka_unit_test(test_nonavailable_types),
        cmocka_unit_test(test_qemu_like),
        cmocka_unit_test(test_empty_result),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_no_spurious_overflow),
        cmocka_unit_test(test_wrap_at_top),
        cmocka_unit_test(test_inverted_reserved),
        cmocka_unit_test(test_random_vs_model),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
