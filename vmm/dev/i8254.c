/* SPDX-License-Identifier: MIT */
/* Vireo VMM: i8254 programmable interval timer, after Intel's 82C54 datasheet: three
   counters at 1.193182 MHz, modes 0-5, LSB/MSB/both access, binary or BCD, counter latch
   and read-back; counter 0 drives IRQ 0, counter 2's gate and OUT live in the PC's port
   0x61 (with the refresh toggle, bit 4, that flips every 15.085 us). The counters are not
   stepped: each is computed from the clock when asked. */
#include "i8254.h"
#include "lib.h"

#define PORT_CONTROL 0x43
#define PORT_61 0x61
#define CW_READ_BACK 3
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10
#define STATUS_OUT 0x80
#define STATUS_NULL 0x40
#define P61_GATE2 0x01
#define P61_WRITABLE 0x0f
#define P61_REFRESH 0x10
#define P61_OUT2 0x20
#define REFRESH_TICKS 18                /* counter 1's DRAM refresh period, as the BIOS sets */
#define BINARY_RANGE 65536u
#define BCD_RANGE 10000u
#define NONE UINT64_MAX
#define SAVE_MAGIC 0x34353238u          /* "8254" */
#define SAVE_VERSION 1

const struct dev_range i8254_ranges[2] = { { DEV_PIO, 0x40, 4 }, { DEV_PIO, PORT_61, 1 } };

static uint64_t now_ticks(const struct i8254 *pit)
{
    return dev_tsc_to_ticks(pit->plat, dev_now(pit->plat), I8254_HZ);
}

static uint32_t span(const struct i8254_channel *c) { return c->bcd ? BCD_RANGE : BINARY_RANGE; }
static bool periodic(const struct i8254_channel *c) { return c->mode == 2 || c->mode == 3; }
static bool gate_triggered(const struct i8254_channel *c) { return c->mode == 1 || c->mode == 5; }

/* Modes 2/3 take a new count at the end of the current period. */
static void sync(struct i8254_channel *c, uint64_t t)
{
    if (c->pending && t >= c->pending_at) {
        c->start = c->pending_at;
        c->n = c->cr;
        c->pending = 0;
    }
}

/* The ticks counted at `t` of the count in effect. */
static uint64_t elapsed(const struct i8254_channel *c, uint64_t t)
{
    return c->suspended ? c->frozen : t - MIN(t, c->start);
}

static bool out(const struct i8254_channel *c, uint64_t t)
{
    if (!c->armed)
        return c->mode != 0;            /* a control word sets OUT low only in mode 0 */
    uint64_t e = elapsed(c, t), n = c->n;
    switch (c->mode) {
    case 0:
    case 1: return e >= n;
    case 2: return c->suspended || e % n != n - 1;
    case 3: return c->suspended || e % n < (n + 1) / 2;
    default: return e != n;             /* 4, 5: one tick low at terminal count */
    }
}

static uint32_t counter(const struct i8254_channel *c, uint64_t t)
{
    if (!c->armed)
        return c->n % span(c);
    uint64_t e = elapsed(c, t), n = c->n, range = span(c);
    if (c->mode == 2)
        return (uint32_t)((n - e % n) % range);
    if (c->mode == 3) {                 /* down by two; an odd count loses one per half */
        uint64_t p = e % n, half = (n + 1) / 2, even = n & ~1ull;
        return (uint32_t)((p < half ? even - 2 * p : even - 2 * (p - half)) % range);
    }
    return (uint32_t)((n + range - e % range) % range);
}

/* The first tick after `t` at which OUT rises, NONE if it will not by itself. */
static uint64_t next_rise(const struct i8254_channel *c, uint64_t t)
{
    if (!c->armed || c->suspended)
        return NONE;
    uint64_t start = c->start, n = c->n;
    if (c->pending && t >= c->pending_at) {
        start = c->pending_at;
        n = c->cr;
    }
    uint64_t e = t - MIN(t, start);
    if (periodic(c))
        return start + (e / n + 1) * n;
    uint64_t at = c->mode <= 1 ? n : n + 1;
    return e < at ? start + at : NONE;
}

static void set_line(struct i8254 *pit, bool level)
{
    if (pit->s.irq_level == level)
        return;
    pit->s.irq_level = level;
    pit->plat->irq(pit->plat->ctx, pit->irq, level);
}

/* OUT0 onto the IRQ line: every rise since the last advance reaches the (edge) PIC. */
static void pit_advance(void *dev, uint64_t now)
{
    struct i8254 *pit = dev;
    uint64_t t = dev_tsc_to_ticks(pit->plat, now, I8254_HZ);
    if (t < pit->s.last)
        return;
    struct i8254_channel *c0 = &pit->s.ch[0];
    if (next_rise(c0, pit->s.last) <= t) {
        set_line(pit, false);
        set_line(pit, true);
    }
    for (unsigned i = 0; i < 3; i++)
        sync(&pit->s.ch[i], t);
    set_line(pit, out(c0, t));
    pit->s.last = t;
}

static uint64_t pit_deadline(const void *dev)
{
    const struct i8254 *pit = dev;
    uint64_t rise = next_rise(&pit->s.ch[0], pit->s.last);
    return rise == NONE ? DEV_NO_DEADLINE : dev_ticks_to_tsc(pit->plat, rise, I8254_HZ);
}

/* A complete count in the count register starts counting as the mode says. */
static void load(struct i8254_channel *c, uint64_t t)
{
    c->null_count = 0;
    c->has_count = 1;
    if (periodic(c) && c->armed && !c->suspended) {
        uint64_t e = t - MIN(t, c->start);
        c->pending_at = c->start + (e / c->n + 1) * c->n;
        c->pending = 1;
        return;
    }
    if (gate_triggered(c) && c->armed)
        return;                         /* the next trigger takes it */
    if (gate_triggered(c) && !c->gate)
        return;
    c->n = periodic(c) ? MAX(c->cr, 2u) : c->cr;    /* 1 is illegal in modes 2 and 3 */
    c->start = t;
    c->armed = !gate_triggered(c);
    c->suspended = !c->gate && c->armed;
    c->frozen = 0;
    c->pending = 0;
}

static uint32_t count_value(const struct i8254_channel *c, uint32_t raw)
{
    if (c->bcd)
        raw = ((raw >> 12) & 0xf) * 1000 + ((raw >> 8) & 0xf) * 100 + ((raw >> 4) & 0xf) * 10 +
              (raw & 0xf);
    raw %= span(c);
    return raw ? raw : span(c);
}

static void write_count(struct i8254_channel *c, uint8_t v, uint64_t t)
{
    uint32_t raw;
    if (c->rw == 3 && !c->write_msb) {
        c->lsb = v;
        c->write_msb = 1;
        if (c->mode == 0)               /* the first byte stops a mode 0 count */
            c->armed = 0;
        return;
    }
    raw = c->rw == 1 ? v : c->rw == 2 ? (uint32_t)v << 8 : (uint32_t)v << 8 | c->lsb;
    c->write_msb = 0;
    c->cr = count_value(c, raw);
    load(c, t);
}

static void control_word(struct i8254 *pit, uint8_t v, uint64_t t)
{
    struct i8254_channel *c = &pit->s.ch[v >> 6];
    unsigned rw = (v >> 4) & 3;
    if (rw == 0) {                      /* counter latch command */
        if (!c->latched) {
            c->latch = (uint16_t)counter(c, t);
            c->latched = c->rw == 3 ? 2 : 1;
            c->read_msb = 0;
        }
        return;
    }
    c->rw = (uint8_t)rw;
    c->mode = (v >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4;                   /* 6 and 7 are 2 and 3 */
    c->bcd = v & 1;
    c->armed = c->pending = c->suspended = 0;
    c->latched = c->status_latched = c->read_msb = c->write_msb = 0;
    c->null_count = 1;
}

static uint8_t status(const struct i8254_channel *c, uint64_t t)
{
    return (uint8_t)((out(c, t) ? STATUS_OUT : 0) | (c->null_count ? STATUS_NULL : 0) |
                     c->rw << 4 | c->mode << 1 | c->bcd);
}

/* Read-back: bits 3-1 select counters; bit 5 clear latches counts, bit 4 clear status. */
static void read_back(struct i8254 *pit, uint8_t v, uint64_t t)
{
    for (unsigned i = 0; i < 3; i++) {
        struct i8254_channel *c = &pit->s.ch[i];
        if (!(v & (2u << i)))
            continue;
        if (!(v & RB_NO_COUNT) && !c->latched) {
            c->latch = (uint16_t)counter(c, t);
            c->latched = c->rw == 3 ? 2 : 1;
            c->read_msb = 0;
        }
        if (!(v & RB_NO_STATUS) && !c->status_latched) {
            c->status = status(c, t);
            c->status_latched = 1;
        }
    }
}

static uint8_t count_byte(struct i8254_channel *c, uint32_t value)
{
    uint32_t v = c->bcd ? (uint32_t)dev_to_bcd(value / 100) << 8 | dev_to_bcd(value % 100)
                        : value;
    bool msb = c->rw == 2 || (c->rw == 3 && c->read_msb);
    if (c->rw == 3)
        c->read_msb ^= 1;
    return (uint8_t)(msb ? v >> 8 : v);
}

static uint8_t read_counter(struct i8254_channel *c, uint64_t t)
{
    if (c->status_latched) {
        c->status_latched = 0;
        return c->status;
    }
    if (!c->latched)
        return count_byte(c, counter(c, t));
    c->latched--;
    return count_byte(c, c->latch);
}

static void set_gate(struct i8254_channel *c, bool gate, uint64_t t)
{
    if (c->gate == gate)
        return;
    c->gate = gate;
    if (gate && gate_triggered(c) && c->has_count) {
        c->n = c->cr;                   /* a rising gate (re)starts modes 1 and 5 */
        c->start = t;
        c->armed = 1;
    } else if (gate && c->suspended) {
        c->start = periodic(c) ? t : t - c->frozen;     /* 2/3 reload, 0/4 go on */
        c->suspended = 0;
    } else if (!gate && c->armed && !gate_triggered(c)) {
        sync(c, t);
        c->frozen = elapsed(c, t);
        c->suspended = 1;
        c->pending = 0;
    }
}

static bool pit_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct i8254 *pit = dev;
    if (bytes != 1)
        return false;
    uint64_t now = dev_now(pit->plat), t = dev_tsc_to_ticks(pit->plat, now, I8254_HZ);
    pit_advance(pit, now);              /* one clock reading: `last` must not pass t */
    if (addr == PORT_61)
        *value = (pit->s.port61 & P61_WRITABLE) | ((t / REFRESH_TICKS) & 1 ? P61_REFRESH : 0) |
                 (out(&pit->s.ch[2], t) ? P61_OUT2 : 0);
    else if (addr == PORT_CONTROL)
        *value = 0xff;                  /* the control word register cannot be read */
    else
        *value = read_counter(&pit->s.ch[addr - 0x40], t);
    return true;
}

static bool pit_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct i8254 *pit = dev;
    if (bytes != 1)
        return false;
    uint8_t v = (uint8_t)value;
    uint64_t now = dev_now(pit->plat), t = dev_tsc_to_ticks(pit->plat, now, I8254_HZ);
    pit_advance(pit, now);              /* one clock reading: `last` must not pass t */
    if (addr == PORT_61) {
        pit->s.port61 = v & P61_WRITABLE;
        set_gate(&pit->s.ch[2], v & P61_GATE2, t);
    } else if (addr == PORT_CONTROL && v >> 6 == CW_READ_BACK) {
        read_back(pit, v, t);
    } else if (addr == PORT_CONTROL) {
        control_word(pit, v, t);
    } else {
        write_count(&pit->s.ch[addr - 0x40], v, t);
    }
    set_line(pit, out(&pit->s.ch[0], t));
    return true;
}

void i8254_init(struct i8254 *pit, const struct dev_platform *plat, unsigned irq)
{
    pit->plat = plat;
    pit->irq = irq;
}

static void pit_reset(void *dev)
{
    struct i8254 *pit = dev;
    memset(&pit->s, 0, sizeof(pit->s));
    for (unsigned i = 0; i < 3; i++) {
        struct i8254_channel *c = &pit->s.ch[i];
        c->rw = 3;
        c->mode = 3;                    /* as a BIOS leaves it, but with no count yet */
        c->n = c->cr = BINARY_RANGE;
        c->gate = i < 2;                /* counter 2's gate is port 0x61 bit 0 */
    }
    pit->s.last = now_ticks(pit);
    pit->s.irq_level = 1;               /* OUT is high in mode 3 */
    pit->plat->irq(pit->plat->ctx, pit->irq, true);
}

static size_t pit_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct i8254 *pit = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &pit->s, sizeof(pit->s), buf, len);
}

static bool channel_valid(const struct i8254_channel *c, unsigned i)
{
    uint32_t range = c->bcd > 1 ? 0 : span(c);
    return c->mode <= 5 && c->rw >= 1 && c->rw <= 3 && c->bcd <= 1 && c->n >= 1 &&
           c->n <= range && c->cr >= 1 && c->cr <= range && (!periodic(c) || c->n >= 2) &&
           c->latched <= 2 && c->status_latched <= 1 && c->read_msb <= 1 && c->write_msb <= 1 &&
           c->null_count <= 1 && c->has_count <= 1 && c->armed <= 1 && c->suspended <= 1 &&
           c->pending <= 1 && c->gate <= 1 && (i == 2 || c->gate);
}

static bool pit_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct i8254 *pit = dev;
    struct i8254_state s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        s.port61 > P61_WRITABLE || s.irq_level > 1)
        return false;
    for (unsigned i = 0; i < 3; i++)
        if (!channel_valid(&s.ch[i], i))
            return false;
    pit->s = s;
    pit->plat->irq(pit->plat->ctx, pit->irq, s.irq_level);
    return true;
}

const struct dev_ops i8254_ops = {
    .name = "i8254",
    .read = pit_read,
    .write = pit_write,
    .reset = pit_reset,
    .save = pit_save,
    .restore = pit_restore,
    .deadline = pit_deadline,
    .advance = pit_advance,
};
