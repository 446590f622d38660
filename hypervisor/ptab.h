/* SPDX-License-Identifier: MIT */
/* Vireo: 4-level radix page tables, for host paging (SDM Vol. 3A 4.5) and later EPT (28.3). */
#pragma once
#include <stdint.h>

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)     /* leaf at level 2 or 3; same bit in EPT */
#define PTE_G   (1ull << 8)
#define PTE_NX  (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

enum ptab_status { PTAB_OK = 0, PTAB_NOMEM = -1, PTAB_INVAL = -2, PTAB_EXISTS = -3 };

struct ptab_ops {
    uint64_t (*alloc_page)(void *ctx);          /* a zeroed page, physical; 0 if none */
    void *(*phys_to_virt)(void *ctx, uint64_t pa);
    void *ctx;
    uint64_t present_mask;      /* PTE_P for paging, R|W|X (7) for EPT */
    uint64_t table_flags;       /* flags of non-leaf entries */
};

/*
 * Maps [va, va+size) to [pa, pa+size) with leaf `flags`, using the largest page size up
 * to 1 << max_shift (12, 21 or 30) that alignment allows. va, pa and size must be 4 KiB
 * aligned and va canonical (PTAB_INVAL). An existing mapping in the range is PTAB_EXISTS
 * and nothing of the range is changed.
 */
int ptab_map(const struct ptab_ops *ops, uint64_t root, uint64_t va, uint64_t pa,
             uint64_t size, uint64_t flags, unsigned max_shift);
/* Removes leaves in [va, va+size); a large page only partly covered is PTAB_INVAL. */
int ptab_unmap(const struct ptab_ops *ops, uint64_t root, uint64_t va, uint64_t size);
/* Physical address va translates to, or ~0ull; *leaf_flags gets the leaf entry's flags. */
uint64_t ptab_lookup(const struct ptab_ops *ops, uint64_t root, uint64_t va,
                     uint64_t *leaf_flags);
