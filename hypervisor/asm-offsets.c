/* SPDX-License-Identifier: MIT */
/* Vireo: structure offsets for the assembly code, compiled to asm-offsets.inc by the build. */
#include <stddef.h>
#include <vireo/hypercall.h>
#include "cpu.h"
#include "ec.h"

#define DEFINE(sym, val) __asm__ volatile("\n->" #sym " %0" :: "i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
    DEFINE(CPU_SCRATCH, offsetof(struct cpu, scratch));
    DEFINE(CPU_CURRENT, offsetof(struct cpu, current));
    DEFINE(CPU_KSTACK_TOP, offsetof(struct cpu, kstack_top));
    DEFINE(EC_REGS_END, offsetof(struct ec, regs) + sizeof(struct regs));
    DEFINE(REGS_RIP, offsetof(struct regs, rip));
    DEFINE(REGS_RBX, offsetof(struct regs, rbx));
    DEFINE(EC_GLOBAL, offsetof(struct ec, global));
    DEFINE(HC_REPLY, VIREO_HC_REPLY);
    DEFINE(RFLAGS_USER, RFLAGS_USER);
}
