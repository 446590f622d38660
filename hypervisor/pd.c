/* SPDX-License-Identifier: MIT */
/* Vireo: protection domains: per-PD page tables sharing the kernel half, and I/O bitmaps. */
#include <vireo/crd.h>
#include <vireo/status.h>
#include "capspace.h"
#include "cpu.h"
#include "intr.h"
#include "kmem.h"
#include "memory.h"
#include "paging.h"
#include "pd.h"
#include "pmm.h"
#include "ptab.h"
#include "sched.h"
#include "slab.h"

/*
 * The TSS area (one PML4 slot, private to each address space) holds, per CPU, a page
 * ending with that CPU's TSS followed by the two pages of the current PD's I/O bitmap
 * (SDM Vol. 1 19.5.2). Switching CR3 therefore switches I/O permissions, with no copy.
 */
#define TSS_AREA_SLOT 510ull
#define TSS_AREA_BASE (0xffff000000000000ull | TSS_AREA_SLOT << 39)
#define IO_BITMAP_BYTES 8192
#define IO_BITMAP_ORDER 1
#define TSS_AREA_STRIDE (3 * PAGE_SIZE)
#define PML4_ENTRIES 512
#define PML4_KERNEL_FIRST 256
#define PAGE_TABLE_LEVELS 4
#define USER_SPACE_BITS 47

static uint64_t tss_pages[MAX_CPUS];
static uint64_t deny_all_bitmap;
static unsigned tss_cpus;

static uint64_t new_io_bitmap(void)
{
    uint64_t pa = page_alloc(IO_BITMAP_ORDER);
    if (pa)
        memset(phys_to_virt(pa), 0xff, IO_BITMAP_BYTES);
    return pa;
}

/* Maps every CPU's TSS page, each followed by `bitmap`; false when out of memory. */
static bool map_tss_area(uint64_t root, uint64_t bitmap)
{
    for (unsigned i = 0; i < tss_cpus; i++) {
        uint64_t va = TSS_AREA_BASE + i * TSS_AREA_STRIDE;
        if (paging_map_in(root, va, tss_pages[i], PAGE_SIZE, PTE_P | PTE_W | PTE_NX) ||
            paging_map_in(root, va + PAGE_SIZE, bitmap, IO_BITMAP_BYTES, PTE_P | PTE_NX))
            return false;
    }
    return true;
}

void pd_init_kernel(unsigned ncpus)
{
    tss_cpus = MIN(ncpus, MAX_CPUS);
    for (unsigned i = 0; i < tss_cpus; i++)
        if (!(tss_pages[i] = page_alloc_zeroed(0)))
            panic("no memory for the TSS of cpu%u", i);
    if (!(deny_all_bitmap = new_io_bitmap()) ||
        !map_tss_area(paging_kernel_root(), deny_all_bitmap))
        panic("no memory for the TSS area");
}

void cpu_move_tss(struct cpu *c)
{
    uint64_t offset = PAGE_SIZE - sizeof(struct tss);
    struct tss *t = (struct tss *)((char *)phys_to_virt(tss_pages[c->id]) + offset);
    *t = c->tss;                /* iomap_base: just past the TSS, where the bitmap is here */
    cpu_set_tss(c, TSS_AREA_BASE + c->id * TSS_AREA_STRIDE + offset,
                sizeof(struct tss) + IO_BITMAP_BYTES - 1);
}

static struct slab_cache pd_cache = SLAB_CACHE(sizeof(struct pd));

/* Frees the page-table pages below `table` (not the pages they map), then `table`. EPT
   tables too: every entry there that maps anything has bit 0 (read) set. */
void free_tables(uint64_t table, unsigned level, unsigned first, unsigned last)
{
    uint64_t *e = phys_to_virt(table);
    for (unsigned i = first; level > 1 && i < last; i++)
        if ((e[i] & PTE_P) && !(e[i] & PTE_PS))
            free_tables(e[i] & PTE_ADDR_MASK, level - 1, 0, PML4_ENTRIES);
    page_free(table, 0);
}

static void pd_free(struct pd *pd)
{
    if (pd->caps)
        kmem_page_free(pd->caps);
    if (pd->root) {     /* the private TSS-area slot, then the user half */
        uint64_t *pml4 = phys_to_virt(pd->root);
        if (pml4[TSS_AREA_SLOT] & PTE_P)
            free_tables(pml4[TSS_AREA_SLOT] & PTE_ADDR_MASK, PAGE_TABLE_LEVELS - 1, 0,
                        PML4_ENTRIES);
        free_tables(pd->root, PAGE_TABLE_LEVELS, 0, PML4_KERNEL_FIRST);
    }
    if (pd->io_bitmap)
        page_free(pd->io_bitmap, IO_BITMAP_ORDER);
    slab_free(&pd_cache, pd);
}

void pd_destroy(struct kobj *o)
{
    struct pd *pd = (struct pd *)o;
    capspace_destroy(pd->caps);
    resspace_destroy(&pd->mem);
    resspace_destroy(&pd->io);
    if (pd->ept)
        ept_destroy(pd);
    pd_free(pd);
}

/* The mapping database mirrors its nodes into the page table and the I/O bitmap. */
static int mem_map(void *ctx, uint64_t base, uint64_t target, unsigned order, unsigned rights)
{
    /* W^X per mapping: a writable mapping never executes, even with the X right (which
       the holder can still pass on, without W). */
    bool exec = (rights & VIREO_MEM_X) && !(rights & VIREO_MEM_W);
    uint64_t flags = (rights & VIREO_MEM_W ? PTE_W : 0) | (exec ? 0 : PTE_NX) |
                     (rights & VIREO_MEM_DEVICE ? PTE_PCD | PTE_PWT : 0);   /* PAT entry 3: UC */
    int r = pd_map(ctx, base << PAGE_SHIFT, target << PAGE_SHIFT, PAGE_SIZE << order, flags);
    return r == PTAB_OK ? VIREO_SUCCESS : r == PTAB_NOMEM ? VIREO_NO_MEM : VIREO_BAD_PAR;
}

static void mem_unmap(void *ctx, uint64_t base, unsigned order)
{
    pd_unmap(ctx, base << PAGE_SHIFT, PAGE_SIZE << order);
}

static void pd_allow_io(struct pd *pd, uint32_t first, uint32_t count, bool allow)
{
    uint8_t *bits = phys_to_virt(pd->io_bitmap);
    for (uint32_t port = first; port < first + count && port < IO_BITMAP_BYTES * 8; port++) {
        uint8_t mask = (uint8_t)(1u << (port % 8));
        bits[port / 8] = allow ? (uint8_t)(bits[port / 8] & ~mask) : (bits[port / 8] | mask);
    }
}

static int io_map(void *ctx, uint64_t base, uint64_t target, unsigned order, unsigned rights)
{
    (void)target;
    pd_allow_io(ctx, (uint32_t)base, 1u << order, rights & VIREO_IO_ACCESS);
    return VIREO_SUCCESS;
}

static void io_unmap(void *ctx, uint64_t base, unsigned order)
{
    pd_allow_io(ctx, (uint32_t)base, 1u << order, false);
}

static const struct resspace_ops mem_ops = { mem_map, mem_unmap };
static const struct resspace_ops io_ops = { io_map, io_unmap };

struct pd *pd_create(const char *name, bool vm)
{
    struct pd *pd = slab_alloc(&pd_cache);
    if (!pd)
        return NULL;
    pd->caps = kmem_page_alloc();
    pd->root = page_alloc_zeroed(0);
    pd->io_bitmap = new_io_bitmap();
    if (!pd->caps || !pd->root || !pd->io_bitmap || !map_tss_area(pd->root, pd->io_bitmap) ||
        (vm && !ept_create(pd))) {
        pd_free(pd);
        return NULL;
    }
    capspace_init(pd->caps);
    resspace_init(&pd->mem, &mem_ops, pd, USER_SPACE_BITS - PAGE_SHIFT);
    resspace_init(&pd->io, &io_ops, pd, IO_PORT_BITS);
    uint64_t *dst = phys_to_virt(pd->root), *src = phys_to_virt(paging_kernel_root());
    for (unsigned i = PML4_KERNEL_FIRST; i < PML4_ENTRIES; i++)
        if (i != TSS_AREA_SLOT)
            dst[i] = src[i];
    pd->obj.type = KOBJ_PD;
    for (unsigned i = 0; name[i] && name[i] != ' ' && i < PD_NAME_MAX - 1; i++)
        pd->name[i] = name[i];
    return pd;
}

int pd_map(struct pd *pd, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
    if (va >= USER_LIMIT || size > USER_LIMIT - va)
        return PTAB_INVAL;
    return paging_map_in(pd->root, va, pa, size, PTE_P | PTE_U | flags);
}

void pd_unmap(struct pd *pd, uint64_t va, uint64_t size)
{
    if (va < USER_LIMIT && size <= USER_LIMIT - va)
        paging_unmap_in(pd->root, va, size);
    tlb_shootdown();
}
