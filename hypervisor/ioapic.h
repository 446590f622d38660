/* SPDX-License-Identifier: MIT */
/* Vireo: I/O APICs (82093AA datasheet). */
#pragma once
#include "acpi.h"

/* Maps every I/O APIC the MADT lists and masks all of its pins. */
void ioapic_init(const struct acpi_madt *madt);
