/* SPDX-License-Identifier: MIT */
/* Vireo: fixed-size object caches for kernel objects, carved from kmem pages. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define SLAB_PAGE_SIZE 4096u
#define SLAB_ALIGN 16u
/* Page header, rounded up to SLAB_ALIGN; objects follow it. */
#define SLAB_HEADER_SIZE 32u
/* At least two objects per page: a page that turns empty was on the partial list. */
#define SLAB_MAX_SIZE ((SLAB_PAGE_SIZE - SLAB_HEADER_SIZE) / 2)

struct slab_page;

struct slab_cache {
    size_t size;                /* object size, a multiple of SLAB_ALIGN */
    uint32_t per_page;          /* objects in one page */
    struct slab_page *partial;  /* pages with used and free objects */
};

#define SLAB_ROUND(bytes) (((bytes) + SLAB_ALIGN - 1) / SLAB_ALIGN * SLAB_ALIGN)
/* A static cache of objects of `bytes` bytes (same rules as slab_init). */
#define SLAB_CACHE(bytes)                                                              \
    { .size = SLAB_ROUND(bytes),                                                       \
      .per_page = (uint32_t)((SLAB_PAGE_SIZE - SLAB_HEADER_SIZE) / SLAB_ROUND(bytes)) }

/*
 * `size` must be 1 .. SLAB_MAX_SIZE. It is a compile-time constant at every call, so
 * a wrong one is a programming error, not checked at run time.
 */
void slab_init(struct slab_cache *c, size_t size);
/* A zeroed object aligned to SLAB_ALIGN, or NULL when kmem has no page left. */
void *slab_alloc(struct slab_cache *c);
/* `obj` must come from slab_alloc on `c`; a page left empty goes back to kmem at once. */
void slab_free(struct slab_cache *c, void *obj);
