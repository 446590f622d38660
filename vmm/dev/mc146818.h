/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the MC146818 real-time clock and the PC's CMOS memory (ports 0x70/0x71). */
#pragma once
#include "dev.h"

#define MC146818_CMOS_SIZE 128

/* What the machine around the chip says: the date and time at a TSC value (seconds since
   1970-01-01 of the host's CMOS clock), and the guest's RAM for the BIOS size bytes. */
struct mc146818_config {
    uint64_t seconds, at_tsc;
    uint64_t ram_below_4g, ram_above_4g;
};

struct mc146818_state {
    uint8_t cmos[MC146818_CMOS_SIZE];   /* 0-9 the time while stopped, 0x0a-0x0d A-D */
    uint8_t index, nmi_masked;          /* port 0x70: bits 6-0, bit 7 */
    uint8_t irq_level, reserved[5];
    uint64_t div_tsc;                   /* the divider chain's origin: updates at +n s */
    uint64_t sec_base, k_base;          /* the clock read sec_base at update k_base */
    uint64_t last;                      /* the TSC of the last advance */
    uint64_t a_read_k;                  /* updates() at the last read of register A */
};

struct mc146818 {
    struct mc146818_state s;            /* what save() keeps */
    struct mc146818_config config;
    const struct dev_platform *plat;
    unsigned irq;
};

extern const struct dev_ops mc146818_ops;
extern const struct dev_range mc146818_ranges[1];

void mc146818_init(struct mc146818 *rtc, const struct dev_platform *plat, unsigned irq,
                   const struct mc146818_config *config);
/* The clock's date and time now, in seconds since 1970 (what a guest would read). */
uint64_t mc146818_seconds(struct mc146818 *rtc);
