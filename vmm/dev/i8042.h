/* SPDX-License-Identifier: MIT */
/* Vireo VMM: an 8042 keyboard controller with no keyboard or mouse attached (PC ports
   0x60/0x64, IRQ 1 and 12): what a kernel probes, and the CPU reset line. */
#pragma once
#include "dev.h"

#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12

struct i8042_state {
    uint8_t ctr;                        /* controller command byte (RAM byte 0) */
    uint8_t out;                        /* output buffer, kept after it is read */
    uint8_t outport;                    /* output port: bit 0 the CPU's reset, bit 1 A20 */
    uint8_t pending;                    /* a command waiting for its data byte, or 0 */
    uint8_t obf, aux;                   /* output buffer full; it came from the AUX side */
    uint8_t last_cmd;                   /* the last write went to 0x64 (status bit 3) */
    uint8_t reserved;
};

struct i8042 {
    struct i8042_state s;               /* what save() keeps */
    const struct dev_platform *plat;
};

extern const struct dev_ops i8042_ops;
extern const struct dev_range i8042_ranges[2];

void i8042_init(struct i8042 *kbc, const struct dev_platform *plat);
