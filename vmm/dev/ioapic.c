/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the 82093AA I/O APIC, after its datasheet: IOREGSEL at offset 0, IOWIN at
   0x10; ID, version (0x11, 24 pins), arbitration ID, and the redirection table. A pin
   delivers its entry's message to the local APICs: edge-triggered on a rising (asserting)
   edge, level-triggered while asserted and remote IRR is clear; remote IRR is set when a
   level message is taken and cleared by the local APIC's EOI for its vector (this chip
   has no EOI register, which came with version 0x20). Masked edges are lost. */
#include "ioapic.h"
#include "lib.h"

#define IOAPIC_SIZE 0x1000u
#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_ARB 0x02
#define REG_REDIR 0x10
#define VERSION (IOAPIC_VERSION | (IOAPIC_PINS - 1u) << 16)
#define ID_MASK 0x0f000000u
#define RTE_MODE(v) (((v) >> 8) & 7)
#define RTE_LOGICAL (1u << 11)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)
#define RTE_LO_BITS 0x0001afffu         /* all but delivery status and remote IRR */
#define RTE_HI_BITS 0xff000000u         /* the destination */
#define SAVE_MAGIC 0x41504943u          /* "CIPA" */
#define SAVE_VERSION 2

const struct dev_range ioapic_ranges[1] = { { DEV_MMIO, IOAPIC_BASE, IOAPIC_SIZE } };

static uint32_t *rte(struct ioapic *io, unsigned pin) { return &io->s.redir[2 * pin]; }

/* The pin's input as its entry reads it: high, or low with an active-low polarity. */
static bool asserted(struct ioapic *io, unsigned pin)
{
    bool high = io->s.level >> pin & 1;
    return high != !!(*rte(io, pin) & RTE_ACTIVE_LOW);
}

static void send(struct ioapic *io, unsigned pin)
{
    uint32_t lo = *rte(io, pin);
    struct apic_msg m = { (uint8_t)lo, (uint8_t)RTE_MODE(lo), (uint8_t)(io->s.redir[2 * pin + 1] >> 24),
                          lo & RTE_LOGICAL, lo & RTE_LEVEL };
    if (!io->deliver || !io->deliver(io->ctx, &m))
        return;
    if (m.level)
        *rte(io, pin) |= RTE_REMOTE_IRR;
}

/* A level-triggered pin that is asserted, unmasked and not in service sends (again). */
static void level_check(struct ioapic *io, unsigned pin)
{
    uint32_t lo = *rte(io, pin);
    if ((lo & RTE_LEVEL) && !(lo & (RTE_MASKED | RTE_REMOTE_IRR)) && asserted(io, pin))
        send(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
    if (pin >= IOAPIC_PINS)
        return;
    bool was = asserted(io, pin);
    io->s.level = level ? io->s.level | 1u << pin : io->s.level & ~(1u << pin);
    uint32_t lo = *rte(io, pin);
    if (lo & RTE_LEVEL)
        level_check(io, pin);
    else if (!was && asserted(io, pin) && !(lo & RTE_MASKED))
        send(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint32_t *e = rte(io, pin);
        if ((*e & RTE_REMOTE_IRR) && (uint8_t)*e == vector) {
            *e &= ~RTE_REMOTE_IRR;
            level_check(io, pin);
        }
    }
}

static bool ioapic_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct ioapic *io = dev;
    uint32_t off = (uint32_t)(addr - IOAPIC_BASE), sel = io->s.select;
    (void)bytes;
    if (off == IOREGSEL)
        *value = sel;
    else if (off != IOWIN)
        return false;
    else if (sel == REG_ID || sel == REG_ARB)
        *value = io->s.id;
    else if (sel == REG_VERSION)
        *value = VERSION;
    else if (sel >= REG_REDIR && sel < REG_REDIR + 2 * IOAPIC_PINS)
        *value = io->s.redir[sel - REG_REDIR];
    else
        *value = 0;
    return true;
}

static void write_rte(struct ioapic *io, unsigned idx, uint32_t value)
{
    unsigned pin = idx / 2;
    if (idx & 1) {
        io->s.redir[idx] = value & RTE_HI_BITS;
        return;
    }
    uint32_t *e = rte(io, pin);
    *e = (value & RTE_LO_BITS) | (*e & RTE_REMOTE_IRR);
    if (!(*e & RTE_LEVEL))
        *e &= ~RTE_REMOTE_IRR;          /* only level-triggered pins have it */
    level_check(io, pin);               /* unmasking an asserted level pin sends */
}

static bool ioapic_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct ioapic *io = dev;
    uint32_t off = (uint32_t)(addr - IOAPIC_BASE), sel = io->s.select;
    (void)bytes;
    if (off == IOREGSEL)
        io->s.select = value & 0xff;
    else if (off == IOWIN && sel == REG_ID)
        io->s.id = value & ID_MASK;
    else if (off == IOWIN && sel >= REG_REDIR && sel < REG_REDIR + 2 * IOAPIC_PINS)
        write_rte(io, sel - REG_REDIR, value);
    return true;
}

/* Every pin masked (bit 16), as after RESET; the input levels stay the devices'. */
static void ioapic_reset(void *dev)
{
    struct ioapic *io = dev;
    uint32_t level = io->s.level;
    memset(&io->s, 0, sizeof(io->s));
    io->s.level = level;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        *rte(io, i) = RTE_MASKED;
}

static size_t ioapic_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct ioapic *io = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &io->s, sizeof(io->s), buf, len);
}

static bool ioapic_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct ioapic_state s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        s.select > 0xff || (s.id & ~ID_MASK) || (IOAPIC_PINS < 32 && s.level >> IOAPIC_PINS))
        return false;
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        uint32_t lo = s.redir[2 * i], hi = s.redir[2 * i + 1];
        if ((lo & ~(RTE_LO_BITS | RTE_REMOTE_IRR)) || (hi & ~RTE_HI_BITS) ||
            ((lo & RTE_REMOTE_IRR) && !(lo & RTE_LEVEL)))
            return false;
    }
    ((struct ioapic *)dev)->s = s;
    return true;
}

void ioapic_init(struct ioapic *io, bool (*deliver)(void *, const struct apic_msg *), void *ctx)
{
    memset(io, 0, sizeof(*io));
    io->deliver = deliver;
    io->ctx = ctx;
}

const struct dev_ops ioapic_ops = {
    .name = "ioapic",
    .read = ioapic_read,
    .write = ioapic_write,
    .reset = ioapic_reset,
    .save = ioapic_save,
    .restore = ioapic_restore,
};
