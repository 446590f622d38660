/* SPDX-License-Identifier: MIT */
/* Vireo: I/O APIC set-up: every pin masked until a driver claims it (82093AA 3.2). */
#include "intr.h"
#include "ioapic.h"
#include "paging.h"
#include "printf.h"
#include "x86.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL(pin) (0x10 + 2 * (pin))
#define REDIR_MASKED (1u << 16)
#define VER_MAX_ENTRY_SHIFT 16

/* i8259A datasheet: ICW1-ICW4, then OCW1 masks every line. */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW3_MASTER_CASCADE 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086 0x01
#define OCW1_MASK_ALL 0xff

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

/* The BIOS leaves the PICs delivering the PIT on vector 8, where it would look like a
   double fault; move them to their own vectors and mask them. */
static void i8259_disable(void)
{
    outb(PIC1_CMD, ICW1_INIT_ICW4);
    outb(PIC2_CMD, ICW1_INIT_ICW4);
    outb(PIC1_DATA, VEC_PIC_BASE);
    outb(PIC2_DATA, VEC_PIC_BASE + 8);
    outb(PIC1_DATA, ICW3_MASTER_CASCADE);
    outb(PIC2_DATA, ICW3_SLAVE_ID);
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);
    outb(PIC1_DATA, OCW1_MASK_ALL);
    outb(PIC2_DATA, OCW1_MASK_ALL);
}

void ioapic_init(const struct acpi_madt *madt)
{
    if (madt->pcat_compat)
        i8259_disable();
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
