/* SPDX-License-Identifier: MIT */
/* Vireo: kernel pages for objects and tables, from the buddy allocator via the physmap. */
#include "kmem.h"
#include "memory.h"
#include "pmm.h"

void *kmem_page_alloc(void)
{
    uint64_t pa = page_alloc_zeroed(0);
    return pa ? phys_to_virt(pa) : NULL;
}

void kmem_page_free(void *page)
{
    page_free(virt_to_phys(page), 0);
}
