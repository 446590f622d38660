/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the 82093AA I/O APIC at 0xfec00000, delivering to the local APIC(s). */
#pragma once
#include "lapic.h"

#define IOAPIC_PINS 24
#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_VERSION 0x11u

struct ioapic_state {
    uint32_t select, id;
    uint32_t redir[2 * IOAPIC_PINS];    /* two registers per pin, from index 0x10 */
    uint32_t level;                     /* each pin's input level */
};

struct ioapic {
    struct ioapic_state s;
    /* Sends a message to the local APICs; false if none took it. */
    bool (*deliver)(void *ctx, const struct apic_msg *msg);
    void *ctx;
};

extern const struct dev_ops ioapic_ops;
extern const struct dev_range ioapic_ranges[1];

/* Binds the model to its interrupt sink; then reset() before use. */
void ioapic_init(struct ioapic *io, bool (*deliver)(void *, const struct apic_msg *),
                 void *ctx);
/* Input pin `pin` goes to `level` (the line as the device drives it, before polarity). */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* A local APIC's EOI for a level-triggered `vector`: clears remote IRR, redelivers. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
