/* SPDX-License-Identifier: MIT */
/* Vireo: bringing up the application processors. */
#pragma once
#include "acpi.h"

/* Starts every CPU the MADT lists besides the BSP; returns how many came up in all. */
unsigned smp_boot(const struct acpi_madt *madt);
/* What every CPU does once its tables are loaded: LAPIC, timer check, VMX, report. */
void cpu_bringup(struct cpu *c);
