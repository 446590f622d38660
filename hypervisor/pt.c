/* SPDX-License-Identifier: MIT */
/* Vireo: portals. */
#include "ec.h"
#include "pt.h"
#include "slab.h"

static struct slab_cache pt_cache = SLAB_CACHE(sizeof(struct pt));

struct pt *pt_create(struct ec *ec, uint64_t mtd, uint64_t ip)
{
    struct pt *pt = slab_alloc(&pt_cache);
    if (!pt)
        return NULL;
    *pt = (struct pt){ .obj.type = KOBJ_PT, .ec = ec, .ip = ip, .mtd = mtd };
    kobj_get(&ec->obj);
    return pt;
}

void pt_destroy(struct kobj *o)
{
    struct pt *pt = (struct pt *)o;
    kobj_put(&pt->ec->obj);
    slab_free(&pt_cache, pt);
}
