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
/* A VMM (module line `vmm guest=MODULE mem=MIB`) gets, with its first page: a portal to
   the console server of its own, the guest's RAM and the guest module's pages (read-only),
   at these places; its first call carries words[] = struct vmm_boot, then the guest's
   command line (NUL-terminated): the guest module's, then what follows " -- " on the
   VMM's line. */
#define SERVER_SEL_CONSOLE 17
#define SERVER_SEL_INPUT 18                     /* where a server puts its input semaphore */
#define VMM_GUEST_RAM 0x0000010000000000ull
#define VMM_GUEST_IMAGE 0x0000008000000000ull
struct vmm_boot {
    uint64_t ram_size, image_size, tsc_khz;
    uint64_t event_base;        /* its exception portals (the root pages it in) */
};
