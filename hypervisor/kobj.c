/* SPDX-License-Identifier: MIT */
/* Vireo: deferred destruction of kernel objects whose last capability went away. */
#include "ec.h"
#include "intr.h"
#include "pd.h"
#include "pt.h"
#include "sched.h"
#include "sm.h"
#include "kobj.h"
#include "spinlock.h"

typedef void (*kobj_free_fn)(struct kobj *o);

static const kobj_free_fn destructors[KOBJ_SM + 1] = {
    [KOBJ_PD] = pd_destroy, [KOBJ_EC] = ec_destroy, [KOBJ_SC] = sc_destroy,
    [KOBJ_PT] = pt_destroy, [KOBJ_SM] = sm_destroy,
};

static struct spinlock zombie_lock;
struct kobj *kobj_zombies;

void kobj_destroy(struct kobj *o)
{
    spin_lock(&zombie_lock);
    o->zombie_next = kobj_zombies;
    kobj_zombies = o;
    spin_unlock(&zombie_lock);
}

void kobj_reap(void)
{
    for (;;) {
        spin_lock(&zombie_lock);
        struct kobj *o = kobj_zombies;
        if (o)
            kobj_zombies = o->zombie_next;
        spin_unlock(&zombie_lock);
        if (!o)
            return;
        if (!destructors[o->type])
            panic("no destructor for kernel object type %u", o->type);
        destructors[o->type](o);
    }
}
