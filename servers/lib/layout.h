/* SPDX-License-Identifier: MIT */
/* Vireo user environment: where things are in every server's address space. */
#pragma once
#include <stdint.h>

#define SERVER_UTCB 0x00007ffffffff000ull       /* the server's (first) EC */
#define SERVER_STACK_TOP 0x00007fffffff0000ull
#define SERVER_STACK_SIZE 0x10000ull             /* paged in on demand */
#define SERVER_VGA 0x0000000040000000ull        /* the VGA text page, if vga=0xADDR */

/* Console protocol: a call carries words[0] = byte count, then the bytes from words[1].
   Each caller (portal id) has its own line buffer: lines never interleave.
   Input (the client side is servers/lib/console.h); no call ever waits for it:
   words[0] = CONSOLE_ATTACH, words[1..2] = a name for the user (16 bytes): the caller
     takes input from now on. Reply: words[0] = status (BAD_DEV: the console has no
     input; BAD_PAR: no input for this portal id); on success one typed item delegates
     the caller's input semaphore (SM_DOWN) into its receive window (object window,
     order 0). The console ups it whenever input for the caller arrives.
   words[0] = CONSOLE_READ, words[1] = at most this many bytes (0: as many as fit).
     Reply: words[0] = n, words[1] = bytes dropped since the last read (the caller's
     buffer at the console was full), words[2] = bytes still buffered, the n bytes from
     words[3]. */
#define CONSOLE_BYTES_MAX ((VIREO_UTCB_WORDS - 1) * 8)
#define CONSOLE_READ (~0ull)
#define CONSOLE_ATTACH (~1ull)
#define CONSOLE_READ_MAX ((VIREO_UTCB_WORDS - 3) * 8)
#define CONSOLE_NAME 16

/* Every server gets, with its first page, its own PD (VIREO_SEL_SELF_PD, every right) and
   its first, local EC (VIREO_SEL_SELF_EC): threads and portals of its own; each server but
   the console itself also gets a console portal of its own (SERVER_SEL_CONSOLE). */
/* A server's interrupt, if its module line says irq=N: a semaphore the root routes the
   GSI to and delegates here with the server's first page. */
#define SERVER_SEL_IRQ 16
/* A VMM (module line `vmm KEY=VALUE ...`, docs/vmm.md) gets, with its first page, the
   guest's RAM at VMM_GUEST_RAM and each module its line names, read-only, in a slot of its
   own from VMM_MODULE_BASE (at the offset the module has within a GiB, so that large pages
   can map it). Its first call carries words[] = struct vmm_boot. */
#define SERVER_SEL_CONSOLE 17
#define SERVER_SEL_INPUT 18                     /* where a server puts its input semaphore */
#define VMM_GUEST_RAM 0x0000010000000000ull
#define VMM_MODULE_BASE 0x0000008000000000ull
#define VMM_MODULE_SLOT (1ull << 32)            /* module i: from BASE + i * SLOT */
#define VMM_MODULE_OFFSET_MASK ((1ull << 30) - 1)
#define VMM_MODULES_MAX 4
#define VMM_MODULE_KEY 16                       /* "kernel", with its NUL */
#define VMM_CMDLINE_MAX 256
struct vmm_module {
    char key[VMM_MODULE_KEY];   /* the KEY of KEY=MODULE on the VMM's line */
    uint64_t addr, size;        /* where the module is in the VMM, its size in bytes */
};
struct vmm_boot {
    uint64_t ram_size, tsc_khz;
    uint64_t event_base;        /* its exception portals (the root pages it in) */
    uint64_t wall_seconds;      /* the host's CMOS clock, seconds since 1970 (0: unknown) */
    uint64_t wall_tsc;          /* ... as it read just after an update, at this TSC */
    uint64_t module_count;
    struct vmm_module modules[VMM_MODULES_MAX];
    char cmdline[VMM_CMDLINE_MAX];      /* the guest's command line, NUL-terminated */
};
