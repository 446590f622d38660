/* SPDX-License-Identifier: MIT */
/* Vireo: fixed-size object caches; each page keeps its own free list and use count. */
#include "slab.h"
#include "kmem.h"
#include "lib.h"

struct slab_object {
    struct slab_object *next;
};

struct slab_page {
    struct slab_page *next, *prev;  /* on the cache's partial list */
    struct slab_object *free;
    uint32_t used;
};

_Static_assert(sizeof(struct slab_page) <= SLAB_HEADER_SIZE, "slab header too large");

void slab_init(struct slab_cache *c, size_t size)
{
    *c = (struct slab_cache)SLAB_CACHE(size);
}

static struct slab_page *page_new(struct slab_cache *c)
{
    struct slab_page *p = kmem_page_alloc();

    if (!p)
        return NULL;
    for (uint32_t i = c->per_page; i-- > 0;) {
        struct slab_object *o = (void *)((uint8_t *)p + SLAB_HEADER_SIZE + i * c->size);
        o->next = p->free;
        p->free = o;
    }
    DLIST_PUSH(&c->partial, p);
    return p;
}

void *slab_alloc(struct slab_cache *c)
{
    struct slab_page *p = c->partial ? c->partial : page_new(c);

    if (!p)
        return NULL;
    struct slab_object *o = p->free;
    p->free = o->next;
    if (++p->used == c->per_page)
        DLIST_REMOVE(&c->partial, p);
    memset(o, 0, c->size);
    return o;
}

void slab_free(struct slab_cache *c, void *obj)
{
    struct slab_page *p = (void *)ALIGN_DOWN((uintptr_t)obj, SLAB_PAGE_SIZE);
    struct slab_object *o = obj;

    if (p->used-- == c->per_page)
        DLIST_PUSH(&c->partial, p);
    if (p->used == 0) {
        DLIST_REMOVE(&c->partial, p);
        kmem_page_free(p);
        return;
    }
    o->next = p->free;
    p->free = o;
}
