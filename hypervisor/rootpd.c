/* SPDX-License-Identifier: MIT */
/* Vireo: the root server: the first module, loaded into the first PD with every resource. */
#include "ec.h"
#include "elf.h"
#include "intr.h"
#include "mb2.h"
#include "memory.h"
#include "pd.h"
#include "pmm.h"
#include "ptab.h"
#include "rootpd.h"
#include "capspace.h"
#include "sched.h"
#include <vireo/hypercall.h>
#include <vireo/sel.h>
#include <vireo/status.h>

#define ROOT_UTCB 0x00007ffffffff000ull
#define ROOT_STACK_TOP 0x00007fffffff0000ull
#define ROOT_STACK_PAGES 16
#define IO_PORTS 65536
#define ROOT_PRIO (VIREO_PRIO_MAX / 2)
#define ROOT_QUANTUM_US 10000

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

struct pd *root_pd;

NORETURN void root_start(const struct mb2_info *mb)
{
    if (!mb->module_count)
        boot_fail("no modules: the first module must be the root server");
    const struct mb2_module *m = &mb->modules[0];
    if (!(root_pd = pd_create(m->cmdline)))
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
    pd_allow_io(root_pd, 0, IO_PORTS, true);
    struct ec *ec = ec_create(root_pd, 0, ROOT_UTCB, entry, ROOT_STACK_TOP);
    struct sc *sc = ec ? sc_create(ec, ROOT_PRIO, ROOT_QUANTUM_US) : NULL;
    if (!sc)
        boot_fail("out of memory for the root server's EC");
    ec->global = true;
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
