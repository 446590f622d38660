/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the bus the device models sit on: port and MMIO dispatch, time, reset. */
#pragma once
#include "dev.h"

#define BUS_DEVICES 16
#define BUS_PORTS 0x10000
#define BUS_MMIO_RANGES 16

/* An MMIO range, copied at bus_add(): a model's ranges are fixed once it is on the bus. */
struct bus_mmio {
    uint64_t base, size;
    unsigned dev;
};

struct bus {
    struct dev dev[BUS_DEVICES];
    uint64_t deadline[BUS_DEVICES];     /* each model's, as of its last access or advance */
    uint64_t next;                      /* the earliest of them */
    uint16_t stale;                     /* models whose deadline may have moved */
    unsigned count;
    uint8_t timed[BUS_DEVICES];         /* the models with a clock (deadline), in order */
    unsigned timed_count;
    uint16_t timed_mask;                /* the same as bits */
    struct bus_mmio mmio[BUS_MMIO_RANGES];      /* disjoint, in the order added */
    unsigned mmio_count, mmio_last;     /* mmio_last: the range the last access hit */
    uint8_t port[BUS_PORTS];            /* the model at each port, + 1; 0: none */
};

/* Adds a model; false if the bus is full or a range is bad or overlaps another. */
bool bus_add(struct bus *b, const struct dev *d);
/* Port accesses: an unclaimed port reads as all ones and ignores writes; a wide access
   that a model does not take goes byte by byte to consecutive ports, as on the ISA bus. */
uint32_t bus_pio_read(struct bus *b, uint32_t port, unsigned bytes);
void bus_pio_write(struct bus *b, uint32_t port, unsigned bytes, uint32_t value);
/* MMIO: false if no model claims the access. */
bool bus_mmio_read(struct bus *b, uint64_t gpa, unsigned bytes, uint32_t *value);
bool bus_mmio_write(struct bus *b, uint64_t gpa, unsigned bytes, uint32_t value);
/* Brings every model whose deadline has come up to `now`; returns the next deadline. */
uint64_t bus_advance(struct bus *b, uint64_t now);
/* Without the clock: the next deadline once the models accessed since the last look have
   been asked for theirs (it may have passed: bus_advance() then has work). */
uint64_t bus_refresh(struct bus *b);
/* Brings the model with state `dev` up to `now` outside its deadline: something outside
   the guest (typed input) changed what it sees. */
void bus_kick(struct bus *b, void *dev, uint64_t now);
void bus_reset(struct bus *b);
