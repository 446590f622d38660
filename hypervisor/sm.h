/* SPDX-License-Identifier: MIT */
/* Vireo: counting semaphores; interrupts arrive as ups. */
#pragma once
#include <stdint.h>
#include "intr.h"
#include "kobj.h"

struct ec;

struct sm {
    struct kobj obj;
    uint64_t count;
    struct ec *waiters, *waiters_tail;
};

struct sm *sm_create(uint64_t count);
void sm_destroy(struct kobj *o);
void sm_up(struct sm *sm);
/* Returns true if a count was taken; else the caller blocks via ec_block. */
bool sm_try_down(struct sm *sm, bool zero);
void sm_enqueue(struct sm *sm, struct ec *ec);
/* Removes a waiter (timeout or death). */
void sm_dequeue(struct sm *sm, struct ec *ec);
#define GSI_COUNT (VEC_GSI_END - VEC_GSI_BASE)
/* Routes interrupt `gsi` to `sm` on `cpu`; each interrupt is one up. */
void sm_assign_gsi(struct sm *sm, uint32_t gsi, unsigned cpu);
/* The interrupt of a GSI (intr.c's handler for VEC_GSI_BASE .. VEC_GSI_END - 1). */
void sm_gsi_interrupt(const struct frame *f);
