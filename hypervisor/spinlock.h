/* SPDX-License-Identifier: MIT */
/* Vireo: ticket spinlock (fair between CPUs). */
#pragma once
#include <stdint.h>

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

static inline void spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}
