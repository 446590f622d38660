/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the ring between the console input thread (the one producer) and COM1's
   model in the exit handler (the one consumer), which run as two ECs on one CPU and
   may preempt each other anywhere: only the atomics cross. */
#pragma once
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INRING_SIZE 256                 /* a power of two */

struct inring {
    uint8_t byte[INRING_SIZE];
    atomic_uint_fast32_t head, tail;    /* free-running: taken / put */
    atomic_uint_fast64_t lost;          /* bytes dropped before the ring (the console's) */
    atomic_bool want_room;              /* the producer waits until the consumer takes */
};

/* Producer: room for how many bytes; put n of them (n <= room). */
size_t inring_room(const struct inring *r);
void inring_put(struct inring *r, const uint8_t *buf, size_t n);
/* Producer: counts bytes lost before they reached the ring. */
void inring_lost(struct inring *r, uint64_t n);
/* Consumer: up to max bytes out of the ring. Returns how many; *wake says the producer
   waits for room and must be woken (it is so only once per wait). */
size_t inring_take(struct inring *r, uint8_t *buf, size_t max, bool *wake);
/* Consumer: whether bytes were lost since the last call. */
bool inring_take_lost(struct inring *r);
