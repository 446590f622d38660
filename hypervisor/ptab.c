/* SPDX-License-Identifier: MIT */
/* Vireo: 4-level radix page tables, for host paging (SDM Vol. 3A 4.5) and later EPT (28.3). */
#include "ptab.h"
#include "lib.h"

/*
 * Levels are numbered as the SDM's tables: 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT. Each
 * level translates 9 bits of the address, starting at bit 12 (SDM Vol. 3A 4.5.4).
 * The same bits mean the same in EPT (SDM Vol. 3C 29.3.2): address in 12..51, PS (bit 7)
 * marks a 1 GiB leaf at level 3 or a 2 MiB leaf at level 2. Only "present" differs,
 * hence ops->present_mask. TLB and EPT caches are the caller's to invalidate.
 */

#define PTAB_LEVELS 4
#define PTAB_INDEX_BITS 9
#define PTAB_INDEX_MASK ((1ull << PTAB_INDEX_BITS) - 1)
#define PTAB_PAGE_SHIFT 12
#define PTAB_LARGEST_LEAF 3     /* 1 GiB pages; a PS bit in a PML4E is reserved */
#define PTAB_VA_BITS 48         /* 4-level paging, SDM Vol. 3A 4.5.1 */
#define PTAB_PA_BITS 52         /* MAXPHYADDR is at most 52, SDM Vol. 3A 4.1.4 */
#define PTAB_PA_LIMIT (1ull << PTAB_PA_BITS)

static unsigned level_shift(unsigned level)
{
    return PTAB_PAGE_SHIFT + PTAB_INDEX_BITS * (level - 1);
}

static uint64_t level_size(unsigned level)
{
    return 1ull << level_shift(level);
}

static unsigned level_index(uint64_t va, unsigned level)
{
    return (unsigned)((va >> level_shift(level)) & PTAB_INDEX_MASK);
}

static bool present(const struct ptab_ops *ops, uint64_t e)
{
    return (e & ops->present_mask) != 0;
}

static uint64_t *table_at(const struct ptab_ops *ops, uint64_t pa)
{
    return ops->phys_to_virt(ops->ctx, pa & PTE_ADDR_MASK);
}

/* SDM Vol. 3A 4.5.1: bits 63..47 all equal. */
static bool canonical(uint64_t va)
{
    uint64_t top = va >> (PTAB_VA_BITS - 1);

    return top == 0 || top == (~0ull >> (PTAB_VA_BITS - 1));
}

/* A 4 KiB aligned, non-empty, canonical range that does not straddle the hole. */
static bool range_ok(uint64_t va, uint64_t size)
{
    uint64_t last = va + size - 1;

    return size != 0 && IS_ALIGNED(va | size, 1ull << PTAB_PAGE_SHIFT) && last >= va &&
           canonical(va) && canonical(last) &&
           (va >> (PTAB_VA_BITS - 1)) == (last >> (PTAB_VA_BITS - 1));
}

/*
 * The entry that maps va: the first one on the way down that is a leaf or not present.
 * *level receives its level.
 */
static uint64_t *walk(const struct ptab_ops *ops, uint64_t root, uint64_t va,
                      unsigned *level)
{
    uint64_t *table = table_at(ops, root);

    for (unsigned lvl = PTAB_LEVELS;; lvl--) {
        uint64_t *e = &table[level_index(va, lvl)];
        if (!present(ops, *e) || lvl == 1 || (lvl <= PTAB_LARGEST_LEAF && (*e & PTE_PS))) {
            *level = lvl;
            return e;
        }
        table = table_at(ops, *e);
    }
}

enum leaf_walk { ANY_LEAF, PARTIAL_LEAF, CLEAR_LEAVES };

/*
 * Visits the leaves in [va, last], skipping holes at the size of the non-present entry:
 * whether one is there (ANY_LEAF) or one reaches outside the range (PARTIAL_LEAF), or
 * clears them all (CLEAR_LEAVES: callers have checked that none reaches outside).
 */
static bool walk_leaves(const struct ptab_ops *ops, uint64_t root, uint64_t va,
                        uint64_t last, enum leaf_walk how)
{
    for (uint64_t cur = va;;) {
        unsigned lvl;
        uint64_t *e = walk(ops, root, cur, &lvl);
        /* The entry's region; its last address is inclusive, so nothing overflows. */
        uint64_t start = ALIGN_DOWN(cur, level_size(lvl)), end = start + (level_size(lvl) - 1);
        if (present(ops, *e) && how == CLEAR_LEAVES)
            *e = 0;
        else if (present(ops, *e) && (how == ANY_LEAF || start < va || end > last))
            return true;
        if (end >= last)
            return false;
        cur = end + 1;
    }
}

/* Largest leaf level whose page size max_shift, alignment and `remaining` allow. */
static unsigned leaf_level(uint64_t va, uint64_t pa, uint64_t remaining, unsigned max_shift)
{
    for (unsigned lvl = PTAB_LARGEST_LEAF; lvl > 1; lvl--) {
        uint64_t size = level_size(lvl);
        if (level_shift(lvl) <= max_shift && IS_ALIGNED(va | pa, size) && remaining >= size)
            return lvl;
    }
    return 1;
}

/*
 * The empty slot for a leaf mapping va at `*level`, allocating tables on the way. An
 * existing (empty) table where the leaf would go is descended into rather than
 * overwritten, so its page is not leaked; *level then shrinks. NULL if out of memory.
 * ptab_map's pre-check guarantees that no leaf lies on the way.
 */
static uint64_t *leaf_slot(const struct ptab_ops *ops, uint64_t root, uint64_t va,
                           unsigned *level, uint64_t tflags)
{
    uint64_t *table = table_at(ops, root);

    for (unsigned lvl = PTAB_LEVELS;; lvl--) {
        uint64_t *e = &table[level_index(va, lvl)];
        if (lvl <= *level && !present(ops, *e)) {
            *level = lvl;
            return e;
        }
        if (present(ops, *e)) {
            *e |= tflags & ~ops->table_flags;   /* a user leaf below an existing table */
        } else {
            uint64_t pa = ops->alloc_page(ops->ctx);
            if (pa == 0)
                return NULL;
            *e = pa | tflags;
        }
        table = table_at(ops, *e);
    }
}

static bool map_args_ok(const struct ptab_ops *ops, uint64_t va, uint64_t pa, uint64_t size,
                        uint64_t flags, unsigned max_shift)
{
    if (!range_ok(va, size) || !IS_ALIGNED(pa, 1ull << PTAB_PAGE_SHIFT) ||
        pa >= PTAB_PA_LIMIT || size > PTAB_PA_LIMIT - pa)
        return false;
    if (max_shift != level_shift(1) && max_shift != level_shift(2) &&
        max_shift != level_shift(PTAB_LARGEST_LEAF))
        return false;
    /* PS is chosen here; address bits would corrupt the entry; a leaf must be present. */
    return !(flags & (PTE_ADDR_MASK | PTE_PS)) && present(ops, flags);
}

/*
 * Checks everything, then maps. If a table allocation fails, the leaves this call wrote
 * are cleared again, so PTAB_NOMEM leaves the range unmapped as it was; tables allocated
 * meanwhile stay linked (empty) and serve the next attempt.
 */
int ptab_map(const struct ptab_ops *ops, uint64_t root, uint64_t va, uint64_t pa,
             uint64_t size, uint64_t flags, unsigned max_shift)
{
    if (!map_args_ok(ops, va, pa, size, flags, max_shift))
        return PTAB_INVAL;
    if (walk_leaves(ops, root, va, va + size - 1, ANY_LEAF))
        return PTAB_EXISTS;

    /*
     * For host paging a user page needs U/S set at every level (SDM Vol. 3A 4.6.1); in
     * EPT, bit 2 is execute access and table_flags already grants it: nothing is added.
     */
    uint64_t tflags = ops->table_flags | (ops->present_mask == PTE_P ? flags & PTE_U : 0);
    for (uint64_t done = 0; done < size;) {
        unsigned lvl = leaf_level(va + done, pa + done, size - done, max_shift);
        uint64_t *e = leaf_slot(ops, root, va + done, &lvl, tflags);
        if (!e) {
            if (done)
                walk_leaves(ops, root, va, va + done - 1, CLEAR_LEAVES);
            return PTAB_NOMEM;
        }
        *e = (pa + done) | flags | (lvl > 1 ? PTE_PS : 0);
        done += level_size(lvl);
    }
    return PTAB_OK;
}

/* Page tables emptied here are kept; they are reused by later mappings. */
int ptab_unmap(const struct ptab_ops *ops, uint64_t root, uint64_t va, uint64_t size)
{
    if (!range_ok(va, size) || walk_leaves(ops, root, va, va + size - 1, PARTIAL_LEAF))
        return PTAB_INVAL;
    walk_leaves(ops, root, va, va + size - 1, CLEAR_LEAVES);
    return PTAB_OK;
}

uint64_t ptab_lookup(const struct ptab_ops *ops, uint64_t root, uint64_t va,
                     uint64_t *leaf_flags)
{
    unsigned lvl;
    uint64_t *e = canonical(va) ? walk(ops, root, va, &lvl) : NULL;
    bool mapped = e && present(ops, *e);

    if (leaf_flags)
        *leaf_flags = mapped ? *e & ~PTE_ADDR_MASK : 0;
    if (!mapped)
        return ~0ull;
    uint64_t offset_mask = level_size(lvl) - 1;
    /* A large leaf's low address bits hold its PAT bit (SDM Vol. 3A Table 4-17). */
    return (*e & PTE_ADDR_MASK & ~offset_mask) | (va & offset_mask);
}
