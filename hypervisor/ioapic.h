/* SPDX-License-Identifier: MIT */
/* Vireo: I/O APICs (82093AA datasheet). */
#pragma once
#include <stdbool.h>
#include "acpi.h"

/* Maps every I/O APIC the MADT lists and masks all of its pins. */
void ioapic_init(const struct acpi_madt *madt);
bool ioapic_has_gsi(uint32_t gsi);
/* Delivers the GSI as `vector` to the CPU with `apic_id` (unmasked). */
void ioapic_route(uint32_t gsi, uint32_t apic_id, uint8_t vector);
void ioapic_mask(uint32_t gsi);
