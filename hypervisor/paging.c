/* SPDX-License-Identifier: MIT */
/* Vireo: kernel page tables: image W^X in the top 2 GiB, all RAM at PHYSMAP_BASE, MMIO. */
#include "intr.h"
#include "memory.h"
#include "paging.h"
#include "pmm.h"
#include "ptab.h"
#include "x86.h"

#define BOOT_POOL_PAGES 48
#define CPUID_EXT_1G_PAGES (1u << 26)
#define PAGE_SHIFT_1G 30
#define PAGE_SHIFT_2M 21

extern char __image_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __image_end[];

static uint8_t root_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t boot_pool[BOOT_POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned boot_pool_used;
static uint64_t physmap_limit;
static uint64_t mmio_next = MMIO_BASE;

/* Before paging_init the image is reached through the boot tables at KERNEL_VMA. */
static void *table_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return physmap_limit ? phys_to_virt(pa) : (void *)(uintptr_t)(pa + KERNEL_VMA);
}

static uint64_t table_alloc(void *ctx)
{
    (void)ctx;
    if (boot_pool_used < BOOT_POOL_PAGES)
        return virt_to_phys(boot_pool[boot_pool_used++]);
    return pmm_ready() ? page_alloc_zeroed(0) : 0;
}

static const struct ptab_ops kernel_ops = {
    .alloc_page = table_alloc,
    .phys_to_virt = table_virt,
    .present_mask = PTE_P,
    .table_flags = PTE_P | PTE_W,
};

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags,
                         unsigned shift)
{
    int r = ptab_map(&kernel_ops, virt_to_phys(root_page), va, pa, size, flags, shift);
    if (r != PTAB_OK)
        panic("cannot map %lx+%lx at %lx: error %d", pa, size, va, r);
}

static void map_image_part(const char *start, const char *end, uint64_t flags)
{
    uint64_t va = (uint64_t)start;
    map_or_panic(va, va - KERNEL_VMA, ALIGN_UP((uint64_t)end, PAGE_SIZE) - va, flags, PAGE_SHIFT);
}

void paging_init(uint64_t phys_limit)
{
    bool huge = cpuid(0x80000001, 0).edx & CPUID_EXT_1G_PAGES;
    uint64_t limit = ALIGN_UP(MAX(phys_limit, 4 * HUGE_PAGE_SIZE), HUGE_PAGE_SIZE);
    if (!huge)      /* 2 MiB pages cost one table per GiB: stay within the static pool */
        limit = MIN(limit, (BOOT_POOL_PAGES - 16) * HUGE_PAGE_SIZE);
    map_image_part(__text_start, __text_end, PTE_P | PTE_G);
    map_image_part(__rodata_start, __rodata_end, PTE_P | PTE_G | PTE_NX);
    map_image_part(__data_start, __image_end, PTE_P | PTE_W | PTE_G | PTE_NX);
    map_or_panic(PHYSMAP_BASE, 0, limit, PTE_P | PTE_W | PTE_G | PTE_NX,
                 huge ? PAGE_SHIFT_1G : PAGE_SHIFT_2M);
    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(virt_to_phys(root_page));
    physmap_limit = limit;
}

uint64_t paging_physmap_limit(void) { return physmap_limit; }
uint64_t paging_kernel_root(void) { return virt_to_phys(root_page); }
uint64_t paging_mmio_end(void) { return mmio_next; }

void *paging_map_mmio(uint64_t pa, size_t size)
{
    uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);
    uint64_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
    uint64_t va = mmio_next;
    map_or_panic(va, base, len, PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | PTE_NX, PAGE_SHIFT);
    mmio_next += len;
    return (void *)(uintptr_t)(va + (pa - base));
}

void paging_map_identity(uint64_t pa, size_t size)
{
    map_or_panic(pa, pa, size, PTE_P, PAGE_SHIFT);
}

void paging_unmap_identity(uint64_t pa, size_t size)
{
    if (ptab_unmap(&kernel_ops, virt_to_phys(root_page), pa, size) != PTAB_OK)
        panic("cannot unmap identity range %lx+%lx", pa, (uint64_t)size);
    for (uint64_t va = pa; va < pa + size; va += PAGE_SIZE)
        invlpg(va);
}

int paging_map_in(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
    return ptab_map(&kernel_ops, root, va, pa, size, flags, PAGE_SHIFT);
}

int paging_unmap_in(uint64_t root, uint64_t va, uint64_t size)
{
    return ptab_unmap(&kernel_ops, root, va, size);
}

uint64_t paging_lookup_in(uint64_t root, uint64_t va)
{
    return ptab_lookup(&kernel_ops, root, va, NULL);
}
