/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the device bus: an O(1) port table, a list of MMIO ranges, and the models'
   deadlines kept so that an exit with nothing due costs two compares. */
#include "bus.h"
#include "lib.h"

#define ALL_ONES 0xffffffffu

static bool pio_free(const struct bus *b, const struct dev_range *r)
{
    if (!r->size || r->base >= BUS_PORTS || r->size > BUS_PORTS - r->base)
        return false;
    for (uint64_t p = r->base; p < r->base + r->size; p++)
        if (b->port[p])
            return false;
    return true;
}

static bool mmio_free(const struct bus *b, const struct dev_range *r)
{
    if (!r->size || r->base + r->size < r->base)
        return false;
    for (unsigned k = 0; k < b->mmio_count; k++) {
        const struct bus_mmio *o = &b->mmio[k];
        if (r->base < o->base + o->size && o->base < r->base + r->size)
            return false;
    }
    return true;
}

bool bus_add(struct bus *b, const struct dev *d)
{
    unsigned mmio = 0;
    if (b->count >= BUS_DEVICES)
        return false;
    for (unsigned j = 0; j < d->range_count; j++) {
        const struct dev_range *r = &d->ranges[j];
        if (r->space == DEV_PIO ? !pio_free(b, r) : !mmio_free(b, r))
            return false;
        mmio += r->space == DEV_MMIO;
    }
    if (mmio > BUS_MMIO_RANGES - b->mmio_count)
        return false;
    for (unsigned j = 0; j < d->range_count; j++) {
        const struct dev_range *r = &d->ranges[j];
        for (uint64_t p = r->base; r->space == DEV_PIO && p < r->base + r->size; p++)
            b->port[p] = (uint8_t)(b->count + 1);
        if (r->space == DEV_MMIO)
            b->mmio[b->mmio_count++] = (struct bus_mmio){ r->base, r->size, b->count };
    }
    b->deadline[b->count] = DEV_NO_DEADLINE;
    if (d->ops->deadline) {
        b->timed[b->timed_count++] = (uint8_t)b->count;
        b->timed_mask |= (uint16_t)(1u << b->count);
    }
    b->stale |= (uint16_t)(1u << b->count);
    b->dev[b->count++] = *d;
    return true;
}

static struct dev *pio_dev(struct bus *b, uint32_t port)
{
    if (port >= BUS_PORTS || !b->port[port])
        return NULL;
    unsigned i = b->port[port] - 1u;
    b->stale |= (uint16_t)(1u << i);
    return &b->dev[i];
}

/* A wide access no model took: byte by byte, as the ISA bus splits it. */
static __attribute__((noinline)) uint32_t pio_read_bytes(struct bus *b, uint32_t port,
                                                         unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= bus_pio_read(b, port + i, 1) << (8 * i);
    return v;
}

static __attribute__((noinline)) void pio_write_bytes(struct bus *b, uint32_t port,
                                                      unsigned bytes, uint32_t value)
{
    for (unsigned i = 0; i < bytes; i++)
        bus_pio_write(b, port + i, 1, value >> (8 * i));
}

uint32_t bus_pio_read(struct bus *b, uint32_t port, unsigned bytes)
{
    struct dev *d = pio_dev(b, port);
    uint32_t v = 0;
    if (d && d->ops->read(d->state, port, bytes, &v))
        return v;
    return bytes == 1 ? 0xff : pio_read_bytes(b, port, bytes);
}

void bus_pio_write(struct bus *b, uint32_t port, unsigned bytes, uint32_t value)
{
    struct dev *d = pio_dev(b, port);
    if ((d && d->ops->write(d->state, port, bytes, value)) || bytes == 1)
        return;
    pio_write_bytes(b, port, bytes, value);
}

/* The ranges are disjoint, so the one the last access hit, if it holds `gpa`, is the
   only one that does: a guest mostly works one device at a time. */
static struct dev *mmio_dev(struct bus *b, uint64_t gpa)
{
    const struct bus_mmio *m = &b->mmio[b->mmio_last];
    if (gpa - m->base >= m->size) {
        unsigned k = 0;
        while (k < b->mmio_count && gpa - b->mmio[k].base >= b->mmio[k].size)
            k++;
        if (k == b->mmio_count)
            return NULL;
        b->mmio_last = k;
        m = &b->mmio[k];
    }
    b->stale |= (uint16_t)(1u << m->dev);
    return &b->dev[m->dev];
}

bool bus_mmio_read(struct bus *b, uint64_t gpa, unsigned bytes, uint32_t *value)
{
    struct dev *d = mmio_dev(b, gpa);
    return d && d->ops->read(d->state, gpa, bytes, value);
}

bool bus_mmio_write(struct bus *b, uint64_t gpa, unsigned bytes, uint32_t value)
{
    struct dev *d = mmio_dev(b, gpa);
    return d && d->ops->write(d->state, gpa, bytes, value);
}

static uint64_t earliest(const struct bus *b)
{
    uint64_t next = DEV_NO_DEADLINE;
    for (unsigned k = 0; k < b->timed_count; k++)
        next = MIN(next, b->deadline[b->timed[k]]);
    return next;
}

/* An access moves at most the deadline of the model it reached: only those are asked,
   and the rest are looked at only when the earliest one moved later. */
uint64_t bus_refresh(struct bus *b)
{
    unsigned stale = b->stale & b->timed_mask;
    bool later = false;
    b->stale = 0;
    for (; stale; stale &= stale - 1) {
        unsigned i = (unsigned)__builtin_ctz(stale);
        uint64_t d = b->dev[i].ops->deadline(b->dev[i].state);
        later |= b->deadline[i] == b->next && d > b->next;
        b->deadline[i] = d;
        b->next = MIN(b->next, d);
    }
    if (later)
        b->next = earliest(b);
    return b->next;
}

uint64_t bus_advance(struct bus *b, uint64_t now)
{
    if (now < b->next)                  /* no deadline passed: nothing to run */
        return bus_refresh(b);
    /* Only the models with a clock: each other one would cost the exit path a few
       instructions for nothing. */
    for (unsigned k = 0; k < b->timed_count; k++) {
        unsigned i = b->timed[k];
        const struct dev *d = &b->dev[i];
        if (now >= b->deadline[i]) {
            d->ops->advance(d->state, now);
            b->stale |= (uint16_t)(1u << i);
        }
        if (b->stale & (1u << i))
            b->deadline[i] = d->ops->deadline(d->state);
    }
    b->stale = 0;
    b->next = earliest(b);
    return b->next;
}

void bus_kick(struct bus *b, void *dev, uint64_t now)
{
    for (unsigned i = 0; i < b->count; i++)
        if (b->dev[i].state == dev && b->dev[i].ops->advance) {
            b->dev[i].ops->advance(dev, now);
            b->stale |= (uint16_t)(1u << i);
        }
}

void bus_reset(struct bus *b)
{
    for (unsigned i = 0; i < b->count; i++)
        b->dev[i].ops->reset(b->dev[i].state);
    b->stale = (uint16_t)((1u << b->count) - 1);
    b->next = 0;
}
