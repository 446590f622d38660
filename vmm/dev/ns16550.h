/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a 16550A UART (COM1 at 0x3f8, IRQ 4 on a PC). */
#pragma once
#include "dev.h"

#define NS16550_FIFO 16

struct ns16550_state {
    uint8_t rx[NS16550_FIFO];
    uint8_t rx_head, rx_count;
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    uint8_t fcr;                        /* FIFO enable, DMA mode, trigger level */
    uint8_t lsr_errors;                 /* OE PE FE BI: sticky until LSR is read */
    uint8_t thre_pending;               /* the transmitter-empty interrupt */
    uint8_t msr_delta;                  /* MSR bits 3-0 */
    uint8_t irq_level;
    uint8_t reserved[3];
    uint64_t rx_last;                   /* TSC of the last receiver FIFO activity */
};

struct ns16550 {
    struct ns16550_state s;             /* what save() keeps */
    const struct dev_platform *plat;
    unsigned irq;
    struct dev_range range[1];
};

extern const struct dev_ops ns16550_ops;

/* A UART at I/O port `base` on IRQ line `irq`. */
void ns16550_init(struct ns16550 *uart, const struct dev_platform *plat, uint16_t base,
                  unsigned irq);
