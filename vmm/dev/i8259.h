/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the i8259A master/slave pair of the PC, with the ELCR (0x4d0/0x4d1). */
#pragma once
#include "dev.h"

#define I8259_SPURIOUS 7                /* the level a spurious INTA answers with */

struct i8259_chip {
    uint8_t irr, isr, imr;
    uint8_t line;                       /* the IR inputs' levels */
    uint8_t elcr;                       /* level-triggered inputs (ELCR) */
    uint8_t base;                       /* ICW2: the vector of IR0 */
    uint8_t icw1, icw3, icw4;
    uint8_t init_step;                  /* 0: ready; 1-3: ICW2-ICW4 still to come */
    uint8_t read_isr;                   /* OCW3 RR/RIS: the even port reads the ISR */
    uint8_t poll;                       /* OCW3 P: the next even-port read polls */
    uint8_t special_mask;               /* OCW3 SMM */
    uint8_t lowest;                     /* the level with the lowest priority */
    uint8_t rotate_aeoi;                /* OCW2: rotate in auto-EOI mode */
};

struct i8259 {
    struct i8259_chip chip[2];          /* master (IRQ 0-7), slave (IRQ 8-15) on IR2 */
};

extern const struct dev_ops i8259_ops;
extern const struct dev_range i8259_ranges[3];

/* Sets IRQ line 0-15 to `level`; the chip's trigger mode decides what that means. */
void i8259_set_irq(struct i8259 *pic, unsigned irq, bool level);
/* True if the pair asserts INT towards the CPU. */
bool i8259_pending(const struct i8259 *pic);
/* The INTA cycle: the vector of the interrupt the CPU takes (spurious: IR7's). */
uint8_t i8259_ack(struct i8259 *pic);
