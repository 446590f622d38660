/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the ACPI fixed-hardware PM registers: PM1a event and control blocks and the
   PM timer (ACPI 6.4 section 4.8), at one I/O base. */
#pragma once
#include "dev.h"

#define ACPI_PM_HZ 3579545u             /* the PM timer's clock */
#define ACPI_PM_PORTS 12                /* PM1a_EVT +0 (4), PM1a_CNT +4 (2), PM_TMR +8 (4) */
#define ACPI_PM_SLP_TYP_S5 5            /* the DSDT's \_S5 */

struct acpi_pm_state {
    uint16_t status, enable, control;
};

struct acpi_pm {
    struct acpi_pm_state s;
    const struct dev_platform *plat;
    struct dev_range range[1];
    void (*power_off)(void *ctx);       /* SLP_EN with SLP_TYP 5 */
    void *ctx;
};

extern const struct dev_ops acpi_pm_ops;

void acpi_pm_init(struct acpi_pm *pm, const struct dev_platform *p, uint16_t base,
                  void (*power_off)(void *), void *ctx);
