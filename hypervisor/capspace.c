/* SPDX-License-Identifier: MIT */
/* Vireo: object spaces and the derivation tree (NOVA's mapping database for objects). */
#include "capspace.h"
#include "kmem.h"
#include "lib.h"

void kobj_put(struct kobj *o)
{
    if (--o->refs == 0)
        kobj_destroy(o);
}

void capspace_init(struct capspace *s)
{
    memset(s, 0, sizeof(*s));
}

static struct cap *page_slots(struct capspace *s, uint64_t p)
{
    return (struct cap *)(s->page[p] & ~CAP_USED_MASK);
}

/* 2^order slots at `base`: aligned, so they end within the space when they start in it. */
static bool range_ok(uint64_t base, unsigned order)
{
    return order <= CAP_ORDER_MAX && base < CAP_SELECTORS && IS_ALIGNED(base, 1ull << order);
}

static bool page_ensure(struct capspace *s, uint64_t sel)
{
    uintptr_t *p = &s->page[sel / CAPS_PER_PAGE];

    if (!*p)
        *p = (uintptr_t)kmem_page_alloc();
    return *p != 0;
}

/*
 * Frees the pages of the range that hold nothing: those a failed call allocated, or one
 * whose last slot was just emptied.
 */
static void pages_trim(struct capspace *s, uint64_t base, uint64_t n)
{
    for (uint64_t p = base / CAPS_PER_PAGE; p <= (base + n - 1) / CAPS_PER_PAGE; p++) {
        if (s->page[p] && !(s->page[p] & CAP_USED_MASK)) {
            kmem_page_free(page_slots(s, p));
            s->page[p] = 0;
        }
    }
}

/* Fills the empty slot `sel` (its page exists) and links it as parent's first child. */
static void cap_fill(struct capspace *s, uint64_t sel, struct kobj *obj, unsigned rights,
                     struct cap *parent)
{
    struct cap *c = &page_slots(s, sel / CAPS_PER_PAGE)[sel % CAPS_PER_PAGE];

    *c = (struct cap){ .obj = obj, .space = s, .parent = parent, .sel = (uint32_t)sel,
                       .rights = (uint8_t)rights };
    if (parent)
        DLIST_PUSH(&parent->child, c);
    s->page[sel / CAPS_PER_PAGE]++;     /* the count of full slots */
    kobj_get(obj);
}

/* Unlinks `c` from the tree and its slot (freeing a page left empty), then drops its object. */
static void cap_remove(struct cap *c)
{
    struct kobj *obj = c->obj;
    struct capspace *s = c->space;
    uint32_t sel = c->sel;

    if (c->parent)              /* a root has no siblings */
        DLIST_REMOVE(&c->parent->child, c);
    memset(c, 0, sizeof(*c));
    s->page[sel / CAPS_PER_PAGE]--;
    pages_trim(s, sel, 1);
    kobj_put(obj);
}

enum vireo_status cap_create(struct capspace *s, uint64_t sel, struct kobj *obj, unsigned rights)
{
    if (sel >= CAP_SELECTORS || rights > CAP_RIGHTS_ALL)
        return VIREO_BAD_PAR;
    if (cap_lookup(s, sel))
        return VIREO_BAD_CAP;
    if (!page_ensure(s, sel))
        return VIREO_NO_MEM;
    cap_fill(s, sel, obj, rights, NULL);
    return VIREO_SUCCESS;
}

enum vireo_status cap_delegate(struct capspace *src, uint64_t src_base, struct capspace *dst,
                               uint64_t dst_base, unsigned order, unsigned rights)
{
    /* Aligned ranges of one size are either disjoint or the same. */
    if (!range_ok(src_base, order) || !range_ok(dst_base, order) || rights > CAP_RIGHTS_ALL ||
        (src == dst && src_base == dst_base))
        return VIREO_BAD_PAR;
    uint64_t n = 1ull << order;
    for (uint64_t i = 0; i < n; i++)
        if (cap_lookup(src, src_base + i) && cap_lookup(dst, dst_base + i))
            return VIREO_BAD_CAP;
    for (uint64_t i = 0; i < n; i++) {
        if (cap_lookup(src, src_base + i) && !page_ensure(dst, dst_base + i)) {
            pages_trim(dst, dst_base, n);
            return VIREO_NO_MEM;
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        struct cap *c = cap_lookup(src, src_base + i);
        if (c)
            cap_fill(dst, dst_base + i, c->obj, c->rights & rights, c);
    }
    return VIREO_SUCCESS;
}

/*
 * Removes the descendants of `root` in post-order, following the links instead of a
 * stack: a user can build a delegation chain as deep as it has slots.
 */
static void revoke_children(struct cap *root)
{
    for (struct cap *c = root, *parent;; c = parent) {
        while (c->child)
            c = c->child;
        if (c == root)
            return;
        parent = c->parent;
        cap_remove(c);
    }
}

enum vireo_status cap_revoke(struct capspace *s, uint64_t base, unsigned order, bool self)
{
    if (!range_ok(base, order))
        return VIREO_BAD_PAR;
    /* Looked up afresh each time: revoking one slot can empty others (and their pages). */
    for (uint64_t sel = base; sel < base + (1ull << order); sel++) {
        struct cap *c = cap_lookup(s, sel);
        if (!c)
            continue;
        revoke_children(c);
        if (self)
            cap_remove(c);
    }
    return VIREO_SUCCESS;
}

void capspace_destroy(struct capspace *s)
{
    /* Every page goes back as its last slot empties. */
    cap_revoke(s, 0, CAP_ORDER_MAX, true);
}
