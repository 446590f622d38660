/* SPDX-License-Identifier: MIT */
/* Vireo: the physical page allocator over free RAM. */
#pragma once
#include <stdint.h>
#include "mb2.h"

/* Minimum free RAM the hypervisor insists on at boot. */
#define PMM_MIN_FREE_BYTES (16ull << 20)

/* Highest end of usable RAM in the map. */
uint64_t pmm_ram_limit(const struct mb2_info *mb);
/* Checks the modules against RAM and the image; stops the machine naming a bad one. */
void pmm_check_modules(const struct mb2_info *mb);
/* Frees all RAM except low memory, the image, the boot information and the modules.
   Stops the machine with a clear message when too little remains. */
void pmm_init(const struct mb2_info *mb);
/* A physical address, or 0 if none (also before pmm_init). */
uint64_t page_alloc(unsigned order);
uint64_t page_alloc_zeroed(unsigned order);
void page_free(uint64_t pa, unsigned order);
uint64_t pmm_free_pages(void);
/* Keeps *count equal to the number of free pages from now on (the HIP shows it). */
void pmm_publish_free_pages(volatile uint64_t *count);
