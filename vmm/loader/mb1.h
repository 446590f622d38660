/* SPDX-License-Identifier: MIT */
/* Vireo VMM: multiboot v1 loader (Multiboot Specification 0.6.96), host-testable. */
#ifndef VIREO_VMM_MB1_H
#define VIREO_VMM_MB1_H

#include <stddef.h>
#include <stdint.h>

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_BOOT_MAGIC 0x2badb002u
#define MB1_SEARCH_BYTES 8192u          /* the header lies in the image's first 8 KiB */
#define MB1_CMDLINE_MAX 4096u           /* bytes, without the terminating NUL */
#define MB1_RAM_MIN (2u << 20)
#define MB1_RAM_MAX 0xc0000000ull       /* RAM is [0, size); MMIO lives above 3 GiB */
#define MB1_HOLE_START 0xa0000u         /* 640 KiB .. 1 MiB: VGA and ROMs, never RAM */
#define MB1_HOLE_END 0x100000u
#define MB1_LOADER_NAME "Vireo"

/* Info block flags (spec 3.3). */
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)
#define MB1_INFO_SIZE 116u

enum mb1_status {
    MB1_OK,
    MB1_ERR_ARGS,               /* a null pointer or a non-zero size without data */
    MB1_ERR_RAM_SIZE,           /* guest RAM below MB1_RAM_MIN or above MB1_RAM_MAX */
    MB1_ERR_NO_HEADER,          /* no 0x1BADB002 in the first 8 KiB */
    MB1_ERR_CHECKSUM,           /* magic + flags + checksum != 0 */
    MB1_ERR_FLAGS,              /* a required feature (flags bits 2-15) it cannot give */
    MB1_ERR_AOUT_KLUDGE,        /* flags bit 16: load addresses in the header, not ELF */
    MB1_ERR_ELF_TRUNCATED,      /* shorter than an ELF32 header */
    MB1_ERR_ELF_MAGIC,
    MB1_ERR_ELF_CLASS,          /* not ELFCLASS32 (an ELF64 image, say) */
    MB1_ERR_ELF_DATA,           /* not little-endian */
    MB1_ERR_ELF_TYPE,           /* not ET_EXEC */
    MB1_ERR_ELF_MACHINE,        /* not EM_386 */
    MB1_ERR_ELF_PHDRS,          /* program header table outside the file, or malformed */
    MB1_ERR_SEG_FILE,           /* a PT_LOAD's file bytes lie outside the file */
    MB1_ERR_SEG_SIZE,           /* a PT_LOAD with filesz > memsz */
    MB1_ERR_SEG_OVERFLOW,       /* paddr + memsz (or vaddr + memsz) past 4 GiB */
    MB1_ERR_SEG_RAM,            /* a PT_LOAD outside guest RAM or in the 640K-1M hole */
    MB1_ERR_SEG_OVERLAP,        /* two PT_LOADs overlap */
    MB1_ERR_NO_LOAD,            /* no PT_LOAD with memory */
    MB1_ERR_ENTRY,              /* the entry point is in no PT_LOAD */
    MB1_ERR_CMDLINE,            /* a command line longer than MB1_CMDLINE_MAX */
    MB1_ERR_MODULE_SIZE,        /* the module does not fit in guest RAM */
    MB1_ERR_NO_ROOM,            /* info block, strings and module do not fit above the image */
    MB1_STATUS_COUNT
};

struct mb1_module {
    const uint8_t *data;
    size_t size;
    const char *cmdline;        /* may be NULL: an empty string */
};

struct mb1_load_args {
    const uint8_t *image;       /* the ELF32 file */
    size_t image_size;
    uint8_t *ram;               /* host view of guest-physical [0, ram_size) */
    uint64_t ram_size;
    const char *cmdline;        /* may be NULL: no MB1_INFO_CMDLINE */
    const struct mb1_module *module;    /* may be NULL: mods_count 0 */
};

/* A segment register as VMX wants it (SDM Vol. 3C 24.4.1: access rights format). */
struct mb1_segment {
    uint16_t selector;
    uint32_t base, limit, access_rights;
};

/* The vCPU state at entry (spec 3.2). ESP is undefined for the guest (it sets its own);
 * GDTR and IDTR are base 0, limit 0 (the guest loads its own before using them). */
struct mb1_boot {
    uint32_t eip, eax, ebx, eflags, cr0;
    struct mb1_segment cs, ds, es, ss, fs, gs;
    uint32_t info_gpa;          /* == ebx */
    uint32_t area_start, area_end;      /* [start, end): info, strings, module */
    uint32_t module_gpa, module_size;
    uint32_t image_end;         /* end of the highest PT_LOAD */
};

enum mb1_status mb1_load(const struct mb1_load_args *args, struct mb1_boot *boot);
const char *mb1_strerror(enum mb1_status status);

#endif
