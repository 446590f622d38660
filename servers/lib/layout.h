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
/* A VMM (module line `vmm KEY=VALUE ...`, docs/vmm.md) gets, with its first page: a portal
   to the console server of its own, the guest's RAM at VMM_GUEST_RAM, and each module its
   line names, read-only, in a slot of its own from VMM_MODULE_BASE (at the offset the module
   has within a GiB, so that large pages can map it). Its first call carries words[] =
   struct vmm_boot. */
#define SERVER_SEL_CONSOLE 17
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
    uint64_t module_count;
    struct vmm_module modules[VMM_MODULES_MAX];
    char cmdline[VMM_CMDLINE_MAX];      /* the guest's command line, NUL-terminated */
};
