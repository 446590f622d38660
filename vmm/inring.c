/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the console input ring (single producer, single consumer). */
#include "inring.h"

size_t inring_room(const struct inring *r)
{
    uint_fast32_t used = atomic_load(&r->tail) - atomic_load(&r->head);
    return used >= INRING_SIZE ? 0 : INRING_SIZE - used;
}

void inring_put(struct inring *r, const uint8_t *buf, size_t n)
{
    uint_fast32_t tail = atomic_load(&r->tail);
    size_t room = inring_room(r);
    n = n < room ? n : room;
    for (size_t i = 0; i < n; i++)
        r->byte[(tail + i) % INRING_SIZE] = buf[i];
    atomic_store(&r->tail, tail + (uint_fast32_t)n);   /* publishes the bytes */
}

void inring_lost(struct inring *r, uint64_t n) { atomic_fetch_add(&r->lost, n); }

size_t inring_take(struct inring *r, uint8_t *buf, size_t max, bool *wake)
{
    uint_fast32_t head = atomic_load(&r->head);
    uint_fast32_t used = atomic_load(&r->tail) - head;
    size_t n = used < max ? used : max;
    if (used > INRING_SIZE)
        n = 0;                          /* cannot happen with one producer */
    for (size_t i = 0; i < n; i++)
        buf[i] = r->byte[(head + i) % INRING_SIZE];
    atomic_store(&r->head, head + (uint_fast32_t)n);
    *wake = n && atomic_exchange(&r->want_room, false);
    return n;
}

bool inring_take_lost(struct inring *r)
{
    return atomic_load(&r->lost) && atomic_exchange(&r->lost, 0);
}
