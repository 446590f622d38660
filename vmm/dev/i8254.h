/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the i8254 programmable interval timer and the PC's port 0x61. */
#pragma once
#include "dev.h"

#define I8254_HZ 1193182u

struct i8254_channel {
    uint64_t start;                     /* the tick at which the count in effect began */
    uint64_t frozen;                    /* ticks counted when the gate stopped it */
    uint64_t pending_at;                /* modes 2/3: a new count takes over then */
    uint32_t n, cr;                     /* count in effect, count register (1..65536) */
    uint16_t latch;                     /* the counter latch */
    uint8_t mode, rw, bcd;              /* control word: mode 0-5, access 1-3, BCD */
    uint8_t latched;                    /* bytes of `latch` still to read */
    uint8_t status, status_latched;     /* read-back status latch */
    uint8_t read_msb, write_msb;        /* access 3: the next byte is the MSB */
    uint8_t lsb;                        /* access 3: the LSB written so far */
    uint8_t null_count, has_count;      /* a count written; not yet loaded / ever */
    uint8_t armed;                      /* counting a loaded count */
    uint8_t suspended;                  /* gate low stops counting */
    uint8_t pending;                    /* pending_at holds */
    uint8_t gate;
};

struct i8254_state {
    struct i8254_channel ch[3];
    uint64_t last;                      /* the tick of the last advance */
    uint8_t port61;                     /* bits 0-3 as written */
    uint8_t irq_level;                  /* what OUT0 drives onto its IRQ line */
};

struct i8254 {
    struct i8254_state s;               /* what save() keeps */
    const struct dev_platform *plat;
    unsigned irq;
};

extern const struct dev_ops i8254_ops;
extern const struct dev_range i8254_ranges[2];

/* Binds the model to its platform and IRQ line; then reset() before use. */
void i8254_init(struct i8254 *pit, const struct dev_platform *plat, unsigned irq);
