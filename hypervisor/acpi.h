/* SPDX-License-Identifier: MIT */
/* Vireo: ACPI discovery, RSDP -> XSDT/RSDT -> MADT (ACPI 6.5 chapter 5.2). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 24
/*
 * ACPI 6.5 5.2.5.3: the bytes of a 1.0 RSDP, which the first checksum covers; from 2.0 on,
 * a length field follows them, and the whole structure has 36.
 */
#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36

/* Maps `len` bytes of physical memory at `pa` for reading, or returns NULL. */
typedef const void *(*acpi_map_fn)(uint64_t pa, size_t len);

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;
};

struct acpi_ioapic {
    uint32_t id;
    uint32_t addr;
    uint32_t gsi_base;
};

struct acpi_override {          /* ISA IRQ -> GSI, MADT type 2 */
    uint8_t irq;
    uint32_t gsi;
    uint16_t flags;             /* MPS INTI polarity / trigger */
};

struct acpi_madt {
    uint64_t lapic_addr;        /* type 5 override applied */
    bool pcat_compat;           /* dual 8259 present */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];        /* enabled or online-capable only */
    unsigned cpu_count;
    unsigned cpus_ignored;      /* beyond ACPI_MAX_CPUS */
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned ioapic_count;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    unsigned override_count;
};

/* Finds a valid RSDP (signature and checksum) on a 16-byte boundary in [mem, mem+len). */
const void *acpi_scan_rsdp(const void *mem, size_t len);

/*
 * Validates the RSDP copy (`len` bytes), walks the XSDT (or RSDT for revision 0) and
 * returns the physical address of the first table with `sig` whose length and checksum
 * are valid, or 0 if there is none. *err (if not NULL) is set to a static message when
 * the root tables themselves are malformed.
 */
uint64_t acpi_find_table(const void *rsdp, size_t len, acpi_map_fn map, const char sig[4],
                         const char **err);

/* Parses the MADT at physical `pa`. Returns NULL or a static message naming the problem. */
const char *acpi_parse_madt(uint64_t pa, acpi_map_fn map, struct acpi_madt *out);
