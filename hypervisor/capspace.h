/* SPDX-License-Identifier: MIT */
/* Vireo: object spaces (capabilities by selector) and the derivation tree linking them. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <vireo/status.h>
#include "kobj.h"
#include "lib.h"

#define CAP_SELECTOR_BITS 15
#define CAP_SELECTORS (1u << CAP_SELECTOR_BITS)
#define CAP_ORDER_MAX CAP_SELECTOR_BITS
#define CAP_RIGHTS_ALL VIREO_OBJ_ALL
/* A slot is one cache line; slot pages are kmem pages, allocated on first use. */
#define CAP_SLOT_SIZE 64u
#define CAPS_PER_PAGE (4096u / CAP_SLOT_SIZE)
#define CAP_PAGES (CAP_SELECTORS / CAPS_PER_PAGE)

/*
 * One slot. The derivation tree (mapping database) links every capability to the one it
 * was delegated from and to its own children, across spaces: revoke follows it.
 */
struct cap {
    _Alignas(CAP_SLOT_SIZE) struct kobj *obj;   /* NULL: the slot is empty */
    struct capspace *space;
    struct cap *parent, *child, *next, *prev;   /* child: first; next/prev: siblings */
    uint32_t sel;
    uint8_t rights;
};

/*
 * One page exactly, so a PD can take it from kmem. Each entry is a slot page's address
 * (4 KiB aligned) with the count of full slots in that page in its low bits; an entry is
 * 0 exactly when the page is absent, and a page goes back as its last slot empties.
 */
struct capspace {
    uintptr_t page[CAP_PAGES];
};

#define CAP_USED_MASK ((uintptr_t)4095)

_Static_assert(sizeof(struct cap) == CAP_SLOT_SIZE, "capability slot size");
_Static_assert(sizeof(struct capspace) == 4096, "object space is one page");
_Static_assert(CAPS_PER_PAGE <= CAP_USED_MASK, "slot count overflows into the address");

/*
 * Removing a capability unlinks it from its slot and the tree first, then kobj_put()s
 * its object. Contract with kobj_destroy(): it must not enter this module (the kernel
 * defers real destruction until the hypercall ends), so no tree walk is ever re-entered.
 * Calls that change state check everything first; on failure nothing has changed.
 */
void capspace_init(struct capspace *s);
/* Revokes every capability in `s` with everything derived from it; frees its pages. */
void capspace_destroy(struct capspace *s);
/* The capability at `sel`, or NULL when out of range or empty. Inline: the IPC path. */
static ALWAYS_INLINE struct cap *cap_lookup(struct capspace *s, uint64_t sel)
{
    uintptr_t page = sel < CAP_SELECTORS ? s->page[sel / CAPS_PER_PAGE] : 0;
    if (!page)
        return NULL;
    struct cap *c = (struct cap *)(page & ~CAP_USED_MASK) + sel % CAPS_PER_PAGE;
    return c->obj ? c : NULL;
}
/* The object at `sel` if it has `type` and all of `rights`, else NULL. */
static ALWAYS_INLINE struct kobj *cap_object(struct capspace *s, uint64_t sel, enum kobj_type type,
                                      unsigned rights)
{
    struct cap *c = cap_lookup(s, sel);
    if (!c || c->obj->type != type || (c->rights & rights) != rights)
        return NULL;
    return c->obj;
}
/* The first capability of a new object (a root of the tree); takes a reference. */
enum vireo_status cap_create(struct capspace *s, uint64_t sel, struct kobj *obj, unsigned rights);
/*
 * For each of the 2^order slots at src_base that holds a capability, a child of it
 * with (its rights & rights) at the same offset from dst_base. Empty source slots are
 * skipped. BAD_PAR: bad order or rights, a base out of range or not aligned to 2^order,
 * or the same slots as source and destination; BAD_CAP: a destination slot is taken.
 */
enum vireo_status cap_delegate(struct capspace *src, uint64_t src_base, struct capspace *dst,
                               uint64_t dst_base, unsigned order, unsigned rights);
/* Removes all that was derived from each capability in the range, and it too if `self`. */
enum vireo_status cap_revoke(struct capspace *s, uint64_t base, unsigned order, bool self);
