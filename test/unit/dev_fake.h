/* SPDX-License-Identifier: MIT */
/* Vireo: a fake platform for the device-model tests: a clock the test sets, IRQ lines it
   watches, a console that records output and supplies queued input. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev.h"

#define FAKE_LINES 32
/* 1.193182 GHz: one i8254 tick is exactly 1000 TSC ticks. */
#define FAKE_TSC_KHZ 1193182u
#define FAKE_TSC_HZ (FAKE_TSC_KHZ * 1000ull)

struct fake_platform {
    struct dev_platform plat;
    uint64_t tsc;
    bool level[FAKE_LINES];
    unsigned rises[FAKE_LINES];         /* low-to-high transitions seen per line */
    uint8_t out[4096];
    size_t out_len;
    uint8_t in[256];
    size_t in_len, in_pos;
    bool lost;                          /* console_lost's next answer */
};

extern struct fake_platform fake;

/* Resets the fake: clock at `tsc`, lines low, console empty. */
void fake_reset(uint64_t tsc);
void fake_input(const char *bytes, size_t n);
/* Every access a guest could make to [base, base + size) of `ops`, of every width, with
   garbage values, `rounds` times; checks only that nothing breaks. */
void fake_hostile(const struct dev_ops *ops, void *dev, uint64_t base, uint64_t size,
                  unsigned rounds);
