/* SPDX-License-Identifier: MIT */
/* Vireo: kernel pages for objects and tables, from the buddy allocator via the physmap. */
#include "kmem.h"
#include "memory.h"
#include "memdb.h"
#include "pmm.h"
#include "slab.h"

void *kmem_page_alloc(void)
{
    uint64_t pa = page_alloc_zeroed(0);
    return pa ? phys_to_virt(pa) : NULL;
}

void kmem_page_free(void *page)
{
    page_free(virt_to_phys(page), 0);
}

static struct slab_cache memdb_nodes = SLAB_CACHE(sizeof(struct memdb_node));

void *memdb_node_alloc(void) { return slab_alloc(&memdb_nodes); }
void memdb_node_free(void *node) { slab_free(&memdb_nodes, node); }
