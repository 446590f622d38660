/* SPDX-License-Identifier: MIT */
/* Vireo: ticket spinlock (fair between CPUs). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "lib.h"

struct spinlock {
    uint16_t next;
    uint16_t owner;
};

static inline void spin_lock(struct spinlock *l)
{
    uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
        __asm__ volatile("pause");
}

static ALWAYS_INLINE bool spin_trylock(struct spinlock *l)
{
    uint16_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
    uint16_t expected = owner;
    return __atomic_compare_exchange_n(&l->next, &expected, (uint16_t)(owner + 1), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static ALWAYS_INLINE void spin_unlock(struct spinlock *l)
{
    __atomic_fetch_add(&l->owner, 1, __ATOMIC_RELEASE);    /* one instruction */
}
