/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the I/O APIC's register file at 0xfec00000 (no interrupt delivery yet). */
#pragma once
#include "dev.h"

#define IOAPIC_PINS 24

struct ioapic {
    uint32_t select, id;
    uint32_t redir[2 * IOAPIC_PINS];    /* two registers per pin, from index 0x10 */
};

extern const struct dev_ops ioapic_ops;
extern const struct dev_range ioapic_ranges[1];
