/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the PIIX/ICH reset control register at port 0xcf9. */
#pragma once
#include "dev.h"

struct piix_rcr_state {
    uint8_t value;
    uint8_t reserved[7];
};

struct piix_rcr {
    struct piix_rcr_state s;            /* what save() keeps */
    const struct dev_platform *plat;
};

extern const struct dev_ops piix_rcr_ops;
extern const struct dev_range piix_rcr_ranges[1];

void piix_rcr_init(struct piix_rcr *rcr, const struct dev_platform *plat);
