/* SPDX-License-Identifier: MIT */
/* Vireo: counting semaphores with a FIFO of blocked ECs. */
#include <vireo/status.h>
#include "cpu.h"
#include "ec.h"
#include "ioapic.h"
#include "lapic.h"
#include "sched.h"
#include "slab.h"
#include "sm.h"

static struct slab_cache sm_cache = SLAB_CACHE(sizeof(struct sm));
static struct sm *gsi_sm[GSI_COUNT];   /* no reference: sm_destroy unroutes */

struct sm *sm_create(uint64_t count)
{
    struct sm *sm = slab_alloc(&sm_cache);
    if (sm)
        *sm = (struct sm){ .obj.type = KOBJ_SM, .count = count };
    return sm;
}

/* Waiters of a semaphore that goes away return ABORTED. */
void sm_destroy(struct kobj *o)
{
    struct sm *sm = (struct sm *)o;
    for (uint32_t gsi = 0; gsi < GSI_COUNT; gsi++) {
        if (gsi_sm[gsi] == sm) {
            ioapic_mask(gsi);
            gsi_sm[gsi] = NULL;
        }
    }
    while (sm->waiters) {
        struct ec *ec = sm->waiters;
        sm_dequeue(sm, ec);
        ec_wake(ec, VIREO_ABORTED);
    }
    slab_free(&sm_cache, sm);
}

void sm_enqueue(struct sm *sm, struct ec *ec)
{
    ec->wait_next = NULL;
    ec->blocked_sm = sm;
    if (sm->waiters_tail)
        sm->waiters_tail->wait_next = ec;
    else
        sm->waiters = ec;
    sm->waiters_tail = ec;
}

void sm_dequeue(struct sm *sm, struct ec *ec)
{
    struct ec **p = &sm->waiters, *prev = NULL;
    for (; *p && *p != ec; p = &prev->wait_next)
        prev = *p;
    if (*p) {
        *p = ec->wait_next;
        if (sm->waiters_tail == ec)
            sm->waiters_tail = prev;
    }
    ec->blocked_sm = NULL;
}

void sm_up(struct sm *sm)
{
    struct ec *ec = sm->waiters;
    if (ec) {
        sm_dequeue(sm, ec);
        ec_wake(ec, VIREO_SUCCESS);
    } else if (sm->count != UINT64_MAX) {
        sm->count++;
    }
}

bool sm_try_down(struct sm *sm, bool zero)
{
    if (!sm->count)
        return false;
    sm->count = zero ? 0 : sm->count - 1;
    return true;
}

void sm_assign_gsi(struct sm *sm, uint32_t gsi, unsigned cpu)
{
    gsi_sm[gsi] = sm;
    ioapic_route(gsi, cpus[cpu].apic_id, (uint8_t)(VEC_GSI_BASE + gsi));
}

/* Edge semantics: a level-triggered source that stays asserted interrupts again after
   the EOI, until its driver quiets the device. */
void sm_gsi_interrupt(const struct frame *f)
{
    struct sm *sm = gsi_sm[f->vector - VEC_GSI_BASE];
    lapic_eoi();
    if (sm)
        sm_up(sm);
}
