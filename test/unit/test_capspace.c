/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of object spaces, delegation and recursive revocation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "capspace.h"
#include "kmem.h"

#define PG 4096u
#define POOL 60000
#define MAX_SPACES 4
#define CHAIN 100000
#define SMALL_STACK (256u * 1024)

/* kmem for the host: counts live pages; the allocation numbered fail_at returns NULL. */
static long live_pages, allocs, fail_at = -1;

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
    memset(page, 0xa5, PG);
    live_pages--;
    free(page);
}

static struct kobj pool[POOL];
static unsigned destroyed[POOL];
static unsigned pool_used;
static struct capspace *space[MAX_SPACES];
static struct capspace *A, *B, *C, *D;

/*
 * kobj_destroy() may run on a thread with a small stack, so it records broken rules
 * instead of asserting; tests check `violations`. The rules: it is never re-entered, the
 * object has no references, and no slot of any space names it any more (the capability
 * was unlinked before the put) while the trees around it are consistent.
 */
static int in_destroy;
static unsigned violations;
static bool deep_check = true;

static bool space_consistent(struct capspace *s, const struct kobj *dying);

void kobj_destroy(struct kobj *o)
{
    if (in_destroy++ || o->refs != 0 || o < pool || o >= pool + POOL)
        violations++;
    else
        destroyed[o - pool]++;
    for (int i = 0; deep_check && i < MAX_SPACES; i++)
        if (!space_consistent(space[i], o))
            violations++;
    in_destroy--;
}

/* The links of one full slot agree with its neighbours; rights never grow down the tree. */
static bool cap_consistent(struct capspace *s, struct cap *c, uint32_t sel,
                           const struct kobj *dying)
{
    if (c->obj == dying || c->space != s || c->sel != sel || c->rights > CAP_RIGHTS_ALL)
        return false;
    if (c->prev ? c->prev->next != c || c->prev->parent != c->parent
                : c->parent && c->parent->child != c)
        return false;
    if (c->next && (c->next->prev != c || c->next->parent != c->parent))
        return false;
    if (c->child && (c->child->parent != c || c->child->prev))
        return false;
    return !c->parent || (c->parent->obj == c->obj && !(c->rights & ~c->parent->rights));
}

static bool space_consistent(struct capspace *s, const struct kobj *dying)
{
    static const struct cap empty;

    for (uint32_t p = 0; s && p < CAP_PAGES; p++) {
        struct cap *slots = (struct cap *)(s->page[p] & ~CAP_USED_MASK);
        unsigned full = 0, used = (unsigned)(s->page[p] & CAP_USED_MASK);
        if (!s->page[p] != !used)
            return false;
        for (uint32_t i = 0; slots && i < CAPS_PER_PAGE; i++) {
            struct cap *c = &slots[i];
            if (!c->obj && memcmp(c, &empty, sizeof(empty)))
                return false;
            if (!c->obj)
                continue;
            full++;
            if (!cap_consistent(s, c, p * CAPS_PER_PAGE + i, dying))
                return false;
        }
        if (full != used)
            return false;
    }
    return true;
}

static struct kobj *new_obj(enum kobj_type type)
{
    assert_true(pool_used < POOL);
    pool[pool_used].type = type;
    return &pool[pool_used++];
}

static unsigned obj_destroyed(struct kobj *o)
{
    return destroyed[o - pool];
}

static int setup(void **state)
{
    (void)state;
    live_pages = allocs = 0;
    fail_at = -1;
    memset(pool, 0, sizeof(pool));
    memset(destroyed, 0, sizeof(destroyed));
    pool_used = violations = 0;
    deep_check = true;
    for (int i = 0; i < MAX_SPACES; i++) {
        space[i] = malloc(sizeof(*space[i]));
        assert_non_null(space[i]);
        memset(space[i], 0x5a, sizeof(*space[i]));
        capspace_init(space[i]);
    }
    A = space[0], B = space[1], C = space[2], D = space[3];
    return 0;
}

/* Destroying every space leaves no page, no reference and each object destroyed once. */
static int teardown(void **state)
{
    (void)state;
    fail_at = -1;
    for (int i = 0; i < MAX_SPACES; i++) {
        assert_true(space_consistent(space[i], NULL));
        capspace_destroy(space[i]);
    }
    assert_int_equal(live_pages, 0);
    assert_int_equal(violations, 0);
    for (unsigned i = 0; i < pool_used; i++) {
        assert_int_equal(pool[i].refs, 0);
        assert_true(destroyed[i] <= 1);
    }
    for (int i = 0; i < MAX_SPACES; i++)
        free(space[i]);
    return 0;
}

static void cap0001_create_lookup(void **state)
{
    (void)state;
    struct kobj *pd = new_obj(KOBJ_PD), *sm = new_obj(KOBJ_SM);
    assert_int_equal(cap_create(A, 5, pd, VIREO_OBJ_ALL), VIREO_SUCCESS);
    assert_int_equal(cap_create(A, 6, sm, VIREO_SM_UP | VIREO_SM_DOWN), VIREO_SUCCESS);
    assert_int_equal(live_pages, 1);
    struct cap *c = cap_lookup(A, 5);
    assert_non_null(c);
    assert_ptr_equal(c->obj, pd);
    assert_int_equal(c->rights, VIREO_OBJ_ALL);
    assert_int_equal(c->sel, 5);
    assert_ptr_equal(c->space, A);
    assert_null(c->parent);
    assert_int_equal(pd->refs, 1);
    assert_null(cap_lookup(A, 4));
    assert_null(cap_lookup(B, 5));
    assert_ptr_equal(cap_object(A, 5, KOBJ_PD, VIREO_PD_CREATE_EC), pd);
    assert_ptr_equal(cap_object(A, 6, KOBJ_SM, VIREO_SM_UP), sm);
    assert_ptr_equal(cap_object(A, 6, KOBJ_SM, 0), sm);
    assert_null(cap_object(A, 6, KOBJ_SM, VIREO_SM_ASSIGN));
    assert_null(cap_object(A, 6, KOBJ_SM, VIREO_SM_UP | VIREO_SM_ASSIGN));
    assert_null(cap_object(A, 6, KOBJ_PD, 0));
    assert_null(cap_object(A, 7, KOBJ_NONE, 0));
}

static void cap0002_selector_range(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_EC);
    const uint64_t bad[] = { CAP_SELECTORS, CAP_SELECTORS + 1, 1ull << 32, 1ull << 63,
                             UINT64_MAX };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cap_create(A, bad[i], o, 1), VIREO_BAD_PAR);
        assert_null(cap_lookup(A, bad[i]));
        assert_null(cap_object(A, bad[i], KOBJ_EC, 0));
    }
    assert_int_equal(cap_create(A, 0, o, CAP_RIGHTS_ALL + 1), VIREO_BAD_PAR);
    assert_int_equal(cap_create(A, 0, o, ~0u), VIREO_BAD_PAR);
    assert_int_equal(live_pages, 0);
    assert_int_equal(o->refs, 0);
    assert_null(cap_lookup(A, 0));      /* 1 << 32 did not wrap to selector 0 */
    assert_int_equal(cap_create(A, CAP_SELECTORS - 1, o, 1), VIREO_SUCCESS);
    assert_ptr_equal(cap_object(A, CAP_SELECTORS - 1, KOBJ_EC, 1), o);
    assert_int_equal(cap_lookup(A, CAP_SELECTORS - 1)->sel, CAP_SELECTORS - 1);
}

static void cap0003_occupied_slot(void **state)
{
    (void)state;
    struct kobj *a = new_obj(KOBJ_PT), *b = new_obj(KOBJ_PT);
    assert_int_equal(cap_create(A, 9, a, VIREO_PT_CALL), VIREO_SUCCESS);
    assert_int_equal(cap_create(A, 9, b, VIREO_OBJ_ALL), VIREO_BAD_CAP);
    assert_int_equal(cap_create(A, 9, a, VIREO_OBJ_ALL), VIREO_BAD_CAP);
    assert_int_equal(a->refs, 1);
    assert_int_equal(b->refs, 0);
    assert_ptr_equal(cap_lookup(A, 9)->obj, a);
    assert_int_equal(cap_lookup(A, 9)->rights, VIREO_PT_CALL);
    /* BAD_PAR wins over BAD_CAP: parameters are checked before the slot. */
    assert_int_equal(cap_create(A, 9, b, 0x20), VIREO_BAD_PAR);
}

static void cap0004_rights_never_amplified(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_SM);
    assert_int_equal(cap_create(A, 0, o, 0x3), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 0, B, 0, 0, 0x1f), VIREO_SUCCESS);
    assert_int_equal(cap_lookup(B, 0)->rights, 0x3);
    assert_int_equal(cap_delegate(B, 0, C, 0, 0, 0x1d), VIREO_SUCCESS);
    assert_int_equal(cap_lookup(C, 0)->rights, 0x1);
    assert_int_equal(cap_delegate(C, 0, D, 0, 0, 0x1e), VIREO_SUCCESS);
    struct cap *none = cap_lookup(D, 0);
    assert_non_null(none);              /* no rights, but it still names the object */
    assert_int_equal(none->rights, 0);
    assert_ptr_equal(cap_object(D, 0, KOBJ_SM, 0), o);
    assert_null(cap_object(D, 0, KOBJ_SM, VIREO_SM_UP));
    assert_int_equal(cap_delegate(D, 0, A, 1, 0, 0x1f), VIREO_SUCCESS);
    assert_int_equal(cap_lookup(A, 1)->rights, 0);
    assert_null(cap_object(B, 0, KOBJ_SM, VIREO_SM_ASSIGN));
    assert_int_equal(cap_delegate(A, 0, B, 1, 0, 0x20), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, 1, 0, ~0u), VIREO_BAD_PAR);
    assert_null(cap_lookup(B, 1));
    assert_int_equal(o->refs, 5);
}

static void cap0005_range_with_holes(void **state)
{
    (void)state;
    const uint32_t full[] = { 16, 18, 23, 31 };
    struct kobj *o[4];
    for (int i = 0; i < 4; i++) {
        o[i] = new_obj(KOBJ_PT);
        assert_int_equal(cap_create(A, full[i], o[i], VIREO_OBJ_ALL), VIREO_SUCCESS);
    }
    assert_int_equal(cap_delegate(A, 16, B, 4096, 4, VIREO_PT_CALL), VIREO_SUCCESS);
    for (uint32_t i = 0; i < 16; i++) {
        struct cap *src = cap_lookup(A, 16 + i), *dst = cap_lookup(B, 4096 + i);
        assert_true(!src == !dst);
        if (!dst)
            continue;
        assert_ptr_equal(dst->obj, src->obj);
        assert_ptr_equal(dst->parent, src);
        assert_ptr_equal(src->child, dst);
        assert_int_equal(dst->rights, VIREO_PT_CALL);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(o[i]->refs, 2);
    assert_int_equal(live_pages, 2);
    /* The holes may be taken in the destination: only slots with a source must be free. */
    assert_int_equal(cap_revoke(A, 16, 4, false), VIREO_SUCCESS);
    assert_int_equal(cap_create(B, 4097, new_obj(KOBJ_SM), 1), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 16, B, 4096, 4, VIREO_OBJ_ALL), VIREO_SUCCESS);
    assert_int_equal(cap_lookup(B, 4097)->obj->type, KOBJ_SM);
}

static void cap0006_bad_ranges(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_EC);
    assert_int_equal(cap_create(A, 0, o, 1), VIREO_SUCCESS);
    assert_int_equal(cap_create(A, 4, o, 1), VIREO_SUCCESS);
    long pages = live_pages;
    assert_int_equal(cap_delegate(A, 2, B, 0, 2, 1), VIREO_BAD_PAR);    /* src misaligned */
    assert_int_equal(cap_delegate(A, 4, B, 2, 2, 1), VIREO_BAD_PAR);    /* dst misaligned */
    assert_int_equal(cap_delegate(A, 0, B, 0, CAP_ORDER_MAX + 1, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, 0, 63, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, 0, 64, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, 0, ~0u, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, CAP_SELECTORS, B, 0, 0, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, CAP_SELECTORS, 0, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, CAP_SELECTORS * 2ull, 4, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, UINT64_MAX - 15, 4, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, B, 1ull << 32, 0, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_revoke(A, 0, CAP_ORDER_MAX + 1, true), VIREO_BAD_PAR);
    assert_int_equal(cap_revoke(A, 0, ~0u, true), VIREO_BAD_PAR);
    assert_int_equal(cap_revoke(A, 2, 2, true), VIREO_BAD_PAR);
    assert_int_equal(cap_revoke(A, CAP_SELECTORS, 0, true), VIREO_BAD_PAR);
    assert_int_equal(cap_revoke(A, 1ull << 32, 0, true), VIREO_BAD_PAR);
    assert_int_equal(live_pages, pages);
    assert_int_equal(o->refs, 2);
    assert_non_null(cap_lookup(A, 0));
    for (uint32_t p = 0; p < CAP_PAGES; p++)
        assert_int_equal(B->page[p], 0);
    /* The largest range: the whole space, into an empty one. */
    assert_int_equal(cap_delegate(A, 0, B, 0, CAP_ORDER_MAX, 1), VIREO_SUCCESS);
    assert_int_equal(o->refs, 4);
    assert_int_equal(cap_delegate(A, CAP_SELECTORS - 16, C, CAP_SELECTORS - 16, 4, 1),
                     VIREO_SUCCESS);
    assert_int_equal(cap_revoke(A, 0, CAP_ORDER_MAX, false), VIREO_SUCCESS);
    assert_int_equal(o->refs, 2);
    assert_null(cap_lookup(B, 4));
}

static void cap0007_destination_taken(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_SM), *other = new_obj(KOBJ_SM);
    assert_int_equal(cap_create(A, 0, o, 3), VIREO_SUCCESS);
    assert_int_equal(cap_create(A, 2, o, 3), VIREO_SUCCESS);
    assert_int_equal(cap_create(B, 1, other, 1), VIREO_SUCCESS);   /* under a hole */
    assert_int_equal(cap_create(B, 66, other, 1), VIREO_SUCCESS);  /* under slot 2 */
    long pages = live_pages;
    assert_int_equal(cap_delegate(A, 0, B, 64, 2, 3), VIREO_BAD_CAP);
    assert_null(cap_lookup(B, 64));     /* nothing done before the conflict */
    assert_null(cap_lookup(A, 0)->child);
    assert_int_equal(o->refs, 2);
    assert_int_equal(other->refs, 2);
    assert_int_equal(live_pages, pages);
    assert_int_equal(cap_delegate(A, 0, B, 0, 2, 3), VIREO_SUCCESS);
    assert_ptr_equal(cap_lookup(B, 1)->obj, other);
    assert_ptr_equal(cap_lookup(B, 2)->parent, cap_lookup(A, 2));
    assert_int_equal(o->refs, 4);
}

static void cap0008_delegate_to_self(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_PD);
    assert_int_equal(cap_create(A, 8, o, VIREO_OBJ_ALL), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 8, A, 8, 0, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 8, A, 8, 3, 1), VIREO_BAD_PAR);
    assert_int_equal(cap_delegate(A, 0, A, 0, CAP_ORDER_MAX, 1), VIREO_BAD_PAR);
    assert_int_equal(o->refs, 1);
    assert_int_equal(cap_delegate(A, 8, A, 16, 3, VIREO_PD_CREATE_EC), VIREO_SUCCESS);
    struct cap *child = cap_lookup(A, 16);
    assert_non_null(child);
    assert_ptr_equal(child->parent, cap_lookup(A, 8));
    assert_ptr_equal(child->space, A);
    assert_int_equal(child->rights, VIREO_PD_CREATE_EC);
    /* Back into the range it came from: the source slot is taken. */
    assert_int_equal(cap_delegate(A, 16, A, 8, 3, 1), VIREO_BAD_CAP);
    assert_int_equal(cap_delegate(A, 8, A, 16, 3, 1), VIREO_BAD_CAP);
    assert_int_equal(cap_delegate(A, 16, A, 24, 3, 1), VIREO_SUCCESS);
    assert_int_equal(o->refs, 3);
    assert_int_equal(cap_revoke(A, 8, 0, false), VIREO_SUCCESS);
    assert_int_equal(o->refs, 1);
    assert_null(cap_lookup(A, 24));
}

/* A0 -> B0 -> C0 -> A1 -> B1, with side branches A0 -> C5 and B0 -> A7. */
static void build_tree(struct kobj *o)
{
    assert_int_equal(cap_create(A, 0, o, VIREO_OBJ_ALL), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 0, B, 0, 0, VIREO_OBJ_ALL), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 0, C, 5, 0, 0x7), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(B, 0, C, 0, 0, 0xf), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(B, 0, A, 7, 0, 0x3), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(C, 0, A, 1, 0, 0xf), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 1, B, 1, 0, 0xf), VIREO_SUCCESS);
    assert_int_equal(o->refs, 7);
}

static void cap0009_revoke_from_the_middle(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_PT);
    build_tree(o);
    assert_int_equal(cap_revoke(C, 0, 0, false), VIREO_SUCCESS);
    assert_null(cap_lookup(A, 1));
    assert_null(cap_lookup(B, 1));
    assert_null(cap_lookup(C, 0)->child);
    assert_int_equal(o->refs, 5);
    assert_int_equal(cap_revoke(B, 0, 0, true), VIREO_SUCCESS);
    assert_null(cap_lookup(B, 0));
    assert_null(cap_lookup(C, 0));
    assert_null(cap_lookup(A, 7));
    struct cap *root = cap_lookup(A, 0), *side = cap_lookup(C, 5);
    assert_non_null(side);
    assert_ptr_equal(root->child, side);
    assert_null(side->prev);
    assert_null(side->next);
    assert_int_equal(o->refs, 2);
    assert_int_equal(obj_destroyed(o), 0);
    assert_int_equal(violations, 0);
    assert_true(space_consistent(A, NULL) && space_consistent(C, NULL));
}

static void cap0010_revoke_self_or_not(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_SM);
    assert_int_equal(cap_revoke(A, 0, 4, true), VIREO_SUCCESS);     /* empty: no-op */
    assert_int_equal(cap_create(A, 3, o, 1), VIREO_SUCCESS);
    assert_int_equal(cap_revoke(A, 3, 0, false), VIREO_SUCCESS);
    assert_non_null(cap_lookup(A, 3));
    assert_int_equal(o->refs, 1);
    build_tree(new_obj(KOBJ_PD));
    assert_int_equal(cap_revoke(B, 0, 1, false), VIREO_SUCCESS);   /* B0 and B1 */
    assert_non_null(cap_lookup(B, 0));
    assert_null(cap_lookup(B, 1));
    assert_null(cap_lookup(C, 0));
    assert_non_null(cap_lookup(C, 5));
    assert_int_equal(cap_revoke(A, 0, 2, true), VIREO_SUCCESS);    /* A0..A3 */
    for (uint64_t sel = 0; sel < 8; sel++) {
        assert_null(cap_lookup(A, sel));
        assert_null(cap_lookup(B, sel));
        assert_null(cap_lookup(C, sel));
    }
    assert_int_equal(obj_destroyed(o), 1);
    assert_int_equal(obj_destroyed(&pool[1]), 1);
    assert_int_equal(live_pages, 0);
}

static void cap0011_destroyed_with_last_capability(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_EC);
    assert_int_equal(cap_create(A, 0, o, 7), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 0, B, 0, 0, 7), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 0, C, 0, 0, 7), VIREO_SUCCESS);
    assert_int_equal(cap_revoke(C, 0, 0, true), VIREO_SUCCESS);
    assert_int_equal(cap_revoke(A, 0, 0, false), VIREO_SUCCESS);
    assert_int_equal(obj_destroyed(o), 0);
    assert_int_equal(o->refs, 1);
    assert_int_equal(cap_revoke(A, 0, 0, true), VIREO_SUCCESS);
    assert_int_equal(obj_destroyed(o), 1);
    assert_int_equal(o->refs, 0);
    /* A whole tree at once still destroys the object exactly once. */
    struct kobj *t = new_obj(KOBJ_SC);
    build_tree(t);
    assert_int_equal(cap_revoke(A, 0, 0, true), VIREO_SUCCESS);
    assert_int_equal(obj_destroyed(t), 1);
    assert_int_equal(live_pages, 0);
    assert_int_equal(violations, 0);
}

static void cap0012_pages_follow_their_slots(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_SM);
    assert_int_equal(cap_create(A, 0, o, 1), VIREO_SUCCESS);
    assert_int_equal(cap_create(A, CAPS_PER_PAGE - 1, o, 1), VIREO_SUCCESS);
    assert_int_equal(live_pages, 1);
    assert_int_equal(cap_create(A, CAPS_PER_PAGE, o, 1), VIREO_SUCCESS);
    assert_int_equal(live_pages, 2);
    assert_int_equal(cap_revoke(A, 0, 0, true), VIREO_SUCCESS);
    assert_int_equal(live_pages, 2);
    assert_int_equal(cap_revoke(A, CAPS_PER_PAGE - 1, 0, true), VIREO_SUCCESS);
    assert_int_equal(live_pages, 1);
    assert_int_equal(A->page[0], 0);
    assert_int_equal(cap_revoke(A, CAPS_PER_PAGE, 0, true), VIREO_SUCCESS);
    assert_int_equal(live_pages, 0);
    assert_int_equal(obj_destroyed(o), 1);
}

static void cap0013_no_mem_create(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_PT);
    fail_at = allocs;
    assert_int_equal(cap_create(A, 100, o, 1), VIREO_NO_MEM);
    assert_null(cap_lookup(A, 100));
    assert_int_equal(o->refs, 0);
    assert_int_equal(obj_destroyed(o), 0);
    assert_int_equal(live_pages, 0);
    assert_int_equal(cap_create(A, 100, o, 1), VIREO_SUCCESS);
    fail_at = allocs;                   /* same page: no allocation needed */
    assert_int_equal(cap_create(A, 101, o, 1), VIREO_SUCCESS);
    assert_int_equal(o->refs, 2);
}

/* Every other selector of [0, 256) in A: four source pages. */
static struct kobj *sparse_source(void)
{
    struct kobj *o = new_obj(KOBJ_SM);
    for (uint64_t sel = 0; sel < 256; sel += 2)
        assert_int_equal(cap_create(A, sel, o, VIREO_OBJ_ALL), VIREO_SUCCESS);
    return o;
}

static void expect_untouched(struct kobj *o, long pages, unsigned refs)
{
    assert_int_equal(live_pages, pages);
    assert_int_equal(o->refs, refs);
    for (uint64_t sel = 0; sel < 256; sel++) {
        assert_int_equal(!cap_lookup(A, sel), sel & 1);
        assert_null(cap_lookup(A, sel) ? cap_lookup(A, sel)->child : NULL);
    }
}

static void cap0014_no_mem_delegate(void **state)
{
    (void)state;
    struct kobj *o = sparse_source();
    long pages = live_pages;
    for (long fail = 0; fail < 4; fail++) {
        fail_at = allocs + fail;
        assert_int_equal(cap_delegate(A, 0, B, 512, 8, 1), VIREO_NO_MEM);
        expect_untouched(o, pages, 128);
        for (uint32_t p = 0; p < CAP_PAGES; p++)
            assert_int_equal(B->page[p], 0);
    }
    /* A page the destination already had survives the rollback, with its slot. */
    struct kobj *mine = new_obj(KOBJ_PD);
    fail_at = -1;
    assert_int_equal(cap_create(B, 512 + 65, mine, 1), VIREO_SUCCESS);
    pages = live_pages;
    fail_at = allocs + 2;
    assert_int_equal(cap_delegate(A, 0, B, 512, 8, 1), VIREO_NO_MEM);
    expect_untouched(o, pages, 128);
    assert_ptr_equal(cap_lookup(B, 512 + 65)->obj, mine);
    assert_int_equal(cap_delegate(A, 0, B, 512, 8, 1), VIREO_SUCCESS);
    assert_int_equal(live_pages, pages + 3);
    assert_int_equal(o->refs, 256);
}

static void cap0015_destroy_releases_everything(void **state)
{
    (void)state;
    struct kobj *o = sparse_source(), *top = new_obj(KOBJ_EC), *foreign = new_obj(KOBJ_PT);
    assert_int_equal(cap_create(A, CAP_SELECTORS - 1, top, 1), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, 0, B, 0, 8, 1), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(A, CAP_SELECTORS - 1, C, 7, 0, 1), VIREO_SUCCESS);
    assert_int_equal(cap_create(C, 1000, foreign, 1), VIREO_SUCCESS);
    assert_int_equal(cap_delegate(C, 1000, A, 300, 0, 1), VIREO_SUCCESS);
    /* Destroying B takes only B's slots; destroying A takes A's and all derived from them. */
    capspace_destroy(B);
    assert_int_equal(o->refs, 128);
    for (uint32_t p = 0; p < CAP_PAGES; p++)
        assert_int_equal(B->page[p], 0);
    capspace_destroy(A);
    assert_int_equal(obj_destroyed(o), 1);
    assert_int_equal(obj_destroyed(top), 1);
    assert_null(cap_lookup(C, 7));
    assert_int_equal(foreign->refs, 1);
    assert_ptr_equal(cap_lookup(C, 1000)->obj, foreign);
    assert_null(cap_lookup(C, 1000)->child);
    capspace_destroy(C);
    assert_int_equal(live_pages, 0);
    assert_int_equal(obj_destroyed(foreign), 1);
}

static void cap0016_wide_tree(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_SM);
    assert_int_equal(cap_create(A, 0, o, VIREO_OBJ_ALL), VIREO_SUCCESS);
    for (uint64_t sel = 0; sel < 2000; sel++)
        assert_int_equal(cap_delegate(A, 0, B, sel, 0, VIREO_OBJ_ALL), VIREO_SUCCESS);
    for (uint64_t sel = 0; sel < 2000; sel += 3)
        assert_int_equal(cap_delegate(B, sel, C, sel, 0, VIREO_SM_UP), VIREO_SUCCESS);
    assert_int_equal(o->refs, 1 + 2000 + 667);
    assert_int_equal(cap_revoke(B, 999, 0, true), VIREO_SUCCESS);  /* C999 goes too */
    assert_int_equal(cap_revoke(B, 1024, 10, false), VIREO_SUCCESS);
    assert_null(cap_lookup(C, 999));
    assert_null(cap_lookup(C, 1026));
    assert_non_null(cap_lookup(C, 996));
    assert_non_null(cap_lookup(B, 1026));
    assert_int_equal(o->refs, 1 + 1999 + 667 - 1 - 325);
    assert_true(space_consistent(A, NULL) && space_consistent(B, NULL) &&
                space_consistent(C, NULL));
    assert_int_equal(cap_revoke(A, 0, 0, false), VIREO_SUCCESS);
    assert_int_equal(o->refs, 1);
    assert_int_equal(live_pages, 1);
}

/* Capability k of the chain lives in space k % 4 at selector k / 4. */
static void chain_link(uint64_t k)
{
    assert_int_equal(cap_delegate(space[k % 4], k / 4, space[(k + 1) % 4], (k + 1) / 4, 0,
                                  VIREO_OBJ_ALL), VIREO_SUCCESS);
}

struct revoke_call {
    struct capspace *s;
    uint64_t sel;
    bool self;
    int status;
};

static void *revoke_thread(void *arg)
{
    struct revoke_call *r = arg;
    r->status = cap_revoke(r->s, r->sel, 0, r->self);
    return NULL;
}

/* Runs a revoke on a small stack: a recursive walk of a deep chain would overflow it. */
static int revoke_on_small_stack(struct capspace *s, uint64_t sel, bool self)
{
    struct revoke_call r = { s, sel, self, -1 };
    pthread_attr_t attr;
    pthread_t t;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
    assert_int_equal(pthread_create(&t, &attr, revoke_thread, &r), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    return r.status;
}

/*
 * 100,000 delegations, each from the previous one. Two spaces hold only 65,536 slots,
 * so the chain goes round four spaces: A -> B -> C -> D -> A ...
 */
static void cap0017_deep_chain(void **state)
{
    (void)state;
    struct kobj *o = new_obj(KOBJ_PD);
    assert_int_equal(cap_create(A, 0, o, VIREO_OBJ_ALL), VIREO_SUCCESS);
    for (uint64_t k = 0; k < CHAIN; k++)
        chain_link(k);
    assert_int_equal(o->refs, CHAIN + 1);
    deep_check = false;                 /* 100,000 scans of 100,000 slots: too slow */
    assert_int_equal(revoke_on_small_stack(space[(CHAIN / 2) % 4], CHAIN / 2 / 4, false),
                     VIREO_SUCCESS);
    assert_int_equal(o->refs, CHAIN / 2 + 1);
    assert_non_null(cap_lookup(space[(CHAIN / 2) % 4], CHAIN / 2 / 4));
    assert_null(cap_lookup(space[(CHAIN / 2 + 1) % 4], (CHAIN / 2 + 1) / 4));
    for (int i = 0; i < MAX_SPACES; i++)
        assert_true(space_consistent(space[i], NULL));
    assert_int_equal(revoke_on_small_stack(A, 0, true), VIREO_SUCCESS);
    assert_int_equal(o->refs, 0);
    assert_int_equal(obj_destroyed(o), 1);
    assert_int_equal(live_pages, 0);
    assert_int_equal(violations, 0);
}

/*
 * Randomized storm against a reference model: which object and rights each slot holds,
 * its parent, the references of each object, and which pages must exist.
 */
#define NSP 3
#define WIN 1024u
#define STORM_OPS 50000
#define FULL_CHECK_EVERY 500
#define GROWTH_PHASE 5000

struct mslot {
    int obj;                    /* pool index, -1: empty */
    int psp, psel;              /* parent, psp -1: a root */
    uint8_t rights;
};

static struct mslot model[NSP][WIN];
static unsigned mused[NSP][WIN / CAPS_PER_PAGE];
static unsigned mrefs[POOL], mdestroyed[POOL];
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static long storm_status[VIREO_STATUS_COUNT];

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void model_fill(int sp, uint64_t sel, int obj, unsigned rights, int psp, int psel)
{
    model[sp][sel] = (struct mslot){ obj, psp, psel, (uint8_t)rights };
    mused[sp][sel / CAPS_PER_PAGE]++;
    mrefs[obj]++;
}

static void model_clear(int sp, uint64_t sel)
{
    int obj = model[sp][sel].obj;
    model[sp][sel].obj = -1;
    mused[sp][sel / CAPS_PER_PAGE]--;
    if (--mrefs[obj] == 0)
        mdestroyed[obj]++;
}

/* The real slot agrees with the model, down to its parent link. */
static void check_slot(int sp, uint64_t sel)
{
    struct mslot *m = &model[sp][sel];
    struct cap *c = cap_lookup(space[sp], sel);
    if (m->obj < 0) {
        assert_null(c);
        return;
    }
    assert_non_null(c);
    assert_ptr_equal(c->obj, &pool[m->obj]);
    assert_int_equal(c->rights, m->rights);
    assert_ptr_equal(c->parent, m->psp < 0 ? NULL : cap_lookup(space[m->psp], m->psel));
}

static void check_all(void)
{
    long pages = 0;
    for (int sp = 0; sp < NSP; sp++) {
        for (uint64_t sel = 0; sel < WIN; sel++)
            check_slot(sp, sel);
        for (unsigned p = 0; p < WIN / CAPS_PER_PAGE; p++)
            pages += mused[sp][p] != 0;
        assert_true(space_consistent(space[sp], NULL));
    }
    assert_int_equal(live_pages, pages);
    for (unsigned i = 0; i < pool_used; i++) {
        assert_int_equal(pool[i].refs, mrefs[i]);
        assert_int_equal(destroyed[i], mdestroyed[i]);
    }
}

/* A selector: mostly in the window, sometimes beyond the space. */
static uint64_t storm_sel(void)
{
    uint64_t r = rnd() % 100;
    if (r < 2)
        return CAP_SELECTORS + rnd() % 100;
    if (r < 3)
        return 1ull << (32 + rnd() % 32);
    return rnd() % WIN;
}

/* An order and a base: mostly valid and aligned, sometimes misaligned or out of range. */
static void storm_range(unsigned *order, uint64_t *base)
{
    uint64_t r = rnd() % 100;
    *order = r < 60 ? rnd() % 4 : r < 90 ? 4 + rnd() % 3 : r < 97 ? 7 + rnd() % 4
           : CAP_ORDER_MAX + 1 + rnd() % 60;
    *base = *order <= 10 ? rnd() % (WIN >> *order) << *order : 0;
    r = rnd() % 100;
    if (r < 3 && *order > 0 && *order <= 10)
        *base += 1ull << (rnd() % *order);
    else if (r < 5)
        *base = CAP_SELECTORS * (1 + rnd() % 1000);
}

static bool storm_range_ok(unsigned order, uint64_t base)
{
    return order <= CAP_ORDER_MAX && base < WIN && base % (1ull << order) == 0;
}

static void storm_create(int fails)
{
    int sp = (int)(rnd() % NSP);
    uint64_t sel = storm_sel();
    unsigned rights = (unsigned)(rnd() % 0x21);
    int expect = VIREO_SUCCESS;
    if (sel >= WIN || rights > CAP_RIGHTS_ALL)
        expect = VIREO_BAD_PAR;
    else if (model[sp][sel].obj >= 0)
        expect = VIREO_BAD_CAP;
    else if (fails == 0 && !mused[sp][sel / CAPS_PER_PAGE])
        expect = VIREO_NO_MEM;
    pool[pool_used].type = (enum kobj_type)(1 + rnd() % 5);
    assert_int_equal(cap_create(space[sp], sel, &pool[pool_used], rights), expect);
    storm_status[expect]++;
    if (expect != VIREO_SUCCESS)
        return;
    model_fill(sp, sel, (int)pool_used++, rights, -1, -1);
    check_slot(sp, sel);
}

static int storm_delegate_status(int ss, uint64_t sb, int ds, uint64_t db, unsigned order,
                                 unsigned rights, int fails)
{
    if (!storm_range_ok(order, sb) || !storm_range_ok(order, db) || rights > CAP_RIGHTS_ALL ||
        (ss == ds && sb == db))
        return VIREO_BAD_PAR;
    bool need[WIN / CAPS_PER_PAGE] = { false };
    int pages = 0;
    for (uint64_t i = 0; i < 1ull << order; i++) {
        if (model[ss][sb + i].obj < 0)
            continue;
        if (model[ds][db + i].obj >= 0)
            return VIREO_BAD_CAP;
        uint64_t p = (db + i) / CAPS_PER_PAGE;
        if (!mused[ds][p] && !need[p])
            need[p] = true, pages++;
    }
    return fails >= 0 && pages > fails ? VIREO_NO_MEM : VIREO_SUCCESS;
}

static int last_sp, last_sel;           /* the newest delegated capability */

static void storm_delegate(int fails)
{
    int ss = (int)(rnd() % NSP), ds = (int)(rnd() % NSP);
    unsigned order, rights = (unsigned)(rnd() % 0x21);
    uint64_t sb, db;
    storm_range(&order, &sb);
    if (rnd() % 3 == 0)                 /* lengthen a chain */
        ss = last_sp, sb = (uint64_t)last_sel, order = 0;
    db = order <= 10 ? rnd() % (WIN >> order) << order : 0;
    if (rnd() % 50 == 0)
        db = CAP_SELECTORS;
    int expect = storm_delegate_status(ss, sb, ds, db, order, rights, fails);
    assert_int_equal(cap_delegate(space[ss], sb, space[ds], db, order, rights), expect);
    storm_status[expect]++;
    if (expect != VIREO_SUCCESS)
        return;
    last_sp = ds, last_sel = (int)db;
    for (uint64_t i = 0; i < 1ull << order; i++) {
        struct mslot *m = &model[ss][sb + i];
        if (m->obj >= 0)
            model_fill(ds, db + i, m->obj, m->rights & rights, ss, (int)(sb + i));
    }
    for (uint64_t i = 0; i < 1ull << order; i++)
        check_slot(ds, db + i);
}

/* below[sp][sel]: 0 unknown, 1 the slot or an ancestor is in the revoked range, 2 neither. */
static uint8_t below[NSP][WIN];

static uint8_t model_below(int sp, int sel, int rsp, uint64_t base, uint64_t n)
{
    int s = sp, x = sel;
    uint8_t v = 2;
    while (s >= 0) {                    /* find the answer ... */
        if (below[s][x] || (s == rsp && (uint64_t)x - base < n)) {
            v = below[s][x] ? below[s][x] : 1;
            break;
        }
        struct mslot *m = &model[s][x];
        s = m->psp, x = m->psel;
    }
    int end_s = s, end_x = x;
    for (s = sp, x = sel; s >= 0 && !(s == end_s && x == end_x);) {
        below[s][x] = v;                /* ... and remember it on the path */
        struct mslot *m = &model[s][x];
        s = m->psp, x = m->psel;
    }
    if (end_s >= 0)
        below[end_s][end_x] = v;
    return v;
}

static long storm_removed;

/* While `growing`, revokes take single slots, so that trees get deep and wide. */
static void storm_revoke(bool growing)
{
    int rsp = (int)(rnd() % NSP);
    bool self = rnd() & 1;
    unsigned order;
    uint64_t base;
    storm_range(&order, &base);
    if (growing && order <= 10)
        order = 0;
    bool ok = storm_range_ok(order, base);
    assert_int_equal(cap_revoke(space[rsp], base, order, self), ok ? VIREO_SUCCESS : VIREO_BAD_PAR);
    if (!ok)
        return;
    uint64_t n = 1ull << order;
    static bool doomed[NSP][WIN];
    memset(below, 0, sizeof(below));
    for (int sp = 0; sp < NSP; sp++) {
        for (int sel = 0; sel < (int)WIN; sel++) {
            struct mslot *m = &model[sp][sel];
            bool in = sp == rsp && (uint64_t)sel - base < n;
            doomed[sp][sel] = m->obj >= 0 && ((self && in) ||
                              (m->psp >= 0 && model_below(m->psp, m->psel, rsp, base, n) == 1));
        }
    }
    for (int sp = 0; sp < NSP; sp++)
        for (uint64_t sel = 0; sel < WIN; sel++)
            if (doomed[sp][sel])
                model_clear(sp, sel), storm_removed++;
}

static void storm_lookup(void)
{
    int sp = (int)(rnd() % NSP);
    uint64_t sel = storm_sel();
    enum kobj_type type = (enum kobj_type)(rnd() % 6);
    unsigned rights = (unsigned)(rnd() % 0x20);
    struct kobj *want = NULL;
    if (sel >= WIN) {
        assert_null(cap_lookup(space[sp], sel));
    } else {
        check_slot(sp, sel);
        struct mslot *m = &model[sp][sel];
        if (m->obj >= 0 && pool[m->obj].type == type && (m->rights & rights) == rights)
            want = &pool[m->obj];
    }
    assert_ptr_equal(cap_object(space[sp], sel, type, rights), want);
}

static void cap0018_random_storm(void **state)
{
    (void)state;
    deep_check = false;                 /* check_all() runs it every FULL_CHECK_EVERY ops */
    for (int sp = 0; sp < NSP; sp++)
        for (uint64_t sel = 0; sel < WIN; sel++)
            model[sp][sel].obj = -1;
    memset(mused, 0, sizeof(mused));
    memset(mrefs, 0, sizeof(mrefs));
    memset(mdestroyed, 0, sizeof(mdestroyed));
    for (int op = 0; op < STORM_OPS; op++) {
        uint64_t r = rnd() % 100;
        int fails = -1;
        if (r >= 90) {                  /* allocation number `fails` of the next call fails */
            fails = (int)(rnd() % 3);
            fail_at = allocs + fails;
            r = rnd() % 55;
        }
        if (r < 20)
            storm_create(fails);
        else if (r < 55)
            storm_delegate(fails);
        else if (r < 70)
            storm_revoke(op / GROWTH_PHASE % 2 == 0);
        else
            storm_lookup();
        fail_at = -1;
        if (op % FULL_CHECK_EVERY == 0)
            check_all();
    }
    check_all();
    for (int sp = 0; sp < NSP; sp++)
        capspace_destroy(space[sp]);
    assert_int_equal(live_pages, 0);
    for (unsigned i = 0; i < pool_used; i++) {
        assert_int_equal(pool[i].refs, 0);
        assert_int_equal(destroyed[i], 1);
    }
    assert_int_equal(violations, 0);
    print_message("storm: %u objects, %ld pages allocated, %ld caps revoked; create+delegate:"
                  " %ld ok, %ld BAD_CAP, %ld BAD_PAR, %ld NO_MEM\n", pool_used, allocs,
                  storm_removed, storm_status[VIREO_SUCCESS], storm_status[VIREO_BAD_CAP],
                  storm_status[VIREO_BAD_PAR], storm_status[VIREO_NO_MEM]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(cap0001_create_lookup),
        T(cap0002_selector_range),
        T(cap0003_occupied_slot),
        T(cap0004_rights_never_amplified),
        T(cap0005_range_with_holes),
        T(cap0006_bad_ranges),
        T(cap0007_destination_taken),
        T(cap0008_delegate_to_self),
        T(cap0009_revoke_from_the_middle),
        T(cap0010_revoke_self_or_not),
        T(cap0011_destroyed_with_last_capability),
        T(cap0012_pages_follow_their_slots),
        T(cap0013_no_mem_create),
        T(cap0014_no_mem_delegate),
        T(cap0015_destroy_releases_everything),
        T(cap0016_wide_tree),
        T(cap0017_deep_chain),
        T(cap0018_random_storm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
