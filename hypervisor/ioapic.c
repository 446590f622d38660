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
#define VER_MAX_ENTRY_SHIFT 16
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_DEST_SHIFT 24             /* high dword: physical APIC id */
#define ISA_IRQS 16
#define MPS_POLARITY_MASK 0x3           /* ACPI 6.5 table 5.50: MPS INTI flags */
#define MPS_POLARITY_LOW 0x3
#define MPS_TRIGGER_SHIFT 2
#define MPS_TRIGGER_LEVEL 0x3

struct ioapic {
    volatile uint32_t *base;
    uint32_t gsi_base, pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;
static const struct acpi_madt *madt_info;

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

/* Selects register `reg` and returns the window through which it is read and written. */
static volatile uint32_t *ioreg(volatile uint32_t *base, uint32_t r)
{
    base[IOREGSEL / 4] = r;
    return &base[IOWIN / 4];
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
    madt_info = madt;
    if (madt->pcat_compat)
        i8259_disable();
    for (unsigned i = 0; i < madt->ioapic_count; i++) {
        const struct acpi_ioapic *io = &madt->ioapics[i];
        volatile uint32_t *base = paging_map_mmio(io->addr, 0x20);
        uint32_t pins = ((*ioreg(base, IOAPICVER) >> VER_MAX_ENTRY_SHIFT) & 0xff) + 1;
        ioapics[ioapic_count++] = (struct ioapic){ base, io->gsi_base, pins };
        for (uint32_t pin = 0; pin < pins; pin++) {
            *ioreg(base, IOREDTBL(pin)) = REDIR_MASKED;
            *ioreg(base, IOREDTBL(pin) + 1) = 0;
        }
        kprintf("ioapic%u: id %u at 0x%x, GSIs %u-%u, all pins masked\n", i, io->id,
                io->addr, io->gsi_base, io->gsi_base + pins - 1);
    }
}

static struct ioapic *find(uint32_t gsi)
{
    for (unsigned i = 0; i < ioapic_count; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins)
            return &ioapics[i];
    return NULL;
}

bool ioapic_has_gsi(uint32_t gsi) { return find(gsi) != NULL; }

/* ISA interrupts are edge-triggered and active high unless the MADT overrides them;
   the rest (PCI) are level-triggered and active low (ACPI 6.5 5.2.12.5). */
static uint32_t polarity_trigger(uint32_t gsi)
{
    uint32_t bits = gsi < ISA_IRQS ? 0 : REDIR_LEVEL | REDIR_ACTIVE_LOW;
    for (unsigned i = 0; madt_info && i < madt_info->override_count; i++) {
        const struct acpi_override *o = &madt_info->overrides[i];
        if (o->gsi != gsi)
            continue;
        if ((o->flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW)
            bits |= REDIR_ACTIVE_LOW;
        if ((o->flags >> MPS_TRIGGER_SHIFT & MPS_POLARITY_MASK) == MPS_TRIGGER_LEVEL)
            bits |= REDIR_LEVEL;
    }
    return bits;
}

void ioapic_route(uint32_t gsi, uint32_t apic_id, uint8_t vector)
{
    struct ioapic *io = find(gsi);
    if (!io)
        return;
    uint32_t pin = gsi - io->gsi_base;
    *ioreg(io->base, IOREDTBL(pin)) = REDIR_MASKED;
    *ioreg(io->base, IOREDTBL(pin) + 1) = apic_id << REDIR_DEST_SHIFT;
    *ioreg(io->base, IOREDTBL(pin)) = polarity_trigger(gsi) | vector;
}

void ioapic_mask(uint32_t gsi)
{
    struct ioapic *io = find(gsi);
    if (io)
        *ioreg(io->base, IOREDTBL(gsi - io->gsi_base)) = REDIR_MASKED;
}
