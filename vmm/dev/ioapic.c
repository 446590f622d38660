/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the 82093AA I/O APIC's registers, after its datasheet: IOREGSEL at offset 0,
   IOWIN at 0x10; ID, version (24 pins) and the redirection table read back as written.
   Delivering interrupts through it is the LAPIC work's. */
#include "ioapic.h"
#include "lib.h"

#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_SIZE 0x1000u
#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_REDIR 0x10
#define VERSION (0x11u | (IOAPIC_PINS - 1u) << 16)
#define ID_MASK 0x0f000000u
#define SAVE_MAGIC 0x41504943u          /* "CIPA" */
#define SAVE_VERSION 1

const struct dev_range ioapic_ranges[1] = { { DEV_MMIO, IOAPIC_BASE, IOAPIC_SIZE } };

static bool ioapic_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct ioapic *io = dev;
    uint32_t off = (uint32_t)(addr - IOAPIC_BASE), sel = io->select;
    (void)bytes;
    if (off == IOREGSEL)
        *value = sel;
    else if (off != IOWIN)
        return false;
    else if (sel == REG_ID)
        *value = io->id;
    else if (sel == REG_VERSION)
        *value = VERSION;
    else if (sel >= REG_REDIR && sel < REG_REDIR + 2 * IOAPIC_PINS)
        *value = io->redir[sel - REG_REDIR];
    else
        *value = 0;
    return true;
}

static bool ioapic_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct ioapic *io = dev;
    uint32_t off = (uint32_t)(addr - IOAPIC_BASE), sel = io->select;
    (void)bytes;
    if (off == IOREGSEL)
        io->select = value & 0xff;
    else if (off == IOWIN && sel == REG_ID)
        io->id = value & ID_MASK;
    else if (off == IOWIN && sel >= REG_REDIR && sel < REG_REDIR + 2 * IOAPIC_PINS)
        io->redir[sel - REG_REDIR] = value;
    return true;
}

/* Every pin masked (bit 16), as after RESET. */
static void ioapic_reset(void *dev)
{
    struct ioapic *io = dev;
    memset(io, 0, sizeof(*io));
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        io->redir[2 * i] = 1u << 16;
}

static size_t ioapic_save(const void *dev, uint8_t *buf, size_t len)
{
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, dev, sizeof(struct ioapic), buf, len);
}

static bool ioapic_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct ioapic s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        s.select > 0xff || (s.id & ~ID_MASK))
        return false;
    *(struct ioapic *)dev = s;
    return true;
}

const struct dev_ops ioapic_ops = {
    .name = "ioapic",
    .read = ioapic_read,
    .write = ioapic_write,
    .reset = ioapic_reset,
    .save = ioapic_save,
    .restore = ioapic_restore,
};
