/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the slab object caches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kmem.h"
#include "slab.h"

#define PG 4096u
#define MANY 20000u

/* kmem for the host: counts live pages; the allocation numbered fail_at returns NULL. */
static long live_pages;
static long allocs;
static long fail_at = -1;

void *kmem_page_alloc(void)
{
    if (allocs++ == fail_at)
        return NULL;
    void *p = aligned_alloc(PG, PG);
    assert_non_null(p);
    memset(p, 0, PG);
    live_pages++;
    return p;
}

void kmem_page_free(void *page)
{
    assert_non_null(page);
    assert_int_equal((uintptr_t)page % PG, 0);
    memset(page, 0xa5, PG);
    live_pages--;
    free(page);
}

static int reset(void **state)
{
    (void)state;
    live_pages = 0;
    allocs = 0;
    fail_at = -1;
    return 0;
}

static uint32_t per_page(size_t size)
{
    return (PG - SLAB_HEADER_SIZE) / (uint32_t)((size + 15) / 16 * 16);
}

static void slab0001_size_rounding(void **state)
{
    (void)state;
    struct slab_cache c;
    slab_init(&c, 1);
    assert_int_equal(c.size, 16);
    slab_init(&c, 24);
    assert_int_equal(c.size, 32);
    slab_init(&c, SLAB_MAX_SIZE);
    assert_int_equal(c.size, SLAB_MAX_SIZE);
    assert_int_equal(c.per_page, 2);
    assert_int_equal(SLAB_MAX_SIZE % 16, 0);
}

static void slab0002_alloc_zeroed_aligned_in_page(void **state)
{
    (void)state;
    struct slab_cache c;
    slab_init(&c, 40);
    uint8_t *a = slab_alloc(&c), *b = slab_alloc(&c);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_int_equal((uintptr_t)a % 16, 0);
    assert_int_equal((uintptr_t)a / PG, (uintptr_t)b / PG);
    assert_true((uintptr_t)a % PG >= SLAB_HEADER_SIZE);
    assert_int_equal(live_pages, 1);
    memset(a, 0xff, 40);
    slab_free(&c, a);
    uint8_t *again = slab_alloc(&c);
    assert_ptr_equal(again, a);     /* the free list is LIFO */
    for (int i = 0; i < 48; i++)
        assert_int_equal(again[i], 0);
    slab_free(&c, again);
    slab_free(&c, b);
    assert_int_equal(live_pages, 0);
}

static void slab0003_page_boundaries(void **state)
{
    (void)state;
    struct slab_cache c;
    slab_init(&c, 200);
    uint32_t n = per_page(200);
    void *objs[64];
    for (uint32_t i = 0; i < n; i++)
        objs[i] = slab_alloc(&c);
    assert_int_equal(live_pages, 1);
    for (uint32_t i = 0; i < n; i++)
        assert_true((uintptr_t)objs[i] % PG + 200 <= PG);
    objs[n] = slab_alloc(&c);     /* the first page is full */
    assert_int_equal(live_pages, 2);
    assert_int_not_equal((uintptr_t)objs[n] / PG, (uintptr_t)objs[0] / PG);
    slab_free(&c, objs[3]);         /* a full page becomes partial again */
    assert_ptr_equal(slab_alloc(&c), objs[3]);
    assert_int_equal(live_pages, 2);
    slab_free(&c, objs[n]);
    assert_int_equal(live_pages, 1);
    for (uint32_t i = 0; i < n; i++)
        slab_free(&c, objs[i]);
    assert_int_equal(live_pages, 0);
    assert_null(c.partial);
}

/* Frees in an order given by `stride` (coprime to the count) and checks the baseline. */
static void churn(size_t size, unsigned stride)
{
    struct slab_cache c;
    void **objs = calloc(MANY, sizeof(*objs));
    slab_init(&c, size);
    for (unsigned i = 0; i < MANY; i++) {
        objs[i] = slab_alloc(&c);
        assert_non_null(objs[i]);
        memset(objs[i], (int)(i & 0xff), size);
    }
    long pages = (MANY + per_page(size) - 1) / per_page(size);
    assert_int_equal(live_pages, pages);
    for (unsigned i = 0; i < MANY; i++) {
        uint8_t *o = objs[(size_t)i * stride % MANY];
        assert_int_equal(o[size - 1], (uint8_t)((size_t)i * stride % MANY));
        slab_free(&c, o);
    }
    assert_int_equal(live_pages, 0);
    assert_null(c.partial);
    free(objs);
}

static void slab0004_many_objects_any_free_order(void **state)
{
    (void)state;
    churn(16, 1);
    churn(48, 7919);
    churn(SLAB_MAX_SIZE, 3);
}

static void slab0005_interleaved_caches(void **state)
{
    (void)state;
    struct slab_cache a, b;
    void *pa[300], *pb[300];
    slab_init(&a, 64);
    slab_init(&b, 512);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 300; i++) {
            pa[i] = slab_alloc(&a);
            pb[i] = slab_alloc(&b);
        }
        for (int i = 0; i < 300; i += 2)
            slab_free(&a, pa[i]);
        for (int i = 299; i >= 0; i--)
            slab_free(&b, pb[i]);
        for (int i = 1; i < 300; i += 2)
            slab_free(&a, pa[i]);
        assert_int_equal(live_pages, 0);
    }
}

static void slab0006_no_mem(void **state)
{
    (void)state;
    struct slab_cache c;
    slab_init(&c, 1024);
    void *objs[3];
    for (int i = 0; i < 3; i++)
        objs[i] = slab_alloc(&c);
    fail_at = allocs;               /* the page for the fourth object */
    assert_null(slab_alloc(&c));
    assert_int_equal(live_pages, 1);
    void *d = slab_alloc(&c);       /* the failure left the cache usable */
    assert_non_null(d);
    assert_int_equal(live_pages, 2);
    slab_free(&c, d);
    for (int i = 0; i < 3; i++)
        slab_free(&c, objs[i]);
    assert_int_equal(live_pages, 0);
}

static void slab0007_random_pattern(void **state)
{
    (void)state;
    enum { SLOTS = 4096, OPS = 200000 };
    struct slab_cache c;
    uint32_t **objs = calloc(SLOTS, sizeof(*objs));
    uint32_t seed = 12345, live = 0;
    slab_init(&c, 100);
    for (int op = 0; op < OPS; op++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t i = (seed >> 8) % SLOTS;
        if (objs[i]) {
            assert_int_equal(objs[i][0], i);
            assert_int_equal(objs[i][24], ~i);
            slab_free(&c, objs[i]);
            objs[i] = NULL;
            live--;
        } else {
            objs[i] = slab_alloc(&c);
            assert_int_equal(objs[i][0], 0);
            assert_int_equal(objs[i][24], 0);
            objs[i][0] = i;
            objs[i][24] = ~i;
            live++;
        }
        assert_true(live_pages * per_page(100) >= live);
    }
    for (uint32_t i = 0; i < SLOTS; i++)
        if (objs[i])
            slab_free(&c, objs[i]);
    assert_int_equal(live_pages, 0);
    free(objs);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(slab0001_size_rounding),
        T(slab0002_alloc_zeroed_aligned_in_page),
        T(slab0003_page_boundaries),
        T(slab0004_many_objects_any_free_order),
        T(slab0005_interleaved_caches),
        T(slab0006_no_mem),
        T(slab0007_random_pattern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
