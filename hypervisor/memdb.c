/* SPDX-License-Identifier: MIT */
/* Vireo: mapping database of delegated resources: derivation trees, delegate, revoke. */
#include "lib.h"
#include "memdb.h"
#include <vireo/status.h>
#include <vireo/crd.h>

#define RIGHTS_MASK (VIREO_MEM_R | VIREO_MEM_W | VIREO_MEM_X | VIREO_MEM_DEVICE)
#define MAX_BITS 63u            /* a space's size, 2^bits, must fit in 64 bits */

static uint64_t units(unsigned order) { return 1ull << order; }
static uint64_t node_end(const struct memdb_node *n) { return n->base + units(n->order); }

/* Marsaglia xorshift64: treap priorities only need to be unpredictable to the user. */
static uint32_t next_prio(struct resspace *s)
{
    s->seed ^= s->seed << 13;
    s->seed ^= s->seed >> 7;
    s->seed ^= s->seed << 17;
    return (uint32_t)(s->seed >> 32);
}

/*
 * Per-space index: a treap (BST by base, max-heap by random prio), expected depth
 * O(log n) whatever bases the user picks. Split and merge walk down only: no recursion.
 */
static void treap_split(struct memdb_node *t, uint64_t key, struct memdb_node **lo,
                        struct memdb_node **hi)
{
    while (t) {
        struct memdb_node ***side = t->base < key ? &lo : &hi;

        **side = t;
        *side = side == &lo ? &t->right : &t->left;
        t = **side;
    }
    *lo = *hi = NULL;
}

static struct memdb_node *treap_merge(struct memdb_node *a, struct memdb_node *b)
{
    struct memdb_node *root = NULL, **p = &root;

    while (a && b) {
        bool a_top = a->prio > b->prio;

        *p = a_top ? a : b;
        p = a_top ? &a->right : &b->left;
        *(a_top ? &a : &b) = *p;
    }
    *p = a ? a : b;
    return root;
}

static struct memdb_node **treap_slot(struct resspace *s, const struct memdb_node *n)
{
    struct memdb_node **p = &s->root;

    while (*p && *p != n && (*p)->prio >= n->prio)
        p = n->base < (*p)->base ? &(*p)->left : &(*p)->right;
    return p;
}

static void idx_insert(struct resspace *s, struct memdb_node *n)
{
    struct memdb_node **p = treap_slot(s, n);

    treap_split(*p, n->base, &n->left, &n->right);
    *p = n;
}

/* The node covering `at`, else the first one above it, else NULL. */
static struct memdb_node *first_from(const struct resspace *s, uint64_t at)
{
    struct memdb_node *n = s->root, *below = NULL, *above = NULL;

    for (; n; n = n->base <= at ? n->right : n->left)
        *(n->base <= at ? &below : &above) = n;
    return below && at < node_end(below) ? below : above;
}

struct memdb_node *memdb_lookup(struct resspace *s, uint64_t addr)
{
    struct memdb_node *n = first_from(s, addr);

    return n && n->base <= addr ? n : NULL;
}

static bool range_used(const struct resspace *s, uint64_t base, unsigned order)
{
    const struct memdb_node *n = first_from(s, base);

    return n && n->base < base + units(order);
}

static bool range_ok(const struct resspace *s, uint64_t base, unsigned order)
{
    return order <= s->bits && base >> s->bits == 0 && IS_ALIGNED(base, units(order));
}

/* A root has no siblings: its links stay NULL, as a new node's are. */
static void link_child(struct memdb_node *parent, struct memdb_node *c)
{
    c->parent = parent;
    if (parent)
        DLIST_PUSH(&parent->child, c);
}

static void unlink_child(struct memdb_node *c)
{
    if (c->parent)
        DLIST_REMOVE(&c->parent->child, c);
}

/* Allocates, maps, indexes and links a node; on failure nothing has changed. */
static int node_make(struct resspace *s, struct memdb_node *parent, uint64_t base,
                     uint64_t target, unsigned order, unsigned rights)
{
    struct memdb_node *n = memdb_node_alloc();
    int err = n ? s->ops->map(s->ctx, base, target, order, rights) : VIREO_NO_MEM;

    if (err && n)
        memdb_node_free(n);
    if (err)
        return err;
    *n = (struct memdb_node){ .space = s, .base = base, .target = target,
                              .order = (uint8_t)order, .rights = (uint8_t)rights,
                              .prio = next_prio(s) };
    idx_insert(s, n);
    link_child(parent, n);
    return VIREO_SUCCESS;
}

/* Removes a node that has no children (any more). */
static void node_destroy(struct memdb_node *n)
{
    unlink_child(n);
    *treap_slot(n->space, n) = treap_merge(n->left, n->right);     /* out of the index */
    n->space->ops->unmap(n->space->ctx, n->base, n->order);
    memdb_node_free(n);
}

/* Removes n's derived subtree (and n if self) leaf first: iterative for any depth. */
static void kill_subtree(struct memdb_node *top, bool self)
{
    struct memdb_node *n, *parent;

    for (n = top; n != top || n->child; n = parent) {
        while (n->child)
            n = n->child;
        parent = n->parent;
        node_destroy(n);
    }
    if (self)
        node_destroy(top);
}

/* c or its first next sibling whose target range holds the aligned [t, t + 2^order). */
static struct memdb_node *first_covering(struct memdb_node *c, uint64_t t, unsigned order)
{
    while (c && (c->order < order || (t ^ c->target) >> c->order))
        c = c->next;
    return c;
}

/*
 * Pre-order successor of n in top's derived subtree, entering only nodes that cover
 * [t, t + 2^order) (their ancestors do too). Iterative, through the parent links.
 */
static struct memdb_node *walk_next(struct memdb_node *top, struct memdb_node *n, uint64_t t,
                                    unsigned order)
{
    struct memdb_node *c = first_covering(n->child, t, order);

    for (; !c && n != top; n = n->parent)
        c = first_covering(n->next, t, order);
    return c;
}

/*
 * Halves y into y (low) and hi (high), taken from the pool. hi's parent is the piece of
 * y's (maybe split) parent holding its target. Children of the old order stay for the
 * caller to split; smaller ones in the upper half move to hi. Hardware is untouched:
 * the pieces map just what y mapped.
 */
static void split_one(struct memdb_node *y, struct memdb_node **pool)
{
    struct memdb_node *c, *next, *hi = *pool, *p = y->parent;
    unsigned order = y->order - 1u;

    *pool = hi->next;
    *hi = (struct memdb_node){ .space = y->space, .base = y->base + units(order),
                               .target = y->target + units(order), .order = (uint8_t)order,
                               .rights = y->rights, .prio = next_prio(y->space) };
    y->order = (uint8_t)order;
    idx_insert(y->space, hi);
    link_child(p ? memdb_lookup(p->space, p->base + (hi->target - p->target)) : NULL, hi);
    for (c = y->child; c; c = next) {
        next = c->next;
        if (c->order <= order && c->target >= hi->target) {
            unlink_child(c);
            link_child(hi, c);
        }
    }
}

/*
 * Splits n (and what derives from it) until the range [base, +2^order) inside it is one
 * node. Every derived node covering the range's target, of order d > order, is split
 * d - order times: all those nodes are allocated first, so only NO_MEM can fail, early.
 * Each round halves the piece x holding the range and, consistently, every derived node
 * of x's order (each covers all of x), top-down so that each new piece finds its
 * parent's piece already in the index.
 */
static int split_down(struct memdb_node *n, uint64_t base, unsigned order)
{
    uint64_t t = ALIGN_DOWN(n->target + (base - n->base), units(order + 1u)), need = 0;
    struct memdb_node *x, *y, *pool = NULL;
    unsigned k;

    /* Nodes holding the aligned 2^(order+1) block around the range: those to split. */
    for (y = n; y; y = walk_next(n, y, t, order + 1u))
        need += y->order - order;
    for (; need && (y = memdb_node_alloc()); need--) {
        y->next = pool;
        pool = y;
    }
    for (; need && pool; pool = y) {
        y = pool->next;
        memdb_node_free(pool);
    }
    if (need)
        return VIREO_NO_MEM;
    for (x = n; x->order > order; x = memdb_lookup(x->space, base))
        for (y = x, t = x->target, k = x->order; y; y = walk_next(x, y, t, k))
            split_one(y, &pool);
    return VIREO_SUCCESS;
}

int memdb_revoke(struct resspace *s, uint64_t base, unsigned order, bool self)
{
    struct memdb_node *n;
    uint64_t at, end;
    int err;

    if (!range_ok(s, base, order))
        return VIREO_BAD_PAR;
    end = base + units(order);
    n = first_from(s, base);
    if (n && n->base < end && n->order > order && (err = split_down(n, base, order)))
        return err;
    /* By key, not by pointer: a subtree may hold nodes of s that go with it. */
    for (at = base; (n = first_from(s, at)) && n->base < end;) {
        at = node_end(n);
        kill_subtree(n, self);
    }
    return VIREO_SUCCESS;
}

struct deleg {
    struct resspace *src, *dst;
    uint64_t src_base, dst_base, delegated;
    unsigned order, rights;
};

enum deleg_phase { DELEG_CHECK, DELEG_MAKE, DELEG_UNDO };

/*
 * One walk over the source nodes overlapping the range, per phase: check that each
 * destination part is free (and count it), make the children, or undo those made:
 * each part's place was free before, so whatever is there now is ours.
 */
static int deleg_walk(struct deleg *d, enum deleg_phase phase)
{
    uint64_t at, lo, dst, end = d->src_base + units(d->order);
    struct memdb_node *n, *made;
    unsigned order, rights;
    int err;

    for (at = d->src_base; (n = first_from(d->src, at)) && n->base < end; at = node_end(n)) {
        lo = MAX(n->base, d->src_base);
        dst = d->dst_base + (lo - d->src_base);
        order = MIN(n->order, d->order);
        rights = n->rights & d->rights & ~VIREO_MEM_DEVICE;
        if (!rights)
            continue;
        rights |= n->rights & VIREO_MEM_DEVICE;     /* an attribute: kept, never gained */
        if (phase == DELEG_CHECK && range_used(d->dst, dst, order))
            return VIREO_BAD_CAP;
        d->delegated += phase == DELEG_CHECK ? units(order) : 0;
        if (phase == DELEG_UNDO && (made = memdb_lookup(d->dst, dst)))
            node_destroy(made);
        if (phase == DELEG_MAKE &&
            (err = node_make(d->dst, n, dst, n->target + (lo - n->base), order, rights)))
            return err;
    }
    return VIREO_SUCCESS;
}

int memdb_delegate(struct resspace *src, uint64_t src_base, struct resspace *dst,
                   uint64_t dst_base, unsigned order, unsigned rights,
                   unsigned *delegated_pages_out)
{
    struct deleg d = { .src = src, .dst = dst, .src_base = src_base, .dst_base = dst_base,
                       .order = order, .rights = rights };
    int err;

    /* Aligned ranges of one size are equal or disjoint. */
    if (!range_ok(src, src_base, order) || !range_ok(dst, dst_base, order) ||
        (src == dst && src_base == dst_base))
        return VIREO_BAD_PAR;
    err = deleg_walk(&d, DELEG_CHECK);
    if (!err && (err = deleg_walk(&d, DELEG_MAKE)))
        deleg_walk(&d, DELEG_UNDO);
    if (!err && delegated_pages_out)
        *delegated_pages_out = (unsigned)MIN(d.delegated, (uint64_t)UINT32_MAX);
    return err;
}

int memdb_insert_root(struct resspace *s, uint64_t base, uint64_t target, unsigned order,
                      unsigned rights)
{
    if (!range_ok(s, base, order) || !IS_ALIGNED(target, units(order)) ||
        !(rights & ~VIREO_MEM_DEVICE) || (rights & ~RIGHTS_MASK))
        return VIREO_BAD_PAR;
    if (range_used(s, base, order))
        return VIREO_BAD_CAP;
    return node_make(s, NULL, base, target, order, rights);
}

void resspace_init(struct resspace *s, const struct resspace_ops *ops, void *ctx,
                   unsigned max_order_bits)
{
    /* Any non-zero xorshift seed will do; the address differs per space. */
    *s = (struct resspace){ .ops = ops, .ctx = ctx, .seed = (uintptr_t)s | 1u,
                            .bits = MIN(max_order_bits, MAX_BITS) };
}

void resspace_destroy(struct resspace *s)
{
    /* The whole space: nothing to split, so this cannot fail. */
    memdb_revoke(s, 0, s->bits, true);
}
