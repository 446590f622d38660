/* SPDX-License-Identifier: MIT */
/* Vireo: free physical memory = usable RAM minus reserved ranges. */
#pragma once
#include <stdint.h>
#include "mb2.h"

struct mem_range {
    uint64_t start;     /* end exclusive */
    uint64_t end;
};

/*
 * Writes to out[] the page-aligned (inward) parts of the MB2_MEM_AVAILABLE entries that
 * overlap none of reserved[]; entries may be unsorted or overlapping (a range that any
 * non-available entry also covers is not free). Result is sorted and merged. Returns the
 * number written, or -1 if more than max_out would be needed.
 */
int memmap_free_ranges(const struct mb2_mmap_entry *map, unsigned count,
                       const struct mem_range *reserved, unsigned nreserved,
                       struct mem_range *out, unsigned max_out);
