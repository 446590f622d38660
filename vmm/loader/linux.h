/* SPDX-License-Identifier: MIT */
/* Vireo VMM: Linux x86 boot protocol loader (Documentation/arch/x86/boot.rst), 32-bit
 * entry; host-testable. */
#ifndef VIREO_VMM_LINUX_H
#define VIREO_VMM_LINUX_H

#include <stddef.h>
#include <stdint.h>

#define LINUX_PROTOCOL_MIN 0x0206u      /* cmdline_size first appears in 2.06 */
#define LINUX_RAM_MIN (2u << 20)
#define LINUX_RAM_MAX 0xc0000000ull     /* RAM is [0, size); MMIO lives above 3 GiB */
#define LINUX_CMDLINE_MAX 4095u         /* our own bound, before the kernel's cmdline_size */

/* Where the loader puts its boot data: in low RAM, which Linux keeps to itself. */
#define LINUX_ZERO_PAGE 0x10000u        /* struct boot_params */
#define LINUX_GDT 0x11000u              /* null, null, __BOOT_CS, __BOOT_DS */
#define LINUX_CMDLINE 0x12000u
#define LINUX_EBDA 0x9f000u             /* e820: reserved from here to 1 MiB */
#define LINUX_HIGH 0x100000u
#define LINUX_BOOT_CS 0x10u
#define LINUX_BOOT_DS 0x18u
#define LINUX_E820_MAX 128u

enum linux_status {
    LINUX_OK,
    LINUX_ERR_ARGS,             /* a null pointer, or an initrd size without data */
    LINUX_ERR_RAM_SIZE,         /* guest RAM below LINUX_RAM_MIN or above LINUX_RAM_MAX */
    LINUX_ERR_TRUNCATED,        /* shorter than the setup header */
    LINUX_ERR_BOOT_FLAG,        /* no 0xAA55 at 0x1fe */
    LINUX_ERR_MAGIC,            /* no "HdrS" at 0x202: not a bzImage */
    LINUX_ERR_PROTOCOL,         /* boot protocol older than 2.06 */
    LINUX_ERR_HEADER_SIZE,      /* setup header shorter than its version needs */
    LINUX_ERR_SETUP_SIZE,       /* setup_sects reach past the end of the image */
    LINUX_ERR_SYSSIZE,          /* syssize is 0 or reaches past the end of the image */
    LINUX_ERR_NOT_BZIMAGE,      /* loadflags lack LOADED_HIGH: a zImage */
    LINUX_ERR_ALIGNMENT,        /* kernel_alignment not a power of two (>= 4 KiB) */
    LINUX_ERR_INIT_SIZE,        /* init_size smaller than the kernel itself */
    LINUX_ERR_KERNEL_RAM,       /* kernel (init_size from its load address) beyond RAM */
    LINUX_ERR_CMDLINE,          /* command line longer than cmdline_size or our bound */
    LINUX_ERR_INITRD_SIZE,      /* initrd larger than RAM */
    LINUX_ERR_INITRD_ROOM,      /* no room for the initrd above the kernel and below
                                   initrd_addr_max */
    LINUX_STATUS_COUNT
};

struct linux_load_args {
    const uint8_t *image;       /* the bzImage file */
    size_t image_size;
    uint8_t *ram;               /* host view of guest-physical [0, ram_size) */
    uint64_t ram_size;
    const char *cmdline;        /* may be NULL: an empty command line */
    const uint8_t *initrd;      /* may be NULL with initrd_size 0: none */
    size_t initrd_size;
};

/* A segment register as VMX wants it (SDM Vol. 3C 24.4.1: access rights format). */
struct linux_segment {
    uint16_t selector;
    uint32_t base, limit, access_rights;
};

/* The vCPU state at the 32-bit entry (boot.rst "32-bit Boot Protocol"): CR0.PE set,
 * paging off, flat segments from the loader's GDT, interrupts off, ESI = zero page and
 * EBP, EDI, EBX zero. */
struct linux_boot {
    uint32_t eip, esi, eflags, cr0;
    struct linux_segment cs, ds, es, ss, fs, gs;
    uint32_t gdt_base, gdt_limit;
    /* What was placed where. */
    uint32_t protocol, xloadflags;
    uint32_t kernel_gpa, kernel_size, init_size;     /* init_size: memory reserved */
    uint32_t initrd_gpa, initrd_size;
    uint32_t zero_page, cmdline_gpa, cmdline_len;
    uint32_t e820_entries;
};

enum linux_status linux_load(const struct linux_load_args *args, struct linux_boot *boot);
const char *linux_strerror(enum linux_status status);

#endif
