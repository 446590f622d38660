/* SPDX-License-Identifier: MIT */
/* Vireo ABI: the hypervisor information page, mapped read-only into the root server. */
#pragma once
#include <stdint.h>

#define VIREO_HIP_MAGIC 0x50494856u         /* "VHIP" */
#define VIREO_HIP_MODULES 16
#define VIREO_HIP_MEM_RANGES 48
#define VIREO_HIP_CMDLINE 184

/*
 * The root server starts with RSI = the HIP's address. Memory it holds appears in its
 * address space (and as memory capabilities) at mem_window + physical address; modules
 * are mapped there read-only (and may be passed on executable), free RAM read-write.
 * Device memory is there too: every page below 4 GiB that holds no RAM by the multiboot2
 * memory map (the legacy VGA/ROM window 0xa0000-0xfffff, MMIO holes, firmware-reserved
 * ranges), except the LAPIC and I/O APIC pages the hypervisor drives; read-write, never
 * executable, uncached, with VIREO_MEM_DEVICE in its rights (lookup shows it). The root
 * also holds every I/O port.
 */
struct vireo_hip {
    uint32_t magic;
    uint32_t cpu_count;
    uint64_t tsc_khz;
    uint64_t mem_window;
    volatile uint64_t kernel_free_pages;    /* the hypervisor's own free pages, live */
    uint32_t module_count;
    uint32_t mem_count;
    struct { uint64_t start, size; char cmdline[VIREO_HIP_CMDLINE]; } modules[VIREO_HIP_MODULES];
    struct { uint64_t start, size; } mem[VIREO_HIP_MEM_RANGES];    /* free RAM given */
};

_Static_assert(sizeof(struct vireo_hip) <= 4096, "the HIP is one page");
