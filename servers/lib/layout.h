/* SPDX-License-Identifier: MIT */
/* Vireo user environment: where things are in every server's address space. */
#pragma once
#include <stdint.h>

#define SERVER_UTCB 0x00007ffffffff000ull       /* the server's (first) EC */
#define SERVER_STACK_TOP 0x00007fffffff0000ull
#define SERVER_STACK_SIZE 0x10000ull             /* paged in on demand */

/* Console protocol: a call carries words[0] = byte count, then the bytes from words[1].
   Each caller (portal id) has its own line buffer: lines never interleave.
   words[0] = CONSOLE_READ asks for input instead: the call returns once at least one byte
   has arrived, with words[0] = count and the bytes from words[1]. */
#define CONSOLE_BYTES_MAX ((VIREO_UTCB_WORDS - 1) * 8)
#define CONSOLE_READ (~0ull)

/* A server's interrupt, if its module line says irq=N: a semaphore the root routes the
   GSI to and delegates here with the server's first page. */
#define SERVER_SEL_IRQ 16
/* A VMM (module line `vmm guest=MODULE mem=MIB`) gets, with its first page: a portal to
   the console server of its own, the guest's RAM and the guest module's pages (read-only),
   at these places; its first call carries words[] = struct vmm_boot, then the guest
   module's command line (NUL-terminated). */
#define SERVER_SEL_CONSOLE 17
#define VMM_GUEST_RAM 0x0000010000000000ull
#define VMM_GUEST_IMAGE 0x0000008000000000ull
struct vmm_boot {
    uint64_t ram_size, image_size, tsc_khz;
    uint64_t event_base;        /* its exception portals (the root pages it in) */
    uint64_t wall_seconds;      /* the host's CMOS clock, seconds since 1970 (0: unknown) */
    uint64_t wall_tsc;          /* ... as it read just after an update, at this TSC */
};
