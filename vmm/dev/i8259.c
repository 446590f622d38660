/* SPDX-License-Identifier: MIT */
/* Vireo VMM: i8259A programmable interrupt controller pair, after Intel's 8259A datasheet
   (ICW1-ICW4, OCW1-OCW3, fully nested and rotating priority, EOI forms, auto-EOI, special
   mask, poll, cascade on IR2) plus the edge/level control registers of the PC chipsets
   (PIIX/ICH ELCR at 0x4d0/0x4d1). */
#include "i8259.h"
#include "lib.h"

#define MASTER 0
#define SLAVE 1
#define CASCADE_IR 2
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_INIT 0x10
#define OCW3_SEL 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define POLL_INT 0x80
#define ELCR_MASTER_BITS 0xf8           /* IRQ 0, 1, 2 are always edge */
#define ELCR_SLAVE_BITS 0xde            /* IRQ 8 and 13 are always edge */
#define SAVE_MAGIC 0x39353238u          /* "8259" */
#define SAVE_VERSION 1

const struct dev_range i8259_ranges[3] = {
    { DEV_PIO, 0x20, 2 }, { DEV_PIO, 0xa0, 2 }, { DEV_PIO, 0x4d0, 2 },
};

static uint8_t trigger_level(const struct i8259_chip *c)
{
    return c->icw1 & ICW1_LTIM ? 0xff : c->elcr;
}

/* Level-triggered inputs request for as long as they are high; edges stay latched. */
static uint8_t requests(const struct i8259_chip *c)
{
    uint8_t level = trigger_level(c);
    return (uint8_t)((c->irr & ~level) | (c->line & level));
}

/* The priority of level `ir`: 0 is the highest; rotation moves the lowest. */
static unsigned priority(const struct i8259_chip *c, unsigned ir)
{
    return (ir - c->lowest - 1) & 7;
}

/* The highest-priority level among `bits`, or 8 for none: rotated so that the highest
   priority is bit 0 (this runs after every VM exit). */
static unsigned highest(const struct i8259_chip *c, uint8_t bits)
{
    unsigned shift = (c->lowest + 1u) & 7;
    unsigned rotated = ((unsigned)bits >> shift | (unsigned)bits << (8 - shift)) & 0xff;
    return rotated ? ((unsigned)__builtin_ctz(rotated) + shift) & 7 : 8;
}

/* The level the chip would raise INT for, or 8: a request above everything in service. */
static unsigned chip_request(const struct i8259_chip *c, bool master)
{
    unsigned req = highest(c, (uint8_t)(requests(c) & ~c->imr));
    if (req == 8)
        return 8;
    uint8_t blocking = c->isr;
    if (c->special_mask)
        blocking &= (uint8_t)~c->imr;
    if (master && (c->icw4 & ICW4_SFNM))
        blocking &= (uint8_t)~c->icw3;  /* more of the slave's requests may nest */
    unsigned busy = highest(c, blocking);
    if (busy != 8 && priority(c, busy) <= priority(c, req))
        return 8;
    return req;
}

static bool single(const struct i8259 *pic) { return pic->chip[MASTER].icw1 & ICW1_SNGL; }

/* The slave's INT drives the master's IR2 for as long as it is asserted. */
static void cascade(struct i8259 *pic)
{
    struct i8259_chip *m = &pic->chip[MASTER];
    bool on = !single(pic) && chip_request(&pic->chip[SLAVE], false) != 8;
    m->line = (uint8_t)(on ? m->line | (1u << CASCADE_IR) : m->line & ~(1u << CASCADE_IR));
    m->irr = (uint8_t)(on ? m->irr | (1u << CASCADE_IR) : m->irr & ~(1u << CASCADE_IR));
}

void i8259_set_irq(struct i8259 *pic, unsigned irq, bool level)
{
    if (irq >= 16 || irq == CASCADE_IR)
        return;
    struct i8259_chip *c = &pic->chip[irq >> 3];
    uint8_t bit = (uint8_t)(1u << (irq & 7));
    if (level && !(c->line & bit))
        c->irr |= bit;                  /* the edge sense latch */
    if (!level && (trigger_level(c) & bit))
        c->irr &= (uint8_t)~bit;
    c->line = (uint8_t)(level ? c->line | bit : c->line & ~bit);
    cascade(pic);
}

bool i8259_pending(const struct i8259 *pic)
{
    return chip_request(&pic->chip[MASTER], true) != 8;
}

/* The INTA cycle on one chip for level `ir`: request to service (or done, in AEOI). */
static void chip_take(struct i8259_chip *c, unsigned ir)
{
    uint8_t bit = (uint8_t)(1u << ir);
    c->irr &= (uint8_t)~bit;
    if (!(c->icw4 & ICW4_AEOI))
        c->isr |= bit;
    else if (c->rotate_aeoi)
        c->lowest = (uint8_t)ir;
}

uint8_t i8259_ack(struct i8259 *pic)
{
    struct i8259_chip *m = &pic->chip[MASTER], *s = &pic->chip[SLAVE];
    unsigned ir = chip_request(m, true);
    if (ir == 8)                        /* the request went away before INTA */
        return (uint8_t)(m->base | I8259_SPURIOUS);
    chip_take(m, ir);
    if (ir != CASCADE_IR || single(pic)) {
        cascade(pic);
        return (uint8_t)(m->base | ir);
    }
    unsigned sir = chip_request(s, false);
    uint8_t vector = (uint8_t)(s->base | (sir == 8 ? I8259_SPURIOUS : sir));
    if (sir != 8)
        chip_take(s, sir);
    cascade(pic);
    return vector;
}

/* OCW3 P: the read is the INTA; bit 7 says whether there was a request. */
static uint8_t poll(struct i8259 *pic, struct i8259_chip *c)
{
    unsigned ir = chip_request(c, c == &pic->chip[MASTER]);
    c->poll = 0;
    if (ir == 8)
        return 0;
    chip_take(c, ir);
    cascade(pic);
    return (uint8_t)(POLL_INT | ir);
}

static void eoi(struct i8259_chip *c, unsigned ir, bool rotate)
{
    if (ir == 8)
        return;
    c->isr &= (uint8_t)~(1u << ir);
    if (rotate)
        c->lowest = (uint8_t)ir;
}

/* OCW2: R SL EOI in bits 7-5, the level in bits 2-0. */
static void ocw2(struct i8259_chip *c, uint8_t v)
{
    unsigned level = v & 7, top = highest(c, c->isr);
    switch (v >> 5) {
    case 1: eoi(c, top, false); break;                  /* non-specific EOI */
    case 3: eoi(c, level, false); break;                /* specific EOI */
    case 5: eoi(c, top, true); break;                   /* rotate on non-specific EOI */
    case 4: c->rotate_aeoi = 1; break;                  /* rotate in AEOI mode: set */
    case 0: c->rotate_aeoi = 0; break;                  /* ... clear */
    case 7: eoi(c, level, true); break;                 /* rotate on specific EOI */
    case 6: c->lowest = (uint8_t)level; break;          /* set priority */
    default: break;                                     /* 2: no operation */
    }
}

static void ocw3(struct i8259_chip *c, uint8_t v)
{
    if (v & OCW3_ESMM)
        c->special_mask = !!(v & OCW3_SMM);
    if (v & OCW3_RR)
        c->read_isr = v & OCW3_RIS;
    c->poll = !!(v & OCW3_POLL);
}

/* ICW1 (datasheet, "Initialization command words"): edge latches and mask cleared,
   IR7 lowest, SMM off, reads show the IRR; ICW4's functions zero unless it follows. */
static void icw1(struct i8259_chip *c, uint8_t v)
{
    c->icw1 = v;
    c->irr = c->isr = c->imr = 0;
    c->lowest = 7;
    c->special_mask = c->read_isr = c->poll = c->rotate_aeoi = 0;
    c->icw4 = 0;
    c->init_step = 1;
}

static void write_odd(struct i8259_chip *c, uint8_t v)
{
    switch (c->init_step) {
    case 0:
        c->imr = v;
        return;
    case 1:
        c->base = v & 0xf8;
        c->init_step = !(c->icw1 & ICW1_SNGL) ? 2 : (c->icw1 & ICW1_IC4) ? 3 : 0;
        return;
    case 2:
        c->icw3 = v;
        c->init_step = c->icw1 & ICW1_IC4 ? 3 : 0;
        return;
    default:
        c->icw4 = v;
        c->init_step = 0;
        return;
    }
}

static bool pic_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct i8259 *pic = dev;
    uint8_t v = (uint8_t)value;
    if (bytes != 1)
        return false;
    if (addr >= 0x4d0) {
        unsigned i = addr & 1;
        pic->chip[i].elcr = v & (i ? ELCR_SLAVE_BITS : ELCR_MASTER_BITS);
    } else {
        struct i8259_chip *c = &pic->chip[addr >= 0xa0];
        if (addr & 1)
            write_odd(c, v);
        else if (v & ICW1_INIT)
            icw1(c, v);
        else if (v & OCW3_SEL)
            ocw3(c, v);
        else
            ocw2(c, v);
    }
    cascade(pic);
    return true;
}

static bool pic_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct i8259 *pic = dev;
    if (bytes != 1)
        return false;
    struct i8259_chip *c = &pic->chip[addr >= 0xa0 && addr < 0x4d0];
    if (addr >= 0x4d0)
        *value = pic->chip[addr & 1].elcr;
    else if (addr & 1)
        *value = c->imr;
    else if (c->poll)
        *value = poll(pic, c);
    else
        *value = c->read_isr ? c->isr : requests(c);
    return true;
}

static void pic_reset(void *dev)
{
    struct i8259 *pic = dev;
    for (unsigned i = 0; i < 2; i++) {
        pic->chip[i] = (struct i8259_chip){ .imr = 0xff, .lowest = 7 };
        pic->chip[i].icw3 = i == MASTER ? 1u << CASCADE_IR : CASCADE_IR;
    }
}

static size_t pic_save(const void *dev, uint8_t *buf, size_t len)
{
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, dev, sizeof(struct i8259), buf, len);
}

static bool chip_valid(const struct i8259_chip *c, uint8_t elcr_bits)
{
    return c->init_step <= 3 && c->lowest <= 7 && !(c->elcr & ~elcr_bits) && c->read_isr <= 1 &&
           c->poll <= 1 && c->special_mask <= 1 && c->rotate_aeoi <= 1 && !(c->base & 7);
}

static bool pic_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct i8259 s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        !chip_valid(&s.chip[MASTER], ELCR_MASTER_BITS) ||
        !chip_valid(&s.chip[SLAVE], ELCR_SLAVE_BITS))
        return false;
    *(struct i8259 *)dev = s;
    return true;
}

const struct dev_ops i8259_ops = {
    .name = "i8259",
    .read = pic_read,
    .write = pic_write,
    .reset = pic_reset,
    .save = pic_save,
    .restore = pic_restore,
};
