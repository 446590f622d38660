/* SPDX-License-Identifier: MIT */
/* Vireo: per-CPU state and descriptor tables (SDM Vol. 3A 3.4.5, 7.7, 6.14). */
#pragma once
#include "lib.h"

#define MAX_CPUS 64
#define KERNEL_STACK_SIZE 16384
#define IST_STACK_SIZE 4096

/* Selectors; user code/data follow the order SYSRET expects (STAR). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE32 0x18
#define SEL_UDATA 0x20
#define SEL_UCODE64 0x28
#define SEL_TSS 0x30
#define GDT_ENTRIES 8

enum ist_slot { IST_NONE = 0, IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3 };

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} PACKED;

struct cpu_stacks {
    uint8_t kernel[KERNEL_STACK_SIZE];
    uint8_t ist[3][IST_STACK_SIZE];
};

struct ec;
struct sc;

struct cpu {
    struct cpu *self;               /* %gs:0 */
    uint64_t scratch;               /* entry.asm: the user RSP while it switches stacks */
    struct ec *current;             /* the EC whose user state is live, NULL when idle */
    uint64_t kstack_top;
    unsigned id;
    uint32_t apic_id;
    struct cpu_stacks *stacks;
    volatile bool online;
    bool vmx_on;
    uint64_t vmxon_pa;
    volatile uint64_t timer_ticks;
    struct sc *sc_current;          /* the SC whose time runs now, NULL when idle */
    struct sc *runq;                /* ready SCs, by priority, FIFO within one */
    struct ec *timeouts;            /* ECs blocked with a deadline */
    bool need_resched;
    uint64_t tss_base;
    uint32_t tss_limit;
    bool tr_stale;                  /* a VM exit cut TR's limit to 0x67 (SDM 27.5.2) */
    uint64_t vmcs;                  /* the current VMCS, physical (0: none) */
    struct ec *fpu_owner;           /* the vCPU whose FPU state is in the registers */
    struct ec *vmcs_dying;          /* vCPUs destroyed elsewhere whose VMCS is active here */
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss tss __attribute__((aligned(16)));
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count;

static ALWAYS_INLINE struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* Loads GDT, TSS and IDT on the calling CPU and points %gs at `c`. */
void cpu_load_tables(struct cpu *c);
/* Points the TSS descriptor at `base` (size `limit` + 1) and reloads TR. */
void cpu_set_tss(struct cpu *c, uint64_t base, uint32_t limit);
/* The host's SYSCALL/SYSRET MSRs (SDM Vol. 3A 5.8.8), also after each VM exit (vcpu.c). */
void cpu_load_syscall(void);
void idt_init(void);
