/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the buddy frame allocator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "buddy.h"

#define PG 4096ull
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MAX_BLOCK_PAGES (1ull << BUDDY_MAX_ORDER)

/*
 * "Physical memory" [base, base + frames * PG) backed by a lazily committed host
 * mapping, so a fake base can be placed on any alignment, and gigabyte-sized ranges
 * cost only the pages the allocator actually touches.
 */
struct arena {
    struct buddy b;
    uint64_t base;
    uint64_t frames;
    uint8_t *mem;
    uint8_t *state;
};

static struct arena *arena_new(uint64_t base, uint64_t frames)
{
    struct arena *a = calloc(1, sizeof(*a));

    assert_non_null(a);
    a->base = base;
    a->frames = frames;
    a->mem = mmap(NULL, frames * PG, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    assert_true(a->mem != MAP_FAILED);
    assert_int_equal(buddy_state_bytes(base, base + frames * PG), frames);
    a->state = malloc(frames);
    assert_non_null(a->state);
    buddy_init(&a->b, base, base + frames * PG, (uintptr_t)a->mem - base, a->state);
    return a;
}

static void arena_free(struct arena *a)
{
    munmap(a->mem, a->frames * PG);
    free(a->state);
    free(a);
}

static void *host(struct arena *a, uint64_t pa)
{
    return a->mem + (pa - a->base);
}

static void assert_block_ok(struct arena *a, uint64_t pa, unsigned order)
{
    assert_true(pa != 0);
    assert_int_equal(pa % (PG << order), 0);
    assert_true(pa >= a->base);
    assert_true(pa + (PG << order) <= a->base + a->frames * PG);
}

/* Allocates blocks of `order` until none is left; returns how many. */
static unsigned drain(struct arena *a, unsigned order, uint64_t *out, unsigned max)
{
    unsigned n = 0;
    uint64_t pa;

    while ((pa = buddy_alloc(&a->b, order)) != 0) {
        assert_true(n < max);
        assert_block_ok(a, pa, order);
        out[n++] = pa;
    }
    return n;
}

/*
 * Takes every free block largest first, counts them per order and gives them back:
 * equal fingerprints before and after a workload mean the free space coalesced back.
 */
static void fingerprint(struct arena *a, unsigned counts[BUDDY_ORDERS])
{
    static struct { uint64_t pa; unsigned order; } taken[1 << 16];
    unsigned n = 0;
    uint64_t free_before = buddy_free_pages(&a->b);

    for (unsigned order = BUDDY_ORDERS; order-- > 0;) {
        uint64_t pa;

        counts[order] = 0;
        while ((pa = buddy_alloc(&a->b, order)) != 0) {
            assert_true(n < sizeof(taken) / sizeof(taken[0]));
            taken[n].pa = pa;
            taken[n++].order = order;
            counts[order]++;
        }
    }
    while (n--)
        assert_true(buddy_free(&a->b, taken[n].pa, taken[n].order));
    assert_int_equal(buddy_free_pages(&a->b), free_before);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

    return a < b ? -1 : a > b;
}

/* BUDDY0001 state size: whole pages inside [base, limit) */
static void test_state_bytes(void **unused)
{
    (void)unused;
    assert_int_equal(buddy_state_bytes(0x1000, 0x5000), 4);
    assert_int_equal(buddy_state_bytes(0x1800, 0x5800), 3);
    assert_int_equal(buddy_state_bytes(0x5000, 0x5000), 0);
    assert_int_equal(buddy_state_bytes(0x6000, 0x5000), 0);
    assert_int_equal(buddy_state_bytes(0, 4 * GiB), 1 << 20);
    assert_int_equal(buddy_state_bytes(UINT64_MAX - 100, UINT64_MAX), 0);
    assert_int_equal(buddy_state_bytes(UINT64_MAX - 2 * PG, UINT64_MAX), 1);
}

/* BUDDY0002 after init everything is allocated: nothing to hand out or free */
static void test_init_empty(void **unused)
{
    struct arena *a = arena_new(16 * MiB, 64);

    (void)unused;
    assert_int_equal(buddy_free_pages(&a->b), 0);
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++)
        assert_int_equal(buddy_alloc(&a->b, order), 0);
    /* Frames that were never added are foreign, even though state covers them. */
    assert_false(buddy_free(&a->b, 16 * MiB, 0));
    assert_false(buddy_free(&a->b, 16 * MiB + PG, 0));
    assert_int_equal(buddy_free_pages(&a->b), 0);
    arena_free(a);
}

/* BUDDY0003 every order: aligned, inside, distinct; freeing restores the baseline */
static void test_all_orders(void **unused)
{
    uint64_t frames = 2 * MAX_BLOCK_PAGES;
    struct arena *a = arena_new(GiB, frames);
    uint64_t got[BUDDY_ORDERS];

    (void)unused;
    buddy_add_range(&a->b, a->base, a->base + frames * PG);
    assert_int_equal(buddy_free_pages(&a->b), frames);
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++) {
        got[order] = buddy_alloc(&a->b, order);
        assert_block_ok(a, got[order], order);
        memset(host(a, got[order]), 0xa5, PG);  /* allocator keeps nothing in live blocks */
    }
    assert_int_equal(buddy_free_pages(&a->b), frames - (2 * MAX_BLOCK_PAGES - 1));
    for (unsigned i = 0; i <= BUDDY_MAX_ORDER; i++)
        for (unsigned j = i + 1; j <= BUDDY_MAX_ORDER; j++)
            assert_true(got[i] + (PG << i) <= got[j] || got[j] + (PG << j) <= got[i]);
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++)
        assert_true(buddy_free(&a->b, got[order], order));
    assert_int_equal(buddy_free_pages(&a->b), frames);
    /* Fully coalesced: both 1 GiB blocks are whole again. */
    assert_true(buddy_alloc(&a->b, BUDDY_MAX_ORDER) != 0);
    assert_true(buddy_alloc(&a->b, BUDDY_MAX_ORDER) != 0);
    assert_int_equal(buddy_alloc(&a->b, 0), 0);
    arena_free(a);
}

/* BUDDY0004 orders above the maximum are refused by alloc and free */
static void test_order_too_big(void **unused)
{
    struct arena *a = arena_new(GiB, MAX_BLOCK_PAGES);

    (void)unused;
    buddy_add_range(&a->b, a->base, a->base + MAX_BLOCK_PAGES * PG);
    assert_int_equal(buddy_alloc(&a->b, BUDDY_MAX_ORDER + 1), 0);
    assert_int_equal(buddy_alloc(&a->b, 64), 0);
    assert_int_equal(buddy_alloc(&a->b, ~0u), 0);
    assert_int_equal(buddy_free_pages(&a->b), MAX_BLOCK_PAGES);
    uint64_t pa = buddy_alloc(&a->b, BUDDY_MAX_ORDER);
    assert_int_equal(pa, GiB);
    assert_false(buddy_free(&a->b, pa, BUDDY_MAX_ORDER + 1));
    assert_false(buddy_free(&a->b, pa, ~0u));
    assert_true(buddy_free(&a->b, pa, BUDDY_MAX_ORDER));
    arena_free(a);
}

/* BUDDY0005 exhaustion by single pages, then full recovery and coalescing */
static void test_exhaust_and_recover(void **unused)
{
    enum { FRAMES = 1024 };
    struct arena *a = arena_new(32 * MiB, FRAMES);
    static uint64_t pages[FRAMES];
    unsigned n;

    (void)unused;
    buddy_add_range(&a->b, a->base, a->base + FRAMES * PG);
    n = drain(a, 0, pages, FRAMES);
    assert_int_equal(n, FRAMES);
    assert_int_equal(buddy_free_pages(&a->b), 0);
    qsort(pages, n, sizeof(pages[0]), cmp_u64);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(pages[i], a->base + i * PG);
    /* Free in an interleaved order so merges happen at every level. */
    for (unsigned i = 0; i < n; i += 2)
        assert_true(buddy_free(&a->b, pages[i], 0));
    for (unsigned i = 1; i < n; i += 2)
        assert_true(buddy_free(&a->b, pages[i], 0));
    assert_int_equal(buddy_free_pages(&a->b), FRAMES);
    assert_int_equal(buddy_alloc(&a->b, 10), a->base);
    assert_int_equal(buddy_alloc(&a->b, 0), 0);
    arena_free(a);
}

/* BUDDY0006 exhaustion at every order gives back exactly the added pages */
static void test_exhaust_each_order(void **unused)
{
    enum { FRAMES = 4096 };
    struct arena *a = arena_new(64 * MiB, FRAMES);
    static uint64_t blocks[FRAMES];

    (void)unused;
    buddy_add_range(&a->b, a->base, a->base + FRAMES * PG);
    for (unsigned order = 0; order <= 12; order++) {
        unsigned n = drain(a, order, blocks, FRAMES);

        assert_int_equal(n, FRAMES >> order);
        assert_int_equal(buddy_free_pages(&a->b), 0);
        for (unsigned i = n; i-- > 0;)
            assert_true(buddy_free(&a->b, blocks[i], order));
        assert_int_equal(buddy_free_pages(&a->b), FRAMES);
    }
    arena_free(a);
}

/* BUDDY0007 a range not aligned to large blocks splits into maximal aligned ones */
static void test_unaligned_range_split(void **unused)
{
    struct arena *a = arena_new(0, 64);

    (void)unused;
    /* Frames 3..36 (plus partial pages at both ends): 3, 4-7, 8-15, 16-31, 32-35, 36. */
    buddy_add_range(&a->b, 3 * PG - 0x10, 37 * PG + 0x800);
    assert_int_equal(buddy_free_pages(&a->b), 34);
    assert_int_equal(buddy_alloc(&a->b, 5), 0);
    assert_int_equal(buddy_alloc(&a->b, 4), 16 * PG);
    assert_int_equal(buddy_alloc(&a->b, 3), 8 * PG);
    uint64_t q1 = buddy_alloc(&a->b, 2);
    uint64_t q2 = buddy_alloc(&a->b, 2);
    assert_true((q1 == 4 * PG && q2 == 32 * PG) || (q1 == 32 * PG && q2 == 4 * PG));
    assert_int_equal(buddy_alloc(&a->b, 2), 0);
    assert_int_equal(buddy_alloc(&a->b, 1), 0);
    uint64_t p1 = buddy_alloc(&a->b, 0);
    uint64_t p2 = buddy_alloc(&a->b, 0);
    assert_true((p1 == 3 * PG && p2 == 36 * PG) || (p1 == 36 * PG && p2 == 3 * PG));
    assert_int_equal(buddy_alloc(&a->b, 0), 0);
    arena_free(a);
}

/* BUDDY0008 alignment is relative to physical 0, not to base */
static void test_alignment_relative_to_zero(void **unused)
{
    uint64_t base = 3 * PG;
    struct arena *a = arena_new(base, 128);

    (void)unused;
    buddy_add_range(&a->b, base, base + 128 * PG);
    assert_int_equal(buddy_free_pages(&a->b), 128);
    for (unsigned order = 7; order-- > 0;) {
        uint64_t pa;

        while ((pa = buddy_alloc(&a->b, order)) != 0)
            assert_block_ok(a, pa, order);
    }
    assert_int_equal(buddy_free_pages(&a->b), 0);
    arena_free(a);
}

/* BUDDY0009 physical address 0 is never handed out */
static void test_never_zero(void **unused)
{
    enum { FRAMES = 64 };
    struct arena *a = arena_new(0, FRAMES);
    uint64_t pages[FRAMES];

    (void)unused;
    buddy_add_range(&a->b, 0, FRAMES * PG);
    assert_int_equal(buddy_free_pages(&a->b), FRAMES - 1);
    assert_int_equal(buddy_alloc(&a->b, 6), 0);
    assert_int_equal(drain(a, 0, pages, FRAMES), FRAMES - 1);
    assert_false(buddy_free(&a->b, 0, 0));
    for (unsigned i = 0; i < FRAMES - 1; i++)
        assert_true(buddy_free(&a->b, pages[i], 0));
    assert_int_equal(buddy_free_pages(&a->b), FRAMES - 1);
    assert_int_equal(buddy_alloc(&a->b, 5), 32 * PG);
    arena_free(a);
}

/* BUDDY0010 separately added neighbours coalesce, in either order */
static void test_add_coalesces(void **unused)
{
    struct arena *a = arena_new(128 * MiB, 16);
    uint64_t b0 = a->base;

    (void)unused;
    buddy_add_range(&a->b, b0 + 8 * PG, b0 + 16 * PG);
    buddy_add_range(&a->b, b0 + 3 * PG, b0 + 4 * PG);
    buddy_add_range(&a->b, b0, b0 + 3 * PG);
    buddy_add_range(&a->b, b0 + 4 * PG, b0 + 8 * PG);
    assert_int_equal(buddy_free_pages(&a->b), 16);
    assert_int_equal(buddy_alloc(&a->b, 4), b0);
    assert_true(buddy_free(&a->b, b0, 4));
    arena_free(a);
}

/* BUDDY0011 adding owned frames again (free or allocated) changes nothing */
static void test_add_twice(void **unused)
{
    enum { FRAMES = 64 };
    struct arena *a = arena_new(256 * MiB, FRAMES);
    uint64_t b0 = a->base, pages[FRAMES];

    (void)unused;
    buddy_add_range(&a->b, b0, b0 + 32 * PG);
    buddy_add_range(&a->b, b0, b0 + 32 * PG);
    assert_int_equal(buddy_free_pages(&a->b), 32);
    uint64_t big = buddy_alloc(&a->b, 3);
    uint64_t small = buddy_alloc(&a->b, 0);
    assert_int_equal(buddy_free_pages(&a->b), 32 - 9);
    /* Overlaps the allocated blocks, the free rest, and 32 new frames. */
    buddy_add_range(&a->b, b0 + PG, b0 + FRAMES * PG);
    assert_int_equal(buddy_free_pages(&a->b), FRAMES - 9);
    unsigned n = drain(a, 0, pages, FRAMES);
    assert_int_equal(n, FRAMES - 9);
    for (unsigned i = 0; i < n; i++) {
        assert_false(pages[i] >= big && pages[i] < big + 8 * PG);
        assert_false(pages[i] == small);
    }
    qsort(pages, n, sizeof(pages[0]), cmp_u64);
    for (unsigned i = 1; i < n; i++)
        assert_true(pages[i] > pages[i - 1]);
    for (unsigned i = 0; i < n; i++)
        assert_true(buddy_free(&a->b, pages[i], 0));
    assert_true(buddy_free(&a->b, big, 3));
    assert_true(buddy_free(&a->b, small, 0));
    assert_int_equal(buddy_free_pages(&a->b), FRAMES);
    assert_int_equal(buddy_alloc(&a->b, 6), b0);
    arena_free(a);
}

/* BUDDY0012 a block to add that contains an owned block is split around it */
static void test_add_around_owned(void **unused)
{
    enum { FRAMES = 16 };
    struct arena *a = arena_new(256 * MiB, FRAMES);
    uint64_t b0 = a->base, pages[FRAMES];

    (void)unused;
    buddy_add_range(&a->b, b0 + 4 * PG, b0 + 8 * PG);
    uint64_t owned = buddy_alloc(&a->b, 2);
    assert_int_equal(owned, b0 + 4 * PG);
    buddy_add_range(&a->b, b0 + 12 * PG, b0 + 13 * PG);
    /* From frame 0 an order-4 block would fit, but frames 4-7 and 12 are taken. */
    buddy_add_range(&a->b, b0, b0 + FRAMES * PG);
    assert_int_equal(buddy_free_pages(&a->b), FRAMES - 4);
    assert_int_equal(buddy_alloc(&a->b, 3), b0 + 8 * PG);
    assert_int_equal(buddy_alloc(&a->b, 3), 0);
    assert_int_equal(buddy_alloc(&a->b, 2), b0);
    assert_int_equal(drain(a, 0, pages, FRAMES), 0);
    assert_true(buddy_free(&a->b, owned, 2));
    assert_true(buddy_free(&a->b, b0, 2));
    assert_true(buddy_free(&a->b, b0 + 8 * PG, 3));
    assert_int_equal(buddy_alloc(&a->b, 4), b0);
    arena_free(a);
}

/* BUDDY0013 add_range is clipped to the covered frames; degenerate ranges are no-ops */
static void test_add_clipped(void **unused)
{
    struct arena *a = arena_new(512 * MiB, 32);
    uint64_t b0 = a->base;

    (void)unused;
    buddy_add_range(&a->b, b0 + 10 * PG, b0 + 10 * PG);
    buddy_add_range(&a->b, b0 + 10 * PG, b0 + 5 * PG);
    buddy_add_range(&a->b, b0 + 10 * PG + 1, b0 + 11 * PG + 5);
    buddy_add_range(&a->b, UINT64_MAX - 100, UINT64_MAX);
    buddy_add_range(&a->b, 0, b0);
    buddy_add_range(&a->b, b0 + 32 * PG, UINT64_MAX);
    assert_int_equal(buddy_free_pages(&a->b), 0);
    buddy_add_range(&a->b, 0, UINT64_MAX);
    assert_int_equal(buddy_free_pages(&a->b), 32);
    assert_int_equal(buddy_alloc(&a->b, 5), b0);
    assert_int_equal(buddy_alloc(&a->b, 0), 0);
    arena_free(a);
}

/* BUDDY0014 hostile frees are rejected and change nothing */
static void test_free_rejects(void **unused)
{
    enum { FRAMES = 64 };
    struct arena *a = arena_new(GiB, FRAMES);
    uint64_t b0 = a->base;

    (void)unused;
    buddy_add_range(&a->b, b0, b0 + 32 * PG);   /* frames 32..63 stay foreign */
    uint64_t p2 = buddy_alloc(&a->b, 2);
    uint64_t p0 = buddy_alloc(&a->b, 0);
    uint64_t before = buddy_free_pages(&a->b);

    assert_false(buddy_free(&a->b, p2 + 0x800, 2));          /* misaligned */
    assert_false(buddy_free(&a->b, p2 + 1, 0));
    assert_false(buddy_free(&a->b, p2 + PG, 1));              /* not aligned to order */
    assert_false(buddy_free(&a->b, p2 + PG, 0));              /* inside a live block */
    assert_false(buddy_free(&a->b, p2, 1));                   /* wrong order */
    assert_false(buddy_free(&a->b, p2, 3));
    assert_false(buddy_free(&a->b, p0, 1));
    assert_false(buddy_free(&a->b, b0 - PG, 0));              /* outside */
    assert_false(buddy_free(&a->b, b0 + FRAMES * PG, 0));
    assert_false(buddy_free(&a->b, 0, 0));
    assert_false(buddy_free(&a->b, UINT64_MAX & ~(PG - 1), 0));
    assert_false(buddy_free(&a->b, b0, 7));                   /* runs past the end */
    assert_false(buddy_free(&a->b, b0 + 40 * PG, 0));         /* covered, never added */
    assert_false(buddy_free(&a->b, b0 + 32 * PG, 5));
    assert_false(buddy_free(&a->b, b0 + 16 * PG, 3));         /* already free */
    assert_false(buddy_free(&a->b, b0 + 17 * PG, 0));
    assert_int_equal(buddy_free_pages(&a->b), before);

    assert_true(buddy_free(&a->b, p2, 2));
    assert_false(buddy_free(&a->b, p2, 2));                   /* double free */
    assert_false(buddy_free(&a->b, p2 + 2 * PG, 1));          /* part of a free block */
    assert_true(buddy_free(&a->b, p0, 0));
    assert_false(buddy_free(&a->b, p0, 0));
    assert_int_equal(buddy_free_pages(&a->b), 32);
    assert_int_equal(buddy_alloc(&a->b, 5), b0);
    assert_false(buddy_free(&a->b, b0, 4));                   /* half of a live block */
    assert_false(buddy_free(&a->b, b0 + 16 * PG, 4));
    assert_true(buddy_free(&a->b, b0, 5));
    assert_int_equal(buddy_free_pages(&a->b), 32);
    arena_free(a);
}

/* Deterministic xorshift64: the storm is reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct live {
    uint64_t pa;
    unsigned order;
};

/* BUDDY0015 randomized alloc/free storm over ranges with holes */
static void test_storm(void **unused)
{
    enum { FRAMES = 4096, OPS = 40000, MAX_LIVE = FRAMES };
    struct arena *a = arena_new(3 * GiB + 5 * PG, FRAMES);
    static struct live live[MAX_LIVE];
    static uint8_t owner[FRAMES];
    uint64_t seed = 0x5eed1234abcdull, baseline, live_pages = 0;
    unsigned shape_before[BUDDY_ORDERS], shape_after[BUDDY_ORDERS];
    unsigned nlive = 0;

    (void)unused;
    /* Three ranges with holes and unaligned edges. */
    buddy_add_range(&a->b, a->base + 7 * PG + 3, a->base + 1000 * PG);
    buddy_add_range(&a->b, a->base + 1100 * PG, a->base + 3001 * PG - 1);
    buddy_add_range(&a->b, a->base + 3500 * PG, a->base + FRAMES * PG);
    baseline = buddy_free_pages(&a->b);
    assert_int_equal(baseline, (1000 - 8) + (3000 - 1100) + (FRAMES - 3500));
    fingerprint(a, shape_before);

    for (unsigned op = 0; op < OPS; op++) {
        uint64_t r = rng_next(&seed);

        if (nlive == 0 || (r & 3) < 2) {
            unsigned order = (unsigned)(rng_next(&seed) % 7);
            uint64_t pa = buddy_alloc(&a->b, order);

            if (!pa)
                continue;
            assert_block_ok(a, pa, order);
            uint64_t first = (pa - a->base) / PG;
            for (uint64_t f = first; f < first + (1u << order); f++) {
                assert_int_equal(owner[f], 0);
                owner[f] = 1;
            }
            memset(host(a, pa), (int)op, PG << order);
            live[nlive++] = (struct live){ pa, order };
            live_pages += 1u << order;
        } else {
            unsigned i = (unsigned)(rng_next(&seed) % nlive);
            struct live blk = live[i];
            uint64_t first = (blk.pa - a->base) / PG;

            if (blk.order > 0)
                assert_false(buddy_free(&a->b, blk.pa, blk.order - 1));
            assert_true(buddy_free(&a->b, blk.pa, blk.order));
            assert_false(buddy_free(&a->b, blk.pa, blk.order));
            for (uint64_t f = first; f < first + (1u << blk.order); f++)
                owner[f] = 0;
            live[i] = live[--nlive];
            live_pages -= 1u << blk.order;
        }
        assert_int_equal(buddy_free_pages(&a->b), baseline - live_pages);
    }
    while (nlive) {
        nlive--;
        assert_true(buddy_free(&a->b, live[nlive].pa, live[nlive].order));
    }
    assert_int_equal(buddy_free_pages(&a->b), baseline);
    fingerprint(a, shape_after);
    assert_memory_equal(shape_before, shape_after, sizeof(shape_before));
    assert_true(shape_before[9] > 0);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_bytes),
        cmocka_unit_test(test_init_empty),
        cmocka_unit_test(test_all_orders),
        cmocka_unit_test(test_order_too_big),
        cmocka_unit_test(test_exhaust_and_recover),
        cmocka_unit_test(test_exhaust_each_order),
        cmocka_unit_test(test_unaligned_range_split),
        cmocka_unit_test(test_alignment_relative_to_zero),
        cmocka_unit_test(test_never_zero),
        cmocka_unit_test(test_add_coalesces),
        cmocka_unit_test(test_add_twice),
        cmocka_unit_test(test_add_around_owned),
        cmocka_unit_test(test_add_clipped),
        cmocka_unit_test(test_free_rejects),
        cmocka_unit_test(test_storm),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
