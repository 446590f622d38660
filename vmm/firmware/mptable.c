/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the Intel MP table (MultiProcessor Specification 1.4, chapter 4): the
   floating pointer structure in the BIOS ROM area and a configuration table with the
   processor, PCI bus 0 (where it has devices) and the ISA bus, the I/O APIC, an I/O
   interrupt entry per ISA IRQ and per PCI INTA# (level, active high, on the ISA line it
   drives, which then has no ISA entry), and the local interrupts (ExtINT on LINT0, NMI on
   LINT1) of virtual wire mode. */
#include "firmware.h"

#define MPF_LEN 16
#define MPC_HEADER_LEN 44
#define SPEC_REV 4                      /* 1.4 */
#define ENTRY_CPU 0
#define ENTRY_BUS 1
#define ENTRY_IOAPIC 2
#define ENTRY_IOINT 3
#define ENTRY_LINT 4
#define CPU_LEN 20
#define SMALL_LEN 8
#define CPU_ENABLED 1u
#define CPU_BSP 2u
#define IOAPIC_ENABLED 1u
#define INT_INT 0
#define INT_NMI 1
#define INT_EXTINT 3
#define CONFORMS 0                      /* polarity and trigger as the bus has them */
#define PCI_BUS 0                       /* Linux matches the MP bus ID with the PCI bus number */
#define ISA_BUS 1
#define LEVEL_HIGH 0xd                  /* polarity 01: active high; trigger 11: level */
#define ALL_LAPICS 0xff
#define PIT_IRQ 0
#define PIT_PIN 2
#define CASCADE_IRQ 2

static uint8_t *entry(uint8_t *p, unsigned *off, unsigned len, uint8_t type)
{
    uint8_t *e = p + *off;
    e[0] = type;
    *off += len;
    return e;
}

static void interrupt(uint8_t *p, unsigned *off, uint8_t type, uint8_t kind, uint8_t irq,
                      uint8_t dest, uint8_t pin)
{
    uint8_t *e = entry(p, off, SMALL_LEN, type);
    e[1] = kind;
    fw_put(e, 2, CONFORMS, 2);
    e[4] = ISA_BUS;
    e[5] = irq;
    e[6] = dest;
    e[7] = pin;
}

/* Whether ISA line `irq` carries a PCI INTA# instead (no ISA entry for it then). */
static bool pci_line(const struct fw_config *c, unsigned irq)
{
    for (unsigned i = 0; i < c->pci_count; i++)
        if (c->pci_irq[i] == irq)
            return true;
    return false;
}

/* INTA# of PCI device `dev` (source IRQ dev << 2 | pin A) on I/O APIC pin `pin`,
   level-triggered, active high (as the VMM's PCI model drives it). */
static void pci_interrupt(uint8_t *p, unsigned *off, uint8_t dev, uint8_t dest, uint8_t pin)
{
    uint8_t *e = entry(p, off, SMALL_LEN, ENTRY_IOINT);
    e[1] = INT_INT;
    fw_put(e, 2, LEVEL_HIGH, 2);
    e[4] = PCI_BUS;
    e[5] = (uint8_t)(dev << 2);
    e[6] = dest;
    e[7] = pin;
}

/* The configuration table at `p`; returns its entry count, *len its length. */
static unsigned entries(const struct fw_config *c, uint8_t *p, unsigned *len)
{
    unsigned off = MPC_HEADER_LEN, n = 2;
    uint8_t *e = entry(p, &off, CPU_LEN, ENTRY_CPU);
    e[1] = c->lapic_id;
    e[2] = c->lapic_version;
    e[3] = CPU_ENABLED | CPU_BSP;
    fw_put(e, 4, c->cpu_signature, 4);
    fw_put(e, 8, c->cpu_features, 4);
    for (unsigned bus = c->pci_count ? PCI_BUS : ISA_BUS; bus <= ISA_BUS; bus++, n++) {
        e = entry(p, &off, SMALL_LEN, ENTRY_BUS);
        e[1] = (uint8_t)bus;
        for (unsigned i = 0; i < 6; i++)
            e[2 + i] = (uint8_t)(bus == ISA_BUS ? "ISA   " : "PCI   ")[i];
    }
    e = entry(p, &off, SMALL_LEN, ENTRY_IOAPIC);
    e[1] = c->ioapic_id;
    e[2] = c->ioapic_version;
    e[3] = IOAPIC_ENABLED;
    fw_put(e, 4, c->ioapic_addr, 4);
    for (uint8_t irq = 0; irq < FW_ISA_IRQS; irq++, n++) {
        if (irq == CASCADE_IRQ || pci_line(c, irq)) {
            n--;
            continue;
        }
        interrupt(p, &off, ENTRY_IOINT, INT_INT, irq, c->ioapic_id,
                  irq == PIT_IRQ ? PIT_PIN : irq);
    }
    for (unsigned i = 0; i < c->pci_count; i++, n++)
        pci_interrupt(p, &off, c->pci_dev[i], c->ioapic_id, c->pci_irq[i]);
    interrupt(p, &off, ENTRY_LINT, INT_EXTINT, 0, ALL_LAPICS, 0);
    interrupt(p, &off, ENTRY_LINT, INT_NMI, 0, ALL_LAPICS, 1);
    *len = off;
    return n + 2;
}

bool fw_write_mptable(const struct fw_config *c)
{
    if (c->ram_size < FW_MP_BASE + FW_MP_SIZE)
        return false;
    uint8_t *f = c->ram + FW_MP_BASE, *t = f + MPF_LEN;
    for (unsigned i = 0; i < FW_MP_SIZE; i++)
        f[i] = 0;
    unsigned len, count = entries(c, t, &len);
    for (unsigned i = 0; i < 4; i++) {
        t[i] = (uint8_t)"PCMP"[i];
        f[i] = (uint8_t)"_MP_"[i];
    }
    fw_put(t, 4, len, 2);
    t[6] = SPEC_REV;
    for (unsigned i = 0; i < 20; i++)   /* OEM ID (8) and product ID (12), blank-padded */
        t[8 + i] = (uint8_t)"VIREO   VIREO-VMM   "[i];
    fw_put(t, 34, count, 2);
    fw_put(t, 36, c->lapic_addr, 4);
    t[7] = (uint8_t)-fw_sum(t, len);
    fw_put(f, 4, FW_MP_BASE + MPF_LEN, 4);
    f[8] = 1;                           /* length in 16-byte units */
    f[9] = SPEC_REV;
    f[10] = (uint8_t)-fw_sum(f, MPF_LEN);   /* feature bytes 0: this table, virtual wire */
    return true;
}

uint8_t fw_sum(const uint8_t *p, uint64_t len)
{
    uint8_t s = 0;
    for (uint64_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}
