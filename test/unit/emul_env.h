/* SPDX-License-Identifier: MIT */
/* Vireo: a guest for the emulator's host tests: RAM, a logged MMIO space, vCPU modes. */
#ifndef VIREO_TEST_EMUL_ENV_H
#define VIREO_TEST_EMUL_ENV_H

#include <stdbool.h>
#include <stdint.h>
#include "emul.h"

/* RAM is [0, ENV_RAM_SIZE) but for the VGA hole [0xa0000, 0xc0000); the rest is MMIO. */
#define ENV_RAM_SIZE (4u << 20)
#define ENV_MMIO 0xfec00000u            /* the MMIO page the tests use most */
#define ENV_VGA 0xb8000u                /* MMIO below 1 MiB, for 16-bit modes */
#define ENV_CODE 0x10000u               /* where the instruction goes */
#define ENV_LOG_MAX 4096

enum env_mode {
    ENV_REAL,           /* CR0.PE = 0, CS base ENV_CODE - 0x100, IP 0x100, DS at ENV_VGA */
    ENV_PROT16,         /* 16-bit protected mode, same bases */
    ENV_FLAT32,         /* 32-bit flat, paging off */
    ENV_PAGED32,        /* 32-bit paging */
    ENV_PAE,            /* PAE paging */
    ENV_LONG64,         /* 4-level paging, 64-bit code */
    ENV_COMPAT32,       /* 4-level paging, 32-bit compatibility-mode code */
};

/* Page tables the paged modes use (identity maps; see emul_env.c). */
#define ENV_PT_ROOT 0x100000u           /* 32-bit PD, PAE PDPT, or PML4 */
#define ENV_PT_PD0 0x101000u            /* PAE/long: PD for 0-1 GiB */
#define ENV_PT_PD3 0x102000u            /* PAE/long: PD for 3-4 GiB */
#define ENV_PT_PT0 0x103000u            /* 4 KiB pages for 0-2 MiB (32-bit: 0-4 MiB) */
#define ENV_PT_PDPT 0x104000u           /* long: the PDPT */

struct env_access {
    uint64_t gpa;
    unsigned size;
    uint64_t value;
    bool write;
};

extern uint8_t *env_ram;
extern struct env_access env_log[ENV_LOG_MAX];
extern unsigned env_nlog;
extern uint64_t env_mmio_value;         /* what MMIO reads return (masked to the size) */
extern const struct emul_mem env_mem;

void env_reset(void);
/* A vCPU in `mode` at its code address, with that mode's page tables written. */
struct vireo_vcpu_state env_state(enum env_mode mode);
/* The guest-physical address of the code in `s` (CS.base + RIP, identity mapped). */
uint64_t env_code_gpa(const struct vireo_vcpu_state *s);
/* Puts the bytes at CS:RIP and emulates, as an MMIO exit at `gpa` would. */
void env_run(struct vireo_vcpu_state *s, const uint8_t *code, unsigned len, uint64_t gpa,
             struct emul_out *out);
void env_put64(uint64_t gpa, uint64_t v);
uint64_t env_get64(uint64_t gpa);
void env_put32(uint64_t gpa, uint32_t v);
uint32_t env_get32(uint64_t gpa);

#endif
