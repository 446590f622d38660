/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the firmware tables a PC's BIOS leaves in RAM for the OS: the Intel MP table
   (MP spec 1.4) and ACPI (RSDP, RSDT, XSDT, FADT, FACS, MADT, DSDT; ACPI 6.x, FADT of
   revision 4). Both describe one CPU, one I/O APIC and the ISA interrupts, with IRQ 0 on
   pin 2. They go into the BIOS area (0xe0000-0xfffff), which the e820 map reserves. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define FW_ACPI_BASE 0xe0000u           /* the RSDP, then the tables */
#define FW_ACPI_SIZE 0x1000u
#define FW_MP_BASE 0xf0000u             /* the floating pointer, then the table */
#define FW_MP_SIZE 0x400u
#define FW_ISA_IRQS 16
#define FW_PCI_MAX 8

struct fw_config {
    uint8_t *ram;                       /* the host's view of guest-physical 0 */
    uint64_t ram_size;
    uint32_t lapic_addr, ioapic_addr;
    uint8_t lapic_id, lapic_version, ioapic_id, ioapic_version;
    uint32_t cpu_signature, cpu_features;   /* CPUID 1 EAX and EDX, for the MP table */
    uint16_t pm_base;                   /* PM1a event block; control at +4, timer at +8 */
    uint8_t sci_irq;
    /* PCI bus 0's functions with an INTA#: device number and the I/O APIC pin (= ISA line)
       it drives, level-triggered and active high (vmm/dev/pci.c). */
    uint8_t pci_count, pci_dev[FW_PCI_MAX], pci_irq[FW_PCI_MAX];
};

/* Each writes its tables; false, writing nothing, if guest RAM does not hold them. */
bool fw_write_mptable(const struct fw_config *c);
bool fw_write_acpi(const struct fw_config *c);
/* The 8-bit sum of `len` bytes (0 for a table with a right checksum). */
uint8_t fw_sum(const uint8_t *p, uint64_t len);
/* Stores `v` little-endian in `bytes` bytes at p + off (the tables are little-endian). */
static inline void fw_put(uint8_t *p, unsigned off, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}
