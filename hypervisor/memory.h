/* SPDX-License-Identifier: MIT */
/* Vireo: the hypervisor's virtual address layout. */
#pragma once
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define HUGE_PAGE_SIZE (1ull << 30)

/* Top 2 GiB: the hypervisor image, as -mcmodel=kernel requires. */
#define KERNEL_VMA 0xffffffff80000000ull
/* All physical memory, mapped read-write and non-executable. */
#define PHYSMAP_BASE 0xffff800000000000ull
/* Device registers (LAPIC, IOAPIC), mapped uncached, one page each. */
#define MMIO_BASE 0xffffffffc0000000ull

static inline void *phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)(pa + PHYSMAP_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
    uintptr_t v = (uintptr_t)va;
    return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PHYSMAP_BASE;
}
