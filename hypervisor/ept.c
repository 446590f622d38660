/* SPDX-License-Identifier: MIT */
/* Vireo: a VM's guest-physical space: EPT tables mirroring its mapping-database nodes
   (SDM Vol. 3C 29.3). */
#include <vireo/crd.h>
#include <vireo/status.h>
#include "memory.h"
#include "pd.h"
#include "pmm.h"
#include "ptab.h"
#include "sched.h"
#include "vmx.h"

#define EPT_RWX 7ull
#define EPT_MEMTYPE_WB (6ull << 3)
#define GUEST_SPACE_BITS 47         /* what ptab's 4-level walk covers */

static uint64_t ept_alloc(void *ctx)
{
    (void)ctx;
    return page_alloc_zeroed(0);
}

static void *ept_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa);
}

static const struct ptab_ops ept_ops = {
    .alloc_page = ept_alloc,
    .phys_to_virt = ept_virt,
    .present_mask = EPT_RWX,
    .table_flags = EPT_RWX,
};

/* VIREO_MEM_R/W/X are EPT's bits 0-2. Writable or executable without readable is a
   misconfiguration (SDM 29.3.3.1): such pages stay unmapped, and the guest's access
   exits to its VMM. Large pages where the CPU has them and a node's alignment allows:
   a node is unmapped whole, so a large leaf is never split. */
static int ept_map(void *ctx, uint64_t base, uint64_t target, unsigned order, unsigned rights)
{
    struct pd *pd = ctx;
    if (!(rights & VIREO_MEM_R))
        return VIREO_SUCCESS;
    int r = ptab_map(&ept_ops, pd->ept, base << PAGE_SHIFT, target << PAGE_SHIFT,
                     PAGE_SIZE << order, (rights & EPT_RWX) | EPT_MEMTYPE_WB,
                     vmx_caps.ept_1g ? 30 : vmx_caps.ept_2m ? 21 : PAGE_SHIFT);
    return r == PTAB_OK ? VIREO_SUCCESS : r == PTAB_NOMEM ? VIREO_NO_MEM : VIREO_BAD_PAR;
}

static void ept_unmap(void *ctx, uint64_t base, unsigned order)
{
    struct pd *pd = ctx;
    ptab_unmap(&ept_ops, pd->ept, base << PAGE_SHIFT, PAGE_SIZE << order);
    tlb_shootdown();                    /* INVEPT on every CPU */
}

static const struct resspace_ops guest_ops = { ept_map, ept_unmap };

bool ept_create(struct pd *pd)
{
    if (!(pd->ept = page_alloc_zeroed(0)))
        return false;
    resspace_init(&pd->guest, &guest_ops, pd, GUEST_SPACE_BITS - PAGE_SHIFT);
    return true;
}

void ept_destroy(struct pd *pd)
{
    resspace_destroy(&pd->guest);
    free_tables(pd->ept, 4, 0, PAGE_SIZE / sizeof(uint64_t));
    pd->ept = 0;
}
