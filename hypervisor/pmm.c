/* SPDX-License-Identifier: MIT */
/* Vireo: physical memory manager: which RAM is free, and the buddy allocator over it. */
#include "buddy.h"
#include "intr.h"
#include "memmap.h"
#include "memory.h"
#include "paging.h"
#include "pmm.h"
#include "spinlock.h"

#define LOW_MEMORY_END 0x100000ull      /* BIOS data, EBDA, ROMs and the AP trampoline */
#define MAX_RESERVED (MB2_MAX_MODULES + 4)
#define MAX_FREE_RANGES (MB2_MAX_MMAP + MAX_RESERVED)

extern char __image_start[], __image_end[];

static struct buddy allocator;
static struct spinlock allocator_lock;
/* Kept equal to the number of free pages: a spare counter until the HIP's is published. */
static volatile uint64_t spare_free_count;
static volatile uint64_t *published_free = &spare_free_count;

void pmm_publish_free_pages(volatile uint64_t *count)
{
    published_free = count;
    *count = buddy_free_pages(&allocator);
}

uint64_t pmm_ram_limit(const struct mb2_info *mb)
{
    uint64_t limit = 0;
    for (unsigned i = 0; i < mb->mmap_count; i++) {
        const struct mb2_mmap_entry *e = &mb->mmap[i];
        if (e->type == MB2_MEM_AVAILABLE && e->base + e->length > e->base)
            limit = MAX(limit, e->base + e->length);
    }
    return limit;
}

static unsigned reserved_ranges(const struct mb2_info *mb, struct mem_range *r)
{
    unsigned n = 0;
    r[n++] = (struct mem_range){ 0, LOW_MEMORY_END };
    r[n++] = (struct mem_range){ (uint64_t)__image_start, virt_to_phys(__image_end) };
    r[n++] = (struct mem_range){ mb->info_start, mb->info_end };
    for (unsigned i = 0; i < mb->module_count; i++)
        r[n++] = (struct mem_range){ mb->modules[i].start, mb->modules[i].end };
    return n;
}

static bool inside_ram(const struct mb2_info *mb, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < mb->mmap_count; i++) {
        const struct mb2_mmap_entry *e = &mb->mmap[i];
        if (e->type == MB2_MEM_AVAILABLE && start >= e->base && end <= e->base + e->length)
            return true;
    }
    return false;
}

void pmm_check_modules(const struct mb2_info *mb)
{
    uint64_t img_lo = (uint64_t)__image_start, img_hi = virt_to_phys(__image_end);
    for (unsigned i = 0; i < mb->module_count; i++) {
        const struct mb2_module *m = &mb->modules[i];
        const char *why = m->end == m->start ? "is empty"
            : !inside_ram(mb, m->start, m->end) ? "lies outside usable RAM"
            : m->start < img_hi && m->end > img_lo ? "overlaps the hypervisor image" : NULL;
        if (why)
            boot_fail("module %u '%s' at [0x%lx, 0x%lx) %s", i, m->cmdline, m->start, m->end,
                      why);
    }
}

/* The allocator's state array goes into the first free range large enough for it. */
static uint64_t place_state(struct mem_range *free, int n, uint64_t bytes)
{
    for (int i = 0; i < n; i++) {
        if (free[i].end - free[i].start >= bytes) {
            uint64_t pa = free[i].start;
            free[i].start = ALIGN_UP(pa + bytes, PAGE_SIZE);
            return pa;
        }
    }
    return 0;
}

void pmm_init(const struct mb2_info *mb)
{
    struct mem_range reserved[MAX_RESERVED], free[MAX_FREE_RANGES];
    unsigned nres = reserved_ranges(mb, reserved);
    int n = memmap_free_ranges(mb->mmap, mb->mmap_count, reserved, nres, free,
                               MAX_FREE_RANGES);
    if (n <= 0)
        boot_fail("no free RAM left after the hypervisor and its modules");
    uint64_t limit = MIN(free[n - 1].end, paging_physmap_limit());
    uint64_t bytes = ALIGN_UP(buddy_state_bytes(0, limit), PAGE_SIZE);
    uint64_t state = place_state(free, n, bytes);
    if (!state)
        boot_fail("too little RAM for the page allocator's %lu KiB of state", bytes >> 10);
    buddy_init(&allocator, 0, limit, PHYSMAP_BASE, phys_to_virt(state));
    for (int i = 0; i < n; i++)
        if (free[i].start < limit)
            buddy_add_range(&allocator, free[i].start, MIN(free[i].end, limit));
    uint64_t have = buddy_free_pages(&allocator) * PAGE_SIZE;
    if (have < PMM_MIN_FREE_BYTES)
        boot_fail("too little RAM: %lu KiB free after the hypervisor and modules, "
                  "need at least %llu KiB", have >> 10, PMM_MIN_FREE_BYTES >> 10);
}

uint64_t page_alloc(unsigned order)
{
    spin_lock(&allocator_lock);
    uint64_t pa = buddy_alloc(&allocator, order);
    *published_free = buddy_free_pages(&allocator);
    spin_unlock(&allocator_lock);
    return pa;
}

uint64_t page_alloc_zeroed(unsigned order)
{
    uint64_t pa = page_alloc(order);
    if (pa)
        memset(phys_to_virt(pa), 0, PAGE_SIZE << order);
    return pa;
}

void page_free(uint64_t pa, unsigned order)
{
    spin_lock(&allocator_lock);
    bool ok = buddy_free(&allocator, pa, order);
    *published_free = buddy_free_pages(&allocator);
    spin_unlock(&allocator_lock);
    if (!ok)
        panic("page_free(0x%lx, order %u): not an allocated block", pa, order);
}

uint64_t pmm_free_pages(void)
{
    return buddy_free_pages(&allocator);
}
