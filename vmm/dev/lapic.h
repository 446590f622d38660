/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a local APIC (xAPIC mode, SDM Vol. 3A chapter 10), one per vCPU. */
#pragma once
#include "dev.h"

#define LAPIC_DEFAULT_BASE 0xfee00000u
#define LAPIC_SIZE 0x1000u
#define LAPIC_VERSION 0x14u             /* an integrated xAPIC */
#define LAPIC_LVT_COUNT 6               /* timer, thermal, perf, LINT0, LINT1, error */
/* IA32_APIC_BASE (MSR 0x1b), SDM Vol. 3A 10.4.4. */
#define LAPIC_BASE_BSP (1ull << 8)
#define LAPIC_BASE_EXTD (1ull << 10)    /* x2APIC mode: not offered */
#define LAPIC_BASE_ENABLE (1ull << 11)
#define LAPIC_BASE_ADDR_MASK 0xfffff000ull
/* Delivery modes (ICR, LVT, I/O APIC redirection entries). */
enum apic_mode {
    APIC_MODE_FIXED = 0, APIC_MODE_LOWEST = 1, APIC_MODE_SMI = 2, APIC_MODE_NMI = 4,
    APIC_MODE_INIT = 5, APIC_MODE_SIPI = 6, APIC_MODE_EXTINT = 7,
};

/* An interrupt message as the I/O APIC or an IPI sends it. */
struct apic_msg {
    uint8_t vector, mode, dest;         /* mode: enum apic_mode */
    bool logical, level;                /* destination mode; level-triggered */
};

/* The LVT entries by index, in register order from 0x320. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

struct lapic_state {
    uint64_t base;                      /* IA32_APIC_BASE */
    uint32_t id, tpr, ldr, dfr, svr, esr, esr_pending, icr_lo, icr_hi;
    uint32_t lvt[LAPIC_LVT_COUNT];
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t timer_initial, timer_divide;
    uint32_t timer_armed;               /* one-shot or periodic count running */
    uint64_t timer_start;               /* TSC at which the current period began */
    uint64_t tsc_deadline;              /* host TSC; 0: disarmed */
};

struct lapic {
    struct lapic_state s;
    const struct dev_platform *plat;
    uint64_t timer_hz;                  /* the timer's input clock (before the divider) */
    struct dev_range range[1];
    /* An EOI for a level-triggered vector: the I/O APICs clear their remote IRR. */
    void (*eoi)(void *ctx, uint8_t vector);
    void *eoi_ctx;
};

extern const struct dev_ops lapic_ops;

/* `timer_hz` is the timer's clock before the divider (the CPUID 0x15 crystal). */
void lapic_init(struct lapic *l, const struct dev_platform *p, uint64_t timer_hz);
/* Whether IA32_APIC_BASE has the APIC on (else the 8259's INT goes straight to the CPU). */
bool lapic_hw_enabled(const struct lapic *l);
/* IA32_APIC_BASE: false, changing nothing, for reserved bits, x2APIC mode or a new base. */
bool lapic_set_base(struct lapic *l, uint64_t value);
/* IA32_TSC_DEADLINE in host TSC: the armed deadline, 0 in other timer modes. */
uint64_t lapic_tsc_deadline(const struct lapic *l);
void lapic_set_tsc_deadline(struct lapic *l, uint64_t tsc);
/* Whether `msg` addresses this APIC, and if so takes it (fixed and lowest priority). */
bool lapic_deliver(struct lapic *l, const struct apic_msg *msg);
/* LINT0 is in ExtINT mode and unmasked: the 8259's INT reaches the CPU (virtual wire). */
bool lapic_extint(const struct lapic *l);
/* The highest vector the CPU may take now (IRR above PPR), or -1. */
int lapic_pending(const struct lapic *l);
/* The CPU takes `vector` (from lapic_pending): IRR to ISR. */
void lapic_ack(struct lapic *l, uint8_t vector);
