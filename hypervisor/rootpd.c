/* SPDX-License-Identifier: MIT */
/* Vireo: the root server: the first module, loaded into the first PD with every resource. */
#include "ec.h"
#include "elf.h"
#include "cpu.h"
#include "intr.h"
#include "lapic.h"
#include "mb2.h"
#include "memmap.h"
#include "memory.h"
#include "paging.h"
#include "pd.h"
#include "pmm.h"
#include "buddy.h"
#include "ptab.h"
#include "rootpd.h"
#include "capspace.h"
#include "sched.h"
#include <vireo/crd.h>
#include <vireo/hip.h>
#include <vireo/hypercall.h>
#include <vireo/sel.h>
#include <vireo/status.h>

#define ROOT_UTCB 0x00007ffffffff000ull
#define ROOT_HIP 0x00007fffffffe000ull
#define ROOT_MEM_WINDOW 0x0000100000000000ull
#define KERNEL_SHARE 4                  /* the hypervisor keeps 1/4 of free RAM */
#define ROOT_STACK_TOP 0x00007fffffff0000ull
#define ROOT_STACK_PAGES 16
#define ROOT_PRIO (VIREO_PRIO_MAX / 2)
#define ROOT_QUANTUM_US 10000
#define DEVICE_LIMIT (4 * HUGE_PAGE_SIZE)      /* device memory given: below 4 GiB */
#define WITHHELD_MAX (MB2_MAX_MMAP + 32)        /* RAM entries + the kernel's MMIO pages */

static struct pd *root_pd;

/* Copies one segment into fresh pages, mapped with its permissions (W^X). */
static int load_segment(void *ctx, const struct elf_segment *seg)
{
    const struct mb2_module *m = ctx;
    uint64_t first = ALIGN_DOWN(seg->vaddr, PAGE_SIZE);
    uint64_t end = ALIGN_UP(seg->vaddr + seg->memsz, PAGE_SIZE);
    uint64_t flags = (seg->flags & ELF_PF_W ? PTE_W : 0) | (seg->flags & ELF_PF_X ? 0 : PTE_NX);
    const uint8_t *file = (const uint8_t *)phys_to_virt(m->start) + seg->offset;
    for (uint64_t va = first; va < end; va += PAGE_SIZE) {
        uint64_t pa = page_alloc_zeroed(0);
        if (!pa || pd_map(root_pd, va, pa, PAGE_SIZE, flags))
            return VIREO_NO_MEM;
        /* the file bytes that land in this page, if any */
        uint64_t lo = MAX(va, seg->vaddr), hi = MIN(va + PAGE_SIZE, seg->vaddr + seg->filesz);
        if (lo < hi)
            memcpy((uint8_t *)phys_to_virt(pa) + (lo - va), file + (lo - seg->vaddr), hi - lo);
    }
    return 0;
}

static struct vireo_hip *hip;

/* One naturally aligned block of physical memory into the root's window. */
static void grant(uint64_t pa, unsigned order, unsigned rights)
{
    uint64_t page = pa >> PAGE_SHIFT;
    if (memdb_insert_root(&root_pd->mem, (ROOT_MEM_WINDOW >> PAGE_SHIFT) + page, page, order,
                          rights) != VIREO_SUCCESS)
        boot_fail("out of memory mapping RAM into the root server");
}

static void grant_range(uint64_t start, uint64_t end, unsigned rights)
{
    for (uint64_t pa = start; pa < end;) {
        unsigned order = 0;
        while (order < BUDDY_MAX_ORDER && IS_ALIGNED(pa, PAGE_SIZE << (order + 1)) &&
               pa + (PAGE_SIZE << (order + 1)) <= end)
            order++;
        grant(pa, order, rights);
        pa += PAGE_SIZE << order;
    }
}

/* Free RAM beyond the hypervisor's share goes to the root, in the largest blocks. */
static void grant_free_memory(void)
{
    uint64_t keep = pmm_free_pages() / KERNEL_SHARE;
    for (int order = BUDDY_MAX_ORDER; order >= 0; order--) {
        while (pmm_free_pages() >= keep + (1ull << order)) {
            uint64_t pa = page_alloc((unsigned)order);
            if (!pa)
                break;
            grant(pa, (unsigned)order, VIREO_MEM_ALL);
            if (hip->mem_count && hip->mem[hip->mem_count - 1].start +
                                      hip->mem[hip->mem_count - 1].size == pa)
                hip->mem[hip->mem_count - 1].size += PAGE_SIZE << order;
            else if (hip->mem_count < VIREO_HIP_MEM_RANGES)
                hip->mem[hip->mem_count++] = (typeof(hip->mem[0])){ pa, PAGE_SIZE << order };
        }
    }
}

/* Device memory: every page below 4 GiB with no RAM in it, except the registers the
   hypervisor drives itself (LAPIC, I/O APICs); read-write and uncached. */
static void grant_device_memory(const struct mb2_info *mb)
{
    static struct mem_range withheld[WITHHELD_MAX], dev[WITHHELD_MAX + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < mb->mmap_count; i++)
        if (mb->mmap[i].type == MB2_MEM_AVAILABLE)
            withheld[n++] = (struct mem_range){ mb->mmap[i].base,
                                                mb->mmap[i].base + mb->mmap[i].length };
    for (uint64_t va = MMIO_BASE; va < paging_mmio_end(); va += PAGE_SIZE, n++) {
        if (n == WITHHELD_MAX)
            boot_fail("too many device register pages");
        uint64_t pa = paging_lookup_in(paging_kernel_root(), va);
        withheld[n] = (struct mem_range){ pa, pa + PAGE_SIZE };
    }
    const struct mb2_mmap_entry below_4g = { 0, DEVICE_LIMIT, MB2_MEM_AVAILABLE };
    int count = memmap_free_ranges(&below_4g, 1, withheld, n, dev, WITHHELD_MAX + 1);
    for (int i = 0; i < count; i++)
        grant_range(dev[i].start, dev[i].end, VIREO_MEM_R | VIREO_MEM_W | VIREO_MEM_DEVICE);
}

static void fill_hip(const struct mb2_info *mb)
{
    uint64_t page = page_alloc_zeroed(0);
    if (!page || pd_map(root_pd, ROOT_HIP, page, PAGE_SIZE, PTE_NX))
        boot_fail("out of memory for the hypervisor information page");
    hip = phys_to_virt(page);
    hip->magic = VIREO_HIP_MAGIC;
    hip->cpu_count = cpu_count;
    hip->tsc_khz = tsc_khz;
    hip->mem_window = ROOT_MEM_WINDOW;
    for (unsigned i = 0; i < mb->module_count && i < VIREO_HIP_MODULES; i++) {
        const struct mb2_module *m = &mb->modules[i];
        hip->modules[i].start = m->start;
        hip->modules[i].size = m->end - m->start;
        memcpy(hip->modules[i].cmdline, m->cmdline, VIREO_HIP_CMDLINE - 1);
        grant_range(m->start, ALIGN_UP(m->end, PAGE_SIZE), VIREO_MEM_R | VIREO_MEM_X);
        hip->module_count++;
    }
    grant_device_memory(mb);
    grant_free_memory();
    pmm_publish_free_pages(&hip->kernel_free_pages);
}

NORETURN void root_start(const struct mb2_info *mb)
{
    if (!mb->module_count)
        boot_fail("no modules: the first module must be the root server");
    const struct mb2_module *m = &mb->modules[0];
    if (!(root_pd = pd_create(m->cmdline, false)))
        boot_fail("out of memory creating the root PD");
    uint64_t entry;
    const char *err = elf_load(phys_to_virt(m->start), m->end - m->start, ROOT_STACK_TOP -
                               ROOT_STACK_PAGES * PAGE_SIZE, load_segment, (void *)m, &entry);
    if (err)
        boot_fail("root server '%s': %s", m->cmdline, err);
    for (uint64_t i = 1; i <= ROOT_STACK_PAGES; i++) {
        uint64_t pa = page_alloc_zeroed(0);
        if (!pa || pd_map(root_pd, ROOT_STACK_TOP - i * PAGE_SIZE, pa, PAGE_SIZE,
                          PTE_W | PTE_NX))
            boot_fail("out of memory for the root server's stack");
    }
    if (memdb_insert_root(&root_pd->io, 0, 0, IO_PORT_BITS, VIREO_IO_ACCESS) != VIREO_SUCCESS)
        boot_fail("out of memory for the root server's I/O ports");
    fill_hip(mb);
    struct ec *ec = ec_create(root_pd, 0, ROOT_UTCB, entry, ROOT_STACK_TOP);
    struct sc *sc = ec ? sc_create(ec, ROOT_PRIO, ROOT_QUANTUM_US) : NULL;
    if (!sc)
        boot_fail("out of memory for the root server's EC");
    ec->global = true;
    ec->regs.rsi = ROOT_HIP;
    struct capspace *caps = root_pd->caps;
    if (cap_create(caps, VIREO_SEL_SELF_PD, &root_pd->obj, VIREO_OBJ_ALL) ||
        cap_create(caps, VIREO_SEL_SELF_EC, &ec->obj, VIREO_OBJ_ALL) ||
        cap_create(caps, VIREO_SEL_SELF_SC, &sc->obj, VIREO_OBJ_ALL))
        boot_fail("out of memory for the root server's capabilities");
    kprintf("vireo: starting root server '%s' at 0x%lx\n", m->cmdline, entry);
    kernel_lock();
    sc_ready(sc);
    schedule();
}
