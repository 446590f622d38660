/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the resource mapping database (delegate, revoke, split, lookup). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vireo/status.h>
#include <vireo/crd.h>
#include "memdb.h"

#define SPACES 4
#define FAKE_MAX_PAGES (1ull << 17)    /* the fake hardware models this much of a space */
#define R VIREO_MEM_R
#define W VIREO_MEM_W
#define X VIREO_MEM_X
#define RW (VIREO_MEM_R | VIREO_MEM_W)
#define RWX VIREO_MEM_ALL
#define DEV VIREO_MEM_DEVICE
#define CHAIN_DEPTH 100000u
#define SMALL_STACK (256u << 10)  /* far below what recursing per chain level needs */
#define STORM_OPS 40000u
#define STORM_BITS 10u
#define STORM_FULL_CHECK_EVERY 64u
#define NO_PARENT (-1)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- fakes: node memory with a live count and injectable failure, page-array hardware ---- */

static long live_nodes;
static unsigned alloc_fail_in;      /* non-zero: the alloc_fail_in-th allocation from now fails */
static unsigned map_fail_in;        /* likewise for map() */

void *memdb_node_alloc(void)
{
    if (alloc_fail_in && --alloc_fail_in == 0)
        return NULL;
    live_nodes++;
    return malloc(sizeof(struct memdb_node));
}

void memdb_node_free(void *node)
{
    assert_non_null(node);
    live_nodes--;
    free(node);
}

/* What a page table would hold: per page the target and rights (0: not mapped). */
struct fake_hw {
    uint64_t pages;
    uint64_t *target;
    uint8_t *rights;
    unsigned maps, unmaps;
};

static int fake_map(void *ctx, uint64_t base, uint64_t target, unsigned order, unsigned rights)
{
    struct fake_hw *f = ctx;
    uint64_t n = 1ull << order;

    if (map_fail_in && --map_fail_in == 0)
        return VIREO_NO_MEM;
    assert_true(base % n == 0 && target % n == 0 && base + n <= f->pages);
    assert_true(rights != 0 && !(rights & ~(RWX | DEV)));
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(f->rights[base + i], 0);      /* never mapped twice */
        f->target[base + i] = target + i;
        f->rights[base + i] = (uint8_t)rights;
    }
    f->maps++;
    return VIREO_SUCCESS;
}

static void fake_unmap(void *ctx, uint64_t base, unsigned order)
{
    struct fake_hw *f = ctx;
    uint64_t n = 1ull << order;

    assert_true(base % n == 0 && base + n <= f->pages);
    for (uint64_t i = 0; i < n; i++) {
        assert_int_not_equal(f->rights[base + i], 0);  /* only what is mapped */
        f->rights[base + i] = 0;
    }
    f->unmaps++;
}

static const struct resspace_ops fake_ops = { .map = fake_map, .unmap = fake_unmap };
static struct resspace sp[SPACES];
static struct fake_hw hw[SPACES];
static unsigned nspaces;

static void spaces_init(unsigned n, unsigned bits)
{
    nspaces = n;
    live_nodes = 0;
    alloc_fail_in = map_fail_in = 0;
    for (unsigned i = 0; i < n; i++) {
        hw[i] = (struct fake_hw){ .pages = bits < 17 ? 1ull << bits : FAKE_MAX_PAGES };
        hw[i].target = calloc(hw[i].pages, sizeof(uint64_t));
        hw[i].rights = calloc(hw[i].pages, 1);
        assert_true(hw[i].target && hw[i].rights);
        resspace_init(&sp[i], &fake_ops, &hw[i], bits);
    }
}

/* Destroys every space: afterwards no node may be live and no page mapped. */
static void spaces_fini(void)
{
    for (unsigned i = 0; i < nspaces; i++)
        resspace_destroy(&sp[i]);
    assert_int_equal(live_nodes, 0);
    for (unsigned i = 0; i < nspaces; i++) {
        assert_null(sp[i].root);
        for (uint64_t p = 0; p < hw[i].pages; p++)
            assert_int_equal(hw[i].rights[p], 0);
        free(hw[i].target);
        free(hw[i].rights);
    }
}

/* ---- checkers ---- */

static void expect_page(unsigned s, uint64_t page, uint64_t target, unsigned rights)
{
    struct memdb_node *n = memdb_lookup(&sp[s], page);

    assert_int_equal(hw[s].rights[page], rights);
    if (!rights) {
        assert_null(n);
        return;
    }
    assert_non_null(n);
    assert_int_equal(hw[s].target[page], target);
    assert_int_equal(n->target + (page - n->base), target);
    assert_int_equal(n->rights, rights);
}

static void expect_range(unsigned s, uint64_t page, uint64_t count, uint64_t target,
                         unsigned rights)
{
    for (uint64_t i = 0; i < count; i++)
        expect_page(s, page + i, target + i, rights);
}

/* The page of the parent node that page `page` of node n derives from. */
static uint64_t parent_page(const struct memdb_node *n, uint64_t page)
{
    uint64_t t = n->target + (page - n->base);

    return n->parent->base + (t - n->parent->target);
}

static void expect_parent(unsigned s, uint64_t page, int psp, uint64_t ppage)
{
    struct memdb_node *n = memdb_lookup(&sp[s], page);

    assert_non_null(n);
    if (psp == NO_PARENT) {
        assert_null(n->parent);
        return;
    }
    assert_non_null(n->parent);
    assert_ptr_equal(n->parent->space, &sp[psp]);
    assert_int_equal(parent_page(n, page), ppage);
}

struct walk_state {
    const struct resspace *s;
    const struct fake_hw *f;
    uint64_t next_free;         /* end of the previous node: nothing may start below it */
    long nodes, children;
};

/* In order through one treap: order, heap, alignment, hardware mirror, derivation links. */
static void walk_treap(struct walk_state *w, const struct memdb_node *n)
{
    const struct memdb_node *c, *prev = NULL;

    if (!n)
        return;
    if (n->left)
        assert_true(n->left->prio <= n->prio);
    if (n->right)
        assert_true(n->right->prio <= n->prio);
    walk_treap(w, n->left);
    assert_ptr_equal(n->space, w->s);
    assert_true(n->order <= w->s->bits && n->base >> w->s->bits == 0);
    assert_true(n->base % (1ull << n->order) == 0 && n->target % (1ull << n->order) == 0);
    assert_true(n->base >= w->next_free);
    assert_true((n->rights & RWX) && !(n->rights & ~(RWX | DEV)));
    for (uint64_t p = w->next_free; p < n->base && p < w->f->pages; p++)
        assert_int_equal(w->f->rights[p], 0);
    for (uint64_t i = 0; i < (1ull << n->order); i++) {
        assert_int_equal(w->f->rights[n->base + i], n->rights);
        assert_int_equal(w->f->target[n->base + i], n->target + i);
    }
    w->next_free = n->base + (1ull << n->order);
    for (c = n->child; c; prev = c, c = c->next, w->children++) {
        assert_ptr_equal(c->parent, n);
        assert_ptr_equal(c->prev, prev);
        assert_true(c->order <= n->order);
        assert_true((c->target ^ n->target) >> n->order == 0);  /* inside the parent */
        assert_int_equal(c->rights & ~n->rights, 0);            /* never amplified */
    }
    w->nodes++;
    if (!n->parent)
        w->children++;          /* so that every node is counted once as someone's */
    walk_treap(w, n->right);
}

/* Checks every space; returns the node count, which must be every live node. */
static long check_all(void)
{
    long nodes = 0, children = 0;

    for (unsigned i = 0; i < nspaces; i++) {
        struct walk_state w = { .s = &sp[i], .f = &hw[i] };

        walk_treap(&w, sp[i].root);
        for (uint64_t p = w.next_free; p < hw[i].pages; p++)
            assert_int_equal(hw[i].rights[p], 0);
        nodes += w.nodes;
        children += w.children;
    }
    assert_int_equal(nodes, children);
    assert_int_equal(nodes, live_nodes);
    return nodes;
}

/* A snapshot of everything observable: hardware and each space's node list. */
struct snap {
    uint8_t *rights[SPACES];
    uint64_t *target[SPACES];
    uint64_t *nodes;
    size_t count, cap;
};

static void snap_nodes(struct snap *z, const struct memdb_node *n)
{
    if (!n)
        return;
    snap_nodes(z, n->left);
    if (z->count + 6 > z->cap) {
        z->cap = 2 * z->cap + 64;
        z->nodes = realloc(z->nodes, z->cap * sizeof(uint64_t));
        assert_non_null(z->nodes);
    }
    z->nodes[z->count++] = n->base;
    z->nodes[z->count++] = n->order;
    z->nodes[z->count++] = n->target;
    z->nodes[z->count++] = n->rights;
    z->nodes[z->count++] = (uint64_t)(uintptr_t)(n->parent ? n->parent->space : NULL);
    z->nodes[z->count++] = n->parent ? parent_page(n, n->base) : 0;
    snap_nodes(z, n->right);
}

static void snap_take(struct snap *z)
{
    *z = (struct snap){ 0 };
    for (unsigned i = 0; i < nspaces; i++) {
        z->rights[i] = malloc(hw[i].pages);
        z->target[i] = malloc(hw[i].pages * sizeof(uint64_t));
        assert_true(z->rights[i] && z->target[i]);
        memcpy(z->rights[i], hw[i].rights, hw[i].pages);
        memcpy(z->target[i], hw[i].target, hw[i].pages * sizeof(uint64_t));
        snap_nodes(z, sp[i].root);
    }
}

static void snap_free(struct snap *z)
{
    for (unsigned i = 0; i < nspaces; i++) {
        free(z->rights[i]);
        free(z->target[i]);
    }
    free(z->nodes);
}

/* Asserts nothing observable changed since z was taken (mapped targets only where mapped). */
static void snap_expect_same(struct snap *z)
{
    struct snap now;

    snap_take(&now);
    for (unsigned i = 0; i < nspaces; i++) {
        assert_memory_equal(now.rights[i], z->rights[i], hw[i].pages);
        for (uint64_t p = 0; p < hw[i].pages; p++)
            if (now.rights[i][p])
                assert_int_equal(now.target[i][p], z->target[i][p]);
    }
    assert_int_equal(now.count, z->count);
    if (z->count)
        assert_memory_equal(now.nodes, z->nodes, z->count * sizeof(uint64_t));
    snap_free(&now);
    check_all();
}

/* ---- root nodes ---- */

static void mdb0001_root_insert_lookup(void **state)
{
    (void)state;
    spaces_init(1, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x100, 0x5100, 8, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x7, 0x9, 0, R), VIREO_SUCCESS);
    expect_range(0, 0x100, 0x100, 0x5100, RWX);
    expect_page(0, 0x7, 0x9, R);
    expect_page(0, 0xff, 0, 0);
    expect_page(0, 0x200, 0, 0);
    expect_page(0, 0x6, 0, 0);
    expect_page(0, 0x8, 0, 0);
    assert_ptr_equal(memdb_lookup(&sp[0], 0x1ff), memdb_lookup(&sp[0], 0x100));
    assert_null(memdb_lookup(&sp[0], 1ull << 40));
    expect_parent(0, 0x150, NO_PARENT, 0);
    assert_int_equal(check_all(), 2);
    spaces_fini();
}

static void mdb0002_root_overlap_bad_cap(void **state)
{
    (void)state;
    spaces_init(1, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x40, 0x40, 4, RW), VIREO_SUCCESS);
    struct snap z;
    snap_take(&z);
    assert_int_equal(memdb_insert_root(&sp[0], 0x40, 0x40, 4, RW), VIREO_BAD_CAP);
    assert_int_equal(memdb_insert_root(&sp[0], 0x4f, 0x0, 0, RW), VIREO_BAD_CAP);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 8, RW), VIREO_BAD_CAP);    /* over */
    assert_int_equal(memdb_insert_root(&sp[0], 0x48, 0x0, 3, RW), VIREO_BAD_CAP);   /* inside */
    snap_expect_same(&z);
    snap_free(&z);
    /* Neighbours touching either end are fine. */
    assert_int_equal(memdb_insert_root(&sp[0], 0x30, 0x0, 4, R), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x50, 0x0, 4, R), VIREO_SUCCESS);
    assert_int_equal(check_all(), 3);
    spaces_fini();
}

static void mdb0003_root_bad_par(void **state)
{
    (void)state;
    spaces_init(1, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x41, 0x40, 4, RW), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x40, 0x41, 4, RW), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 13, RW), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 200, RW), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 1ull << 12, 0, 0, RW), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], ~0ull, 0, 0, RW), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 0, 0), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 0, 8), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 0, DEV), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 0, R | 0x20), VIREO_BAD_PAR);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 12, RWX), VIREO_SUCCESS);
    assert_int_equal(check_all(), 1);
    spaces_fini();
}

/* ---- delegation ---- */

static void mdb0004_delegate_whole(void **state)
{
    (void)state;
    unsigned pages = 0;
    spaces_init(2, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x100, 0x8100, 8, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[0], 0x100, &sp[1], 0x300, 8, RW, &pages),
                     VIREO_SUCCESS);
    assert_int_equal(pages, 0x100);
    expect_range(1, 0x300, 0x100, 0x8100, RW);
    expect_range(0, 0x100, 0x100, 0x8100, RWX);
    expect_parent(1, 0x3ab, 0, 0x1ab);
    assert_int_equal(memdb_lookup(&sp[1], 0x300)->order, 8);
    assert_int_equal(check_all(), 2);
    spaces_fini();
}

static void mdb0005_delegate_sub_range(void **state)
{
    (void)state;
    unsigned pages = 0;
    spaces_init(2, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x400, 0x2400, 10, RWX), VIREO_SUCCESS);
    /* One page and a 16-page block out of the middle of a 1024-page node. */
    assert_int_equal(memdb_delegate(&sp[0], 0x5a3, &sp[1], 0x7, 0, R, &pages), VIREO_SUCCESS);
    assert_int_equal(pages, 1);
    assert_int_equal(memdb_delegate(&sp[0], 0x620, &sp[1], 0x10, 4, R | X, NULL),
                     VIREO_SUCCESS);
    expect_page(1, 0x7, 0x25a3, R);
    expect_range(1, 0x10, 16, 0x2620, R | X);
    expect_parent(1, 0x7, 0, 0x5a3);
    expect_parent(1, 0x1f, 0, 0x62f);
    expect_page(1, 0x6, 0, 0);
    expect_page(1, 0x8, 0, 0);
    assert_int_equal(check_all(), 3);
    spaces_fini();
}

/* A source range larger than its nodes: one child per node, holes stay holes. */
static void mdb0006_delegate_super_range_holes(void **state)
{
    (void)state;
    unsigned pages = 0;
    spaces_init(2, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x40, 0x1040, 4, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x52, 0x3052, 1, RW), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x60, 0x7000, 5, R), VIREO_SUCCESS);  /* out */
    assert_int_equal(memdb_delegate(&sp[0], 0x40, &sp[1], 0x80, 5, RWX, &pages),
                     VIREO_SUCCESS);
    assert_int_equal(pages, 18);
    expect_range(1, 0x80, 16, 0x1040, RWX);
    expect_page(1, 0x90, 0, 0);
    expect_page(1, 0x91, 0, 0);
    expect_range(1, 0x92, 2, 0x3052, RW);
    expect_range(1, 0x94, 12, 0, 0);
    expect_page(1, 0xa0, 0, 0);
    assert_int_equal(memdb_lookup(&sp[1], 0x80)->order, 4);
    assert_int_equal(memdb_lookup(&sp[1], 0x93)->order, 1);
    expect_parent(1, 0x93, 0, 0x53);
    /* A range with nothing in it delegates nothing, successfully. */
    assert_int_equal(memdb_delegate(&sp[0], 0x200, &sp[1], 0x200, 9, RWX, &pages),
                     VIREO_SUCCESS);
    assert_int_equal(pages, 0);
    assert_int_equal(check_all(), 5);
    spaces_fini();
}

static void mdb0007_rights_never_amplify(void **state)
{
    (void)state;
    unsigned pages = 7;
    spaces_init(4, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0, 4, R | W), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x10, 0x10, 4, X), VIREO_SUCCESS);
    /* Asking for more than the source has gives only what both have. */
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 5, RWX, NULL), VIREO_SUCCESS);
    expect_range(1, 0, 16, 0, R | W);
    expect_range(1, 0x10, 16, 0x10, X);
    assert_int_equal(memdb_delegate(&sp[1], 0, &sp[2], 0, 5, W | X, NULL), VIREO_SUCCESS);
    expect_range(2, 0, 16, 0, W);
    expect_range(2, 0x10, 16, 0x10, X);
    /* No common right: that source node is skipped; unknown bits never appear. */
    assert_int_equal(memdb_delegate(&sp[2], 0, &sp[3], 0, 5, R | 0xf8, &pages),
                     VIREO_SUCCESS);
    assert_int_equal(pages, 0);
    assert_int_equal(memdb_delegate(&sp[2], 0, &sp[3], 0, 5, W | 0xf8, &pages),
                     VIREO_SUCCESS);
    assert_int_equal(pages, 16);
    expect_range(3, 0, 16, 0, W);
    expect_range(3, 0x10, 16, 0, 0);
    assert_int_equal(check_all(), 7);
    spaces_fini();
}

static void mdb0008_dst_occupied_bad_cap(void **state)
{
    (void)state;
    unsigned pages = 77;
    spaces_init(2, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 4, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x20, 0x20, 4, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[1], 0x2f, 0x999, 0, R), VIREO_SUCCESS);
    struct snap z;
    snap_take(&z);
    /* The first part would fit; the second lands on the page dst already maps. */
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 6, RWX, &pages), VIREO_BAD_CAP);
    assert_int_equal(pages, 77);
    snap_expect_same(&z);
    snap_free(&z);
    /* Occupied by a larger node around the destination. */
    assert_int_equal(memdb_insert_root(&sp[1], 0x100, 0x100, 8, R), VIREO_SUCCESS);
    snap_take(&z);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0x140, 4, RWX, NULL), VIREO_BAD_CAP);
    snap_expect_same(&z);
    snap_free(&z);
    /* A destination mapped only where the source has a hole is no conflict. */
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 5, RWX, &pages), VIREO_SUCCESS);
    assert_int_equal(pages, 16);
    spaces_fini();
}

static void mdb0009_bad_par(void **state)
{
    (void)state;
    spaces_init(2, 12);
    resspace_init(&sp[1], &fake_ops, &hw[1], 8);     /* a smaller destination */
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0, 12, RWX), VIREO_SUCCESS);
    struct snap z;
    snap_take(&z);
    assert_int_equal(memdb_delegate(&sp[0], 1, &sp[1], 0, 1, RWX, NULL), VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 2, 2, RWX, NULL), VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 9, RWX, NULL), VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 64, RWX, NULL), VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, ~0u, RWX, NULL), VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0x100, 0, RWX, NULL), VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], 1ull << 12, &sp[1], 0, 0, RWX, NULL),
                     VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], ~0ull << 4, &sp[1], 0, 4, RWX, NULL),
                     VIREO_BAD_PAR);
    assert_int_equal(memdb_revoke(&sp[0], 0, 13, true), VIREO_BAD_PAR);
    assert_int_equal(memdb_revoke(&sp[0], 3, 2, true), VIREO_BAD_PAR);
    assert_int_equal(memdb_revoke(&sp[0], 1ull << 12, 0, true), VIREO_BAD_PAR);
    assert_int_equal(memdb_revoke(&sp[0], 0, 1000, true), VIREO_BAD_PAR);
    snap_expect_same(&z);
    snap_free(&z);
    assert_int_equal(memdb_delegate(&sp[0], 0xf00, &sp[1], 0, 8, RWX, NULL), VIREO_SUCCESS);
    expect_range(1, 0, 256, 0xf00, RWX);
    spaces_fini();
}

static void mdb0010_self_delegation(void **state)
{
    (void)state;
    spaces_init(1, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0x3000, 4, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[0], 0, 4, R, NULL), VIREO_BAD_PAR);
    assert_int_equal(memdb_delegate(&sp[0], 8, &sp[0], 8, 3, R, NULL), VIREO_BAD_PAR);
    /* Disjoint ranges of one space are fine, even when dst is free and src a node. */
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[0], 0x10, 4, R, NULL), VIREO_SUCCESS);
    expect_range(0, 0x10, 16, 0x3000, R);
    expect_parent(0, 0x13, 0, 0x3);
    /* Occupied now: delegating the child over its own parent is BAD_CAP. */
    assert_int_equal(memdb_delegate(&sp[0], 0x10, &sp[0], 0, 4, R, NULL), VIREO_BAD_CAP);
    /* A revoke that covers both the parent and its same-space child. */
    assert_int_equal(memdb_revoke(&sp[0], 0, 5, false), VIREO_SUCCESS);
    expect_range(0, 0, 16, 0x3000, RWX);
    expect_range(0, 0x10, 16, 0, 0);
    assert_int_equal(check_all(), 1);
    spaces_fini();
}

/* ---- revoke ---- */

static void mdb0011_revoke_whole_subtree(void **state)
{
    (void)state;
    spaces_init(4, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0, 8, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 8, RWX, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[1], 0, &sp[2], 0x100, 6, RW, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[1], 0x80, &sp[3], 0, 7, R, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[3], 0, &sp[2], 0, 7, R, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[2], 0x100, &sp[0], 0x400, 2, W, NULL), VIREO_SUCCESS);
    assert_int_equal(check_all(), 6);
    assert_int_equal(memdb_revoke(&sp[0], 0, 8, false), VIREO_SUCCESS);
    assert_int_equal(check_all(), 1);
    expect_range(0, 0, 256, 0, RWX);
    for (unsigned s = 1; s < 4; s++)
        expect_range(s, 0, 0x200, 0, 0);
    expect_range(0, 0x400, 4, 0, 0);
    spaces_fini();
}

static void mdb0012_revoke_middle_of_chain(void **state)
{
    (void)state;
    spaces_init(4, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0x500, 4, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 4, RWX, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[1], 0, &sp[2], 0, 4, RW, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[2], 0, &sp[3], 0, 4, R, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[3], 0, &sp[0], 0x10, 4, R, NULL), VIREO_SUCCESS);
    /* Siblings of the revoked node, from its parent. */
    assert_int_equal(memdb_delegate(&sp[1], 0, &sp[3], 0x40, 4, X, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[1], 8, &sp[2], 0x28, 3, W, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_revoke(&sp[2], 0, 4, true), VIREO_SUCCESS);
    expect_range(0, 0, 16, 0x500, RWX);
    expect_range(1, 0, 16, 0x500, RWX);
    expect_range(2, 0, 16, 0, 0);
    expect_range(3, 0, 16, 0, 0);
    expect_range(0, 0x10, 16, 0, 0);
    expect_range(3, 0x40, 16, 0x500, X);
    expect_range(2, 0x28, 8, 0x508, W);
    expect_parent(2, 0x2a, 1, 0xa);
    assert_int_equal(check_all(), 4);
    spaces_fini();
}

/* A 2^10 node delegated whole down a chain, and in part elsewhere: revoke one page. */
static void build_split_fixture(void)
{
    spaces_init(4, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x400, 0x10400, 10, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[0], 0x400, &sp[1], 0x0, 10, RWX, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[1], 0x0, &sp[2], 0x800, 10, RW, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[2], 0x800, &sp[3], 0xc00, 10, R, NULL), VIREO_SUCCESS);
    /* Smaller children around page 0x2a5 of the chain: one containing it, one beside it. */
    assert_int_equal(memdb_delegate(&sp[1], 0x280, &sp[3], 0x80, 7, W, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[2], 0xaa4, &sp[0], 0x4, 2, R, NULL), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[1], 0x300, &sp[2], 0x0, 8, R, NULL), VIREO_SUCCESS);
    assert_int_equal(check_all(), 7);
}

static void mdb0013_revoke_partial_split(void **state)
{
    (void)state;
    build_split_fixture();
    unsigned maps1 = hw[1].maps, unmaps1 = hw[1].unmaps, maps2 = hw[2].maps;
    unsigned unmaps2 = hw[2].unmaps;
    /* Page 0x2a5 of space 1 (target 0x106a5), keep space 1's own mapping. */
    assert_int_equal(memdb_revoke(&sp[1], 0x2a5, 0, false), VIREO_SUCCESS);
    /* Splitting leaves hardware alone: only the revoked page's pieces are unmapped. */
    assert_int_equal(hw[1].maps, maps1);
    assert_int_equal(hw[1].unmaps, unmaps1);
    assert_int_equal(hw[2].maps, maps2);
    assert_int_equal(hw[2].unmaps, unmaps2 + 1);
    expect_range(0, 0x400, 0x400, 0x10400, RWX);
    expect_range(1, 0x0, 0x400, 0x10400, RWX);
    expect_range(2, 0x800, 0x2a5, 0x10400, RW);
    expect_page(2, 0xaa5, 0, 0);
    expect_range(2, 0xaa6, 0x15a, 0x106a6, RW);
    expect_range(3, 0xc00, 0x2a5, 0x10400, R);
    expect_page(3, 0xea5, 0, 0);
    expect_range(3, 0xea6, 0x15a, 0x106a6, R);
    expect_range(3, 0x80, 0x25, 0x10680, W);
    expect_page(3, 0xa5, 0, 0);
    expect_range(3, 0xa6, 0x5a, 0x106a6, W);
    /* The grandchild in space 0 loses just that page; the child elsewhere is untouched. */
    expect_page(0, 0x4, 0x106a4, R);
    expect_page(0, 0x5, 0, 0);
    expect_range(0, 0x6, 2, 0x106a6, R);
    expect_range(2, 0x0, 0x100, 0x10700, R);
    /* Pieces are exact: the page's neighbours are order-0 pieces of the right parents. */
    assert_int_equal(memdb_lookup(&sp[1], 0x2a5)->order, 0);
    assert_int_equal(memdb_lookup(&sp[1], 0x2a4)->order, 0);
    assert_int_equal(memdb_lookup(&sp[1], 0x000)->order, 9);
    assert_int_equal(memdb_lookup(&sp[2], 0xaa4)->order, 0);
    expect_parent(2, 0xaa4, 1, 0x2a4);
    expect_parent(2, 0xaa6, 1, 0x2a6);
    expect_parent(2, 0xb00, 1, 0x300);
    expect_parent(2, 0x800, 1, 0x0);
    expect_parent(3, 0xea4, 2, 0xaa4);
    expect_parent(3, 0xfff, 2, 0xbff);
    expect_parent(3, 0xa6, 1, 0x2a6);
    expect_parent(0, 0x6, 2, 0xaa6);
    expect_parent(2, 0x10, 1, 0x310);
    expect_parent(1, 0x2a5, 0, 0x6a5);
    /*
     * Split 10 times each: the chain in spaces 1, 2, 3; 7 times space 3's 2^7 child, twice
     * space 0's 2^2 grandchild; the page's pieces in spaces 2, 3 (two) and 0 are gone.
     */
    assert_int_equal(check_all(), 7 + 10 + 10 + 10 + 7 + 2 - 4);
    /* Now the page itself too, and then everything: all pieces go. */
    assert_int_equal(memdb_revoke(&sp[1], 0x2a5, 0, true), VIREO_SUCCESS);
    expect_page(1, 0x2a5, 0, 0);
    expect_page(1, 0x2a6, 0x106a6, RWX);
    check_all();
    assert_int_equal(memdb_revoke(&sp[0], 0x400, 10, false), VIREO_SUCCESS);
    assert_int_equal(check_all(), 1);
    expect_range(0, 0x400, 0x400, 0x10400, RWX);
    spaces_fini();
}

static void mdb0014_revoke_self_vs_not(void **state)
{
    (void)state;
    build_split_fixture();
    /* Not self over a whole child: only what derives from it goes. */
    assert_int_equal(memdb_revoke(&sp[2], 0x800, 10, false), VIREO_SUCCESS);
    expect_range(2, 0x800, 0x400, 0x10400, RW);
    expect_range(3, 0xc00, 0x400, 0, 0);
    expect_range(0, 0x4, 4, 0, 0);
    expect_range(3, 0x80, 0x80, 0x10680, W);
    assert_int_equal(check_all(), 5);
    /* Self over a range that holds a node partly: the overlap goes, the rest stays. */
    assert_int_equal(memdb_revoke(&sp[2], 0x800, 9, true), VIREO_SUCCESS);
    expect_range(2, 0x800, 0x200, 0, 0);
    expect_range(2, 0xa00, 0x200, 0x10600, RW);
    expect_parent(2, 0xa00, 1, 0x200);
    /* Self over a range holding several nodes and holes. */
    assert_int_equal(memdb_revoke(&sp[3], 0, 12, true), VIREO_SUCCESS);
    expect_range(3, 0, 0x1000, 0, 0);
    assert_int_equal(memdb_revoke(&sp[0], 0, 12, true), VIREO_SUCCESS);
    assert_int_equal(check_all(), 0);
    for (unsigned s = 0; s < 4; s++)
        expect_range(s, 0, 0x1000, 0, 0);
    spaces_fini();
}

/* ---- hostile depth ---- */

struct revoke_call {
    struct resspace *s;
    uint64_t base;
    unsigned order;
    bool self;
    int err;
};

static void *revoke_thread(void *arg)
{
    struct revoke_call *c = arg;

    c->err = memdb_revoke(c->s, c->base, c->order, c->self);
    return NULL;
}

/* memdb_revoke on a small stack: a walk that recursed per level of a chain overflows it. */
static int revoke_on_small_stack(struct resspace *s, uint64_t base, unsigned order, bool self)
{
    struct revoke_call c = { .s = s, .base = base, .order = order, .self = self };
    pthread_attr_t attr;
    pthread_t thread;

    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
    assert_int_equal(pthread_create(&thread, &attr, revoke_thread, &c), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    pthread_attr_destroy(&attr);
    return c.err;
}

static void mdb0015_deep_chain(void **state)
{
    (void)state;
    spaces_init(2, 17);
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0x42, 0, RWX), VIREO_SUCCESS);
    /* Node i lives in space i % 2 at page i / 2 and derives from node i - 1. */
    for (unsigned i = 1; i <= CHAIN_DEPTH; i++)
        assert_int_equal(memdb_delegate(&sp[(i - 1) % 2], (i - 1) / 2, &sp[i % 2], i / 2, 0,
                                        RWX, NULL), VIREO_SUCCESS);
    assert_int_equal(check_all(), CHAIN_DEPTH + 1);
    expect_page(0, CHAIN_DEPTH / 2, 0x42, RWX);
    expect_parent(0, CHAIN_DEPTH / 2, 1, CHAIN_DEPTH / 2 - 1);
    assert_int_equal(revoke_on_small_stack(&sp[0], 0, 0, false), VIREO_SUCCESS);
    assert_int_equal(live_nodes, 1);
    expect_page(0, 0, 0x42, RWX);
    expect_range(0, 1, CHAIN_DEPTH / 2, 0, 0);
    expect_range(1, 0, CHAIN_DEPTH / 2, 0, 0);
    spaces_fini();
}

/* Every node of a deep chain covers the revoked page: each is split, none recursively. */
static void mdb0016_deep_chain_split(void **state)
{
    (void)state;
    spaces_init(2, 17);
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0x100, 1, RW), VIREO_SUCCESS);
    for (unsigned i = 1; i <= CHAIN_DEPTH; i++)
        assert_int_equal(memdb_delegate(&sp[(i - 1) % 2], (i - 1) / 2 * 2, &sp[i % 2],
                                        i / 2 * 2, 1, RW, NULL), VIREO_SUCCESS);
    assert_int_equal(revoke_on_small_stack(&sp[0], 1, 0, false), VIREO_SUCCESS);
    assert_int_equal(live_nodes, CHAIN_DEPTH + 2);    /* one piece each, two of the root */
    expect_page(0, 0, 0x100, RW);
    expect_page(0, 1, 0x101, RW);
    expect_page(1, 2 * (CHAIN_DEPTH / 2) - 2, 0x100, RW);
    expect_page(1, 2 * (CHAIN_DEPTH / 2) - 1, 0, 0);
    expect_page(0, 2 * (CHAIN_DEPTH / 2), 0x100, RW);
    expect_parent(0, 2 * (CHAIN_DEPTH / 2), 1, 2 * (CHAIN_DEPTH / 2) - 2);
    check_all();
    assert_int_equal(revoke_on_small_stack(&sp[0], 0, 0, true), VIREO_SUCCESS);
    assert_int_equal(live_nodes, 1);
    spaces_fini();
}

/* ---- failure leaves everything unchanged ---- */

/* A delegation of three parts into four spaces' worth of state, failed at every step. */
static void build_failure_fixture(void)
{
    spaces_init(3, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0x0, 0x0, 4, RWX), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x10, 0x100, 2, RW), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x18, 0x208, 3, R), VIREO_SUCCESS);
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[2], 0, 5, RWX, NULL), VIREO_SUCCESS);
}

static void mdb0017_map_failure_unchanged(void **state)
{
    (void)state;
    unsigned pages;
    build_failure_fixture();
    for (unsigned k = 1; k <= 3; k++) {
        struct snap z;
        snap_take(&z);
        long live = live_nodes;
        pages = 99;
        map_fail_in = k;
        assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0x20, 5, RWX, &pages), VIREO_NO_MEM);
        assert_int_equal(map_fail_in, 0);
        assert_int_equal(pages, 99);
        assert_int_equal(live_nodes, live);
        snap_expect_same(&z);
        snap_free(&z);
    }
    map_fail_in = 1;
    assert_int_equal(memdb_insert_root(&sp[1], 0, 0, 3, R), VIREO_NO_MEM);
    expect_range(1, 0, 8, 0, 0);
    map_fail_in = 4;    /* three maps: it never fails */
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0x20, 5, RWX, &pages), VIREO_SUCCESS);
    assert_int_equal(pages, 28);
    map_fail_in = 0;
    check_all();
    spaces_fini();
}

static void mdb0018_alloc_failure_unchanged(void **state)
{
    (void)state;
    build_failure_fixture();
    for (unsigned k = 1; k <= 3; k++) {
        struct snap z;
        snap_take(&z);
        alloc_fail_in = k;
        assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0x20, 5, RWX, NULL), VIREO_NO_MEM);
        snap_expect_same(&z);
        snap_free(&z);
    }
    alloc_fail_in = 1;
    assert_int_equal(memdb_insert_root(&sp[1], 0, 0, 3, R), VIREO_NO_MEM);
    alloc_fail_in = 0;
    /* Revoking one page of 2^4 in a chain of two needs 4 + 4 pieces, all allocated first. */
    for (unsigned k = 1; k <= 8; k++) {
        struct snap z;
        snap_take(&z);
        alloc_fail_in = k;
        assert_int_equal(memdb_revoke(&sp[0], 0x5, 0, false), VIREO_NO_MEM);
        assert_int_equal(alloc_fail_in, 0);
        snap_expect_same(&z);
        snap_free(&z);
    }
    alloc_fail_in = 9;
    assert_int_equal(memdb_revoke(&sp[0], 0x5, 0, false), VIREO_SUCCESS);
    assert_int_equal(alloc_fail_in, 1);
    alloc_fail_in = 0;
    expect_page(2, 0x5, 0, 0);
    expect_range(2, 0x6, 10, 0x6, RWX);
    expect_page(0, 0x5, 0x5, RWX);
    /* Revoking whole nodes never allocates, so never fails. */
    alloc_fail_in = 1;
    assert_int_equal(memdb_revoke(&sp[0], 0x10, 4, true), VIREO_SUCCESS);
    alloc_fail_in = 0;
    expect_range(2, 0x10, 16, 0, 0);
    check_all();
    spaces_fini();
}

static void mdb0019_destroy_frees_all(void **state)
{
    (void)state;
    build_split_fixture();
    assert_int_equal(memdb_revoke(&sp[3], 0xea5, 0, false), VIREO_SUCCESS);
    assert_int_equal(memdb_revoke(&sp[2], 0x9a0, 3, true), VIREO_SUCCESS);
    check_all();
    /* Destroying a space in the middle takes what derives from it, keeps its sources. */
    resspace_destroy(&sp[2]);
    assert_null(sp[2].root);
    expect_range(3, 0xc00, 0x400, 0, 0);
    expect_range(0, 0x4, 4, 0, 0);
    expect_range(1, 0x0, 0x400, 0x10400, RWX);
    check_all();
    spaces_fini();      /* asserts no node is live */
}

/* ---- randomized storm against a page-granular reference model ---- */

/* Per page of each space: what it maps and the page it derives from. */
struct mpage {
    uint64_t target;
    uint32_t ppage;
    int8_t pspace;
    uint8_t rights;             /* 0: not mapped */
};

static struct mpage model[SPACES][1u << STORM_BITS];
static int8_t memo[SPACES][1u << STORM_BITS];
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned rnd_order(void)
{
    return rnd() % 16 ? (unsigned)(rnd() % 6) : (unsigned)(rnd() % (STORM_BITS + 3));
}

static uint64_t rnd_base(unsigned order)
{
    uint64_t b = rnd() % (1ull << STORM_BITS) & ~((1ull << order) - 1);

    if (rnd() % 32 == 0)
        b += 1 + rnd() % 3;     /* sometimes misaligned */
    return b;
}

static bool model_range_ok(uint64_t base, unsigned order)
{
    return order <= STORM_BITS && base < (1ull << STORM_BITS) && base % (1ull << order) == 0;
}

static int model_insert_root(unsigned s, uint64_t base, uint64_t target, unsigned order,
                             unsigned rights)
{
    if (!model_range_ok(base, order) || target % (1ull << order) || !rights || rights > RWX)
        return VIREO_BAD_PAR;
    for (uint64_t i = 0; i < (1ull << order); i++)
        if (model[s][base + i].rights)
            return VIREO_BAD_CAP;
    for (uint64_t i = 0; i < (1ull << order); i++)
        model[s][base + i] = (struct mpage){ .target = target + i, .pspace = NO_PARENT,
                                             .rights = (uint8_t)rights };
    return VIREO_SUCCESS;
}

static int model_delegate(unsigned s, uint64_t sb, unsigned d, uint64_t db, unsigned order,
                          unsigned rights, unsigned *pages)
{
    if (!model_range_ok(sb, order) || !model_range_ok(db, order) || (s == d && sb == db))
        return VIREO_BAD_PAR;
    for (uint64_t i = 0; i < (1ull << order); i++)
        if ((model[s][sb + i].rights & rights) && model[d][db + i].rights)
            return VIREO_BAD_CAP;
    *pages = 0;
    for (uint64_t i = 0; i < (1ull << order); i++) {
        const struct mpage *p = &model[s][sb + i];
        if (!(p->rights & rights))
            continue;
        model[d][db + i] = (struct mpage){ .target = p->target, .ppage = (uint32_t)(sb + i),
                                           .pspace = (int8_t)s,
                                           .rights = (uint8_t)(p->rights & rights) };
        ++*pages;
    }
    return VIREO_SUCCESS;
}

/* Whether page p of space s is in the revoked range or derives from a page in it. */
static int8_t model_from_range(unsigned s, uint32_t p, unsigned rs, uint64_t lo, uint64_t hi)
{
    static struct { unsigned s; uint32_t p; } path[SPACES << STORM_BITS];
    size_t n = 0;
    int8_t v;

    for (;;) {
        if (memo[s][p] >= 0) {
            v = memo[s][p];
            break;
        }
        assert_true(n < ARRAY_LEN(path));
        path[n].s = s;
        path[n++].p = p;
        if (s == rs && p >= lo && p < hi) {
            v = 1;
            break;
        }
        if (model[s][p].pspace == NO_PARENT) {
            v = 0;
            break;
        }
        unsigned ps = (unsigned)model[s][p].pspace;
        p = model[s][p].ppage;
        s = ps;
    }
    while (n--)
        memo[path[n].s][path[n].p] = v;
    return v;
}

static int model_revoke(unsigned rs, uint64_t base, unsigned order, bool self)
{
    static bool doomed[SPACES][1u << STORM_BITS];
    uint64_t hi = base + (1ull << order);

    if (!model_range_ok(base, order))
        return VIREO_BAD_PAR;
    memset(memo, -1, sizeof(memo));
    for (unsigned s = 0; s < SPACES; s++) {
        for (uint32_t p = 0; p < (1u << STORM_BITS); p++) {
            const struct mpage *m = &model[s][p];
            bool in = s == rs && p >= base && p < hi;
            doomed[s][p] = m->rights && ((self && in) || (m->pspace != NO_PARENT &&
                           model_from_range((unsigned)m->pspace, m->ppage, rs, base, hi)));
        }
    }
    for (unsigned s = 0; s < SPACES; s++)
        for (uint32_t p = 0; p < (1u << STORM_BITS); p++)
            if (doomed[s][p])
                model[s][p].rights = 0;
    return VIREO_SUCCESS;
}

static void storm_check_hw(void)
{
    for (unsigned s = 0; s < SPACES; s++) {
        for (uint32_t p = 0; p < (1u << STORM_BITS); p++) {
            assert_int_equal(hw[s].rights[p], model[s][p].rights);
            if (model[s][p].rights)
                assert_int_equal(hw[s].target[p], model[s][p].target);
        }
    }
}

static void storm_check_full(void)
{
    check_all();
    for (unsigned s = 0; s < SPACES; s++) {
        for (uint32_t p = 0; p < (1u << STORM_BITS); p++) {
            const struct mpage *m = &model[s][p];
            if (!m->rights) {
                assert_null(memdb_lookup(&sp[s], p));
                continue;
            }
            expect_page(s, p, m->target, m->rights);
            expect_parent(s, p, m->pspace, m->ppage);
        }
    }
}

struct storm_stats {
    unsigned ok, bad_par, bad_cap, no_mem, pages, splits;
    unsigned long live_sum;
};

static void storm_count(struct storm_stats *st, int err)
{
    st->ok += err == VIREO_SUCCESS;
    st->bad_par += err == VIREO_BAD_PAR;
    st->bad_cap += err == VIREO_BAD_CAP;
    st->no_mem += err == VIREO_NO_MEM;
}

static void storm_delegate(struct storm_stats *st, bool injected)
{
    unsigned s = (unsigned)(rnd() % SPACES), d = (unsigned)(rnd() % SPACES);
    unsigned order = rnd_order(), rights = (unsigned)(rnd() % 8), got = ~0u, want = ~0u;
    uint64_t sb = rnd_base(order), db = rnd() % 4 ? rnd_base(order) : sb;
    int err = memdb_delegate(&sp[s], sb, &sp[d], db, order, rights, &got);

    storm_count(st, err);
    if (err == VIREO_NO_MEM) {
        assert_true(injected);
        return;
    }
    assert_int_equal(err, model_delegate(s, sb, d, db, order, rights, &want));
    if (!err)
        assert_int_equal(got, want);
    st->pages += err ? 0 : got;
}

static void storm_revoke(struct storm_stats *st, bool injected)
{
    unsigned s = (unsigned)(rnd() % SPACES), order = rnd_order();
    uint64_t base = rnd_base(order);
    bool self = rnd() % 2;
    const struct memdb_node *n = base >> STORM_BITS ? NULL : memdb_lookup(&sp[s], base);
    int err;

    st->splits += n && n->order > order && base % (1ull << order) == 0;
    err = memdb_revoke(&sp[s], base, order, self);

    storm_count(st, err);
    if (err == VIREO_NO_MEM) {
        assert_true(injected && map_fail_in == 0 && alloc_fail_in == 0);
        return;
    }
    assert_int_equal(err, model_revoke(s, base, order, self));
}

static void storm_insert_root(struct storm_stats *st)
{
    unsigned s = (unsigned)(rnd() % SPACES), order = rnd_order();
    uint64_t base = rnd_base(order), target = rnd_base(order) + (rnd() % 8 << STORM_BITS);
    unsigned rights = (unsigned)(rnd() % 9);
    int err = memdb_insert_root(&sp[s], base, target, order, rights);

    storm_count(st, err);
    if (err != VIREO_NO_MEM)
        assert_int_equal(err, model_insert_root(s, base, target, order, rights));
}

static void storm_lookup(void)
{
    unsigned s = (unsigned)(rnd() % SPACES);
    uint32_t p = (uint32_t)(rnd() % (1u << STORM_BITS));
    const struct mpage *m = &model[s][p];

    if (!m->rights)
        assert_null(memdb_lookup(&sp[s], p));
    else
        expect_page(s, p, m->target, m->rights);
}

static void mdb0020_storm(void **state)
{
    (void)state;
    struct storm_stats st = { 0 };
    unsigned order[SPACES] = { 2, 0, 3, 1 };

    spaces_init(SPACES, STORM_BITS);
    memset(model, 0, sizeof(model));
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(memdb_insert_root(&sp[0], i << 8, (i + 9) << 8, 8, RWX) |
                         model_insert_root(0, i << 8, (i + 9) << 8, 8, RWX), VIREO_SUCCESS);
    for (unsigned op = 0; op < STORM_OPS; op++) {
        unsigned kind = (unsigned)(rnd() % 100);
        bool injected = rnd() % 20 == 0;
        if (injected && rnd() % 2)
            alloc_fail_in = 1 + (unsigned)(rnd() % 4);
        else if (injected)
            map_fail_in = 1 + (unsigned)(rnd() % 4);
        if (kind < 55)
            storm_delegate(&st, injected);
        else if (kind < 75)
            storm_revoke(&st, injected);
        else if (kind < 88)
            storm_lookup();
        else
            storm_insert_root(&st);
        alloc_fail_in = map_fail_in = 0;
        st.live_sum += (unsigned long)live_nodes;
        storm_check_hw();
        if (op % STORM_FULL_CHECK_EVERY == 0)
            storm_check_full();
    }
    storm_check_full();
    print_message("storm: %u ok, %u BAD_PAR, %u BAD_CAP, %u NO_MEM, %u pages delegated, "
                  "%u revokes splitting, %lu nodes live on average\n", st.ok, st.bad_par,
                  st.bad_cap, st.no_mem, st.pages, st.splits, st.live_sum / STORM_OPS);
    assert_true(st.ok > STORM_OPS / 4 && st.bad_cap > 100 && st.bad_par > 100 &&
                st.no_mem > 50 && st.pages > STORM_OPS / 4 && st.splits > 500);
    /* Destroy in a scrambled order, checking against the model after each. */
    for (unsigned i = 0; i < SPACES; i++) {
        resspace_destroy(&sp[order[i]]);
        assert_int_equal(model_revoke(order[i], 0, STORM_BITS, true), VIREO_SUCCESS);
        storm_check_full();
    }
    spaces_fini();
}

/* Device memory keeps its attribute through every delegation; RAM never gains it. */
static void mdb0021_device_attribute(void **state)
{
    (void)state;
    unsigned pages = 7;
    spaces_init(4, 12);
    assert_int_equal(memdb_insert_root(&sp[0], 0, 0xb8, 3, RW | DEV), VIREO_SUCCESS);
    assert_int_equal(memdb_insert_root(&sp[0], 0x10, 0x10, 3, RW), VIREO_SUCCESS);
    expect_range(0, 0, 8, 0xb8, RW | DEV);
    /* Asked without the attribute, the child still has it. */
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[1], 0, 3, R, NULL), VIREO_SUCCESS);
    expect_range(1, 0, 8, 0xb8, R | DEV);
    assert_int_equal(memdb_delegate(&sp[1], 0, &sp[2], 0x20, 2, RW, NULL), VIREO_SUCCESS);
    expect_range(2, 0x20, 4, 0xb8, R | DEV);
    /* Asking for the attribute alone gives nothing, and RAM never gains it. */
    assert_int_equal(memdb_delegate(&sp[0], 0, &sp[3], 0, 3, DEV, &pages), VIREO_SUCCESS);
    assert_int_equal(pages, 0);
    expect_range(3, 0, 8, 0, 0);
    assert_int_equal(memdb_delegate(&sp[0], 0x10, &sp[3], 0x10, 3, RWX | DEV, NULL),
                     VIREO_SUCCESS);
    expect_range(3, 0x10, 8, 0x10, RW);
    /* A partial revoke splits a device node; the pieces keep the attribute. */
    assert_int_equal(memdb_revoke(&sp[0], 2, 1, true), VIREO_SUCCESS);
    expect_range(0, 0, 2, 0xb8, RW | DEV);
    expect_range(0, 4, 4, 0xbc, RW | DEV);
    expect_range(1, 2, 2, 0, 0);
    expect_range(2, 0x22, 2, 0, 0);
    assert_int_equal(check_all(), 7);
    spaces_fini();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mdb0001_root_insert_lookup),
        cmocka_unit_test(mdb0002_root_overlap_bad_cap),
        cmocka_unit_test(mdb0003_root_bad_par),
        cmocka_unit_test(mdb0004_delegate_whole),
        cmocka_unit_test(mdb0005_delegate_sub_range),
        cmocka_unit_test(mdb0006_delegate_super_range_holes),
        cmocka_unit_test(mdb0007_rights_never_amplify),
        cmocka_unit_test(mdb0008_dst_occupied_bad_cap),
        cmocka_unit_test(mdb0009_bad_par),
        cmocka_unit_test(mdb0010_self_delegation),
        cmocka_unit_test(mdb0011_revoke_whole_subtree),
        cmocka_unit_test(mdb0012_revoke_middle_of_chain),
        cmocka_unit_test(mdb0013_revoke_partial_split),
        cmocka_unit_test(mdb0014_revoke_self_vs_not),
        cmocka_unit_test(mdb0015_deep_chain),
        cmocka_unit_test(mdb0016_deep_chain_split),
        cmocka_unit_test(mdb0017_map_failure_unchanged),
        cmocka_unit_test(mdb0018_alloc_failure_unchanged),
        cmocka_unit_test(mdb0019_destroy_frees_all),
        cmocka_unit_test(mdb0020_storm),
        cmocka_unit_test(mdb0021_device_attribute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
