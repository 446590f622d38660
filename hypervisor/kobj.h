/* SPDX-License-Identifier: MIT */
/* Vireo: what every kernel object shares: a type and a count of capabilities naming it. */
#pragma once
#include <stdint.h>
#include <vireo/crd.h>

enum kobj_type {
    KOBJ_NONE = VIREO_OBJ_NONE,
    KOBJ_PD = VIREO_OBJ_PD,
    KOBJ_EC = VIREO_OBJ_EC,
    KOBJ_SC = VIREO_OBJ_SC,
    KOBJ_PT = VIREO_OBJ_PT,
    KOBJ_SM = VIREO_OBJ_SM,
};

struct kobj {
    enum kobj_type type;
    uint32_t refs;              /* capabilities (and kernel references) naming it */
    struct kobj *zombie_next;   /* on the reap list once refs reached 0 */
};

/* Drops one reference; the last one calls kobj_destroy(). */
void kobj_put(struct kobj *o);
static inline void kobj_get(struct kobj *o) { o->refs++; }
/* Queues the object for destruction once the current operation is over, so that freeing
   never runs inside a capability-space walk. Host tests provide their own. */
void kobj_destroy(struct kobj *o);
/* Frees every queued object (per type); called where no capability walk is in progress. */
void kobj_reap(void);
extern struct kobj *kobj_zombies;
static inline void kobj_reap_any(void)
{
    if (__atomic_load_n(&kobj_zombies, __ATOMIC_RELAXED))
        kobj_reap();
}
