/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the PC's interrupt wiring: ISA IRQ lines to the i8259 pair and to GSIs. */
#pragma once
#include "i8259.h"
#include "ioapic.h"

#define IRQ_GSI_COUNT 24
#define IRQ_NO_GSI 0xffu

struct irq_router {
    struct i8259 *pic;
    struct ioapic *ioapic;              /* NULL: none */
    uint32_t gsi_level;                 /* each GSI's input level */
};

/* ISA line `line` (0-15) or, above, a GSI with no PIC input, goes to `level`. */
void irq_router_set(struct irq_router *r, unsigned line, bool level);
/* The GSI an ISA line reaches on the I/O APIC: IRQ 0 is GSI 2, as MP tables and ACPI's
   default override say; IRQ 2 (the cascade) reaches none. */
unsigned irq_isa_to_gsi(unsigned line);
