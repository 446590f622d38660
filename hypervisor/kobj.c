/* SPDX-License-Identifier: MIT */
/* Vireo: deferred destruction of kernel objects whose last capability went away. */
#include "intr.h"
#include "kobj.h"
#include "spinlock.h"

typedef void (*kobj_free_fn)(struct kobj *o);

/* One entry per object type, filled in as each type becomes creatable by hypercall. */
static const kobj_free_fn destructors[KOBJ_SM + 1];

static struct spinlock zombie_lock;
static struct kobj *zombies;

void kobj_destroy(struct kobj *o)
{
    spin_lock(&zombie_lock);
    o->zombie_next = zombies;
    zombies = o;
    spin_unlock(&zombie_lock);
}

void kobj_reap(void)
{
    for (;;) {
        spin_lock(&zombie_lock);
        struct kobj *o = zombies;
        if (o)
            zombies = o->zombie_next;
        spin_unlock(&zombie_lock);
        if (!o)
            return;
        if (!destructors[o->type])
            panic("no destructor for kernel object type %u", o->type);
        destructors[o->type](o);
    }
}
