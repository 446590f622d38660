/* SPDX-License-Identifier: MIT */
/* Vireo: multiboot2 boot information, validated and copied into one self-contained struct. */
#pragma once
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_MAX_MMAP 128
#define MB2_MAX_MODULES 32
#define MB2_CMDLINE_MAX 256
#define MB2_RSDP_MAX 36      /* ACPI 2.0+ RSDP */

enum mb2_mem_type { MB2_MEM_AVAILABLE = 1, MB2_MEM_RESERVED = 2, MB2_MEM_ACPI = 3,
                    MB2_MEM_NVS = 4, MB2_MEM_BAD = 5 };

struct mb2_mmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

struct mb2_module {
    uint64_t start;                 /* physical, end exclusive */
    uint64_t end;
    char cmdline[MB2_CMDLINE_MAX];
};

struct mb2_info {
    uint64_t info_start;            /* physical range of the info block itself */
    uint64_t info_end;
    char cmdline[MB2_CMDLINE_MAX];  /* "" when the loader gave none */
    char loader[64];
    struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
    unsigned mmap_count;
    struct mb2_module modules[MB2_MAX_MODULES];
    unsigned module_count;
    uint8_t rsdp[MB2_RSDP_MAX];     /* copy of the RSDP the loader found */
    unsigned rsdp_len;              /* 0: none given */
};

/*
 * Parses the info block at `info` (accessible through that pointer) whose physical
 * address is `info_pa`. Returns NULL on success, otherwise a static message naming the
 * problem (wrong magic, misaligned block, bad sizes, tag past the end, no or empty
 * memory map, too many entries, string too long, module with end before start ...).
 */
const char *mb2_parse(uint32_t magic, const void *info, uint64_t info_pa, struct mb2_info *out);
