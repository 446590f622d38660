/* SPDX-License-Identifier: MIT */
/* Vireo: the hypervisor's own address space. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Builds the final kernel page tables (W^X image, physmap up to `phys_limit`) and loads
   them. Needs no allocator: early tables come from a static pool. */
void paging_init(uint64_t phys_limit);
/* Highest physical address + 1 reachable through phys_to_virt(). */
uint64_t paging_physmap_limit(void);
/* Maps device registers uncached; returns their virtual address. */
void *paging_map_mmio(uint64_t pa, size_t size);
/* Device registers are mapped from MMIO_BASE up to this address. */
uint64_t paging_mmio_end(void);
/* Identity-maps executable low memory (AP start-up) and removes it again. */
void paging_map_identity(uint64_t pa, size_t size);
void paging_unmap_identity(uint64_t pa, size_t size);
uint64_t paging_kernel_root(void);
/* Maps 4 KiB pages into the page table at `root` (any address space). */
int paging_map_in(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);
int paging_unmap_in(uint64_t root, uint64_t va, uint64_t size);
/* The physical address `va` maps to in `root`, or ~0. */
uint64_t paging_lookup_in(uint64_t root, uint64_t va);
