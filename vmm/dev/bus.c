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
    for (unsigned i = 0; i < b->count; i++)
        for (unsigned j = 0; j < b->dev[i].range_count; j++) {
            const struct dev_range *o = &b->dev[i].ranges[j];
            if (o->space == DEV_MMIO && r->base < o->base + o->size && o->base < r->base + r->size)
                return false;
        }
    return true;
}

bool bus_add(struct bus *b, const struct dev *d)
{
    if (b->count >= BUS_DEVICES)
        return false;
    for (unsigned j = 0; j < d->range_count; j++) {
        const struct dev_range *r = &d->ranges[j];
        if (r->space == DEV_PIO ? !pio_free(b, r) : !mmio_free(b, r))
            return false;
    }
    for (unsigned j = 0; j < d->range_count; j++) {
        const struct dev_range *r = &d->ranges[j];
        for (uint64_t p = r->base; r->space == DEV_PIO && p < r->base + r->size; p++)
            b->port[p] = (uint8_t)(b->count + 1);
    }
    b->deadline[b->count] = DEV_NO_DEADLINE;
    if (d->ops->deadline)
        b->timed[b->timed_count++] = (uint8_t)b->count;
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

uint32_t bus_pio_read(struct bus *b, uint32_t port, unsigned bytes)
{
    struct dev *d = pio_dev(b, port);
    uint32_t v = 0;
    if (d && d->ops->read(d->state, port, bytes, &v))
        return v;
    if (bytes == 1)
        return 0xff;
    for (unsigned i = 0; i < bytes; i++)
        v |= bus_pio_read(b, port + i, 1) << (8 * i);
    return v;
}

void bus_pio_write(struct bus *b, uint32_t port, unsigned bytes, uint32_t value)
{
    struct dev *d = pio_dev(b, port);
    if ((d && d->ops->write(d->state, port, bytes, value)) || bytes == 1)
        return;
    for (unsigned i = 0; i < bytes; i++)
        bus_pio_write(b, port + i, 1, value >> (8 * i));
}

static struct dev *mmio_dev(struct bus *b, uint64_t gpa)
{
    for (unsigned i = 0; i < b->count; i++)
        for (unsigned j = 0; j < b->dev[i].range_count; j++) {
            const struct dev_range *r = &b->dev[i].ranges[j];
            if (r->space == DEV_MMIO && gpa - r->base < r->size) {
                b->stale |= (uint16_t)(1u << i);
                return &b->dev[i];
            }
        }
    return NULL;
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

uint64_t bus_advance(struct bus *b, uint64_t now)
{
    if (now < b->next && !b->stale)
        return b->next;
    uint64_t next = DEV_NO_DEADLINE;
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
        next = MIN(next, b->deadline[i]);
    }
    b->stale = 0;
    b->next = next;
    return next;
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
