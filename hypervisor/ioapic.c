/* SPDX-License-Identifier: MIT */
/* Vireo: I/O APIC set-up: every pin masked until a driver claims it (82093AA 3.2). */
#include "ioapic.h"
#include "paging.h"
#include "printf.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL(pin) (0x10 + 2 * (pin))
#define REDIR_MASKED (1u << 16)
#define VER_MAX_ENTRY_SHIFT 16

static uint32_t ioapic_read(volatile uint32_t *base, uint32_t reg)
{
    base[IOREGSEL / 4] = reg;
    return base[IOWIN / 4];
}

static void ioapic_write(volatile uint32_t *base, uint32_t reg, uint32_t v)
{
    base[IOREGSEL / 4] = reg;
    base[IOWIN / 4] = v;
}

void ioapic_init(const struct acpi_madt *madt)
{
    for (unsigned i = 0; i < madt->ioapic_count; i++) {
        const struct acpi_ioapic *io = &madt->ioapics[i];
        volatile uint32_t *base = paging_map_mmio(io->addr, 0x20);
        uint32_t pins = ((ioapic_read(base, IOAPICVER) >> VER_MAX_ENTRY_SHIFT) & 0xff) + 1;
        for (uint32_t pin = 0; pin < pins; pin++) {
            ioapic_write(base, IOREDTBL(pin), REDIR_MASKED);
            ioapic_write(base, IOREDTBL(pin) + 1, 0);
        }
        kprintf("ioapic%u: id %u at 0x%x, GSIs %u-%u, all pins masked\n", i, io->id,
                io->addr, io->gsi_base, io->gsi_base + pins - 1);
    }
}
