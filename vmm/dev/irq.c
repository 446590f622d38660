/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the interrupt router: an ISA line drives its 8259 input (IRQ 2 is IRQ 9 on
   an AT: the slave sits on the master's IR2) and its I/O APIC pin. */
#include "irq.h"

#define ISA_LINES 16
#define AT_CASCADE 2
#define AT_CASCADE_REDIRECT 9
#define PIT_LINE 0
#define PIT_GSI 2

unsigned irq_isa_to_gsi(unsigned line)
{
    return line == PIT_LINE ? PIT_GSI : line == AT_CASCADE ? IRQ_NO_GSI : line;
}

void irq_router_set(struct irq_router *r, unsigned line, bool level)
{
    unsigned gsi = line < ISA_LINES ? irq_isa_to_gsi(line) : line;
    if (gsi < IRQ_GSI_COUNT)
        r->gsi_level = level ? r->gsi_level | 1u << gsi : r->gsi_level & ~(1u << gsi);
    if (gsi < IRQ_GSI_COUNT && r->ioapic)
        ioapic_set_irq(r->ioapic, gsi, level);
    if (line < ISA_LINES && r->pic)
        i8259_set_irq(r->pic, line == AT_CASCADE ? AT_CASCADE_REDIRECT : line, level);
}
