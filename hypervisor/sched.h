/* SPDX-License-Identifier: MIT */
/* Vireo: scheduling contexts and the per-CPU scheduler. */
#pragma once
#include "kobj.h"
#include "lib.h"
#include "spinlock.h"

struct ec;

/* A scheduling context: priority and quantum, bound to one global EC on one CPU. Its
   time runs whatever EC ends the EC's chain of calls (time donation). */
struct sc {
    struct kobj obj;
    struct ec *ec;
    unsigned cpu, prio;
    uint64_t quantum, left;     /* TSC ticks */
    uint64_t used;              /* TSC ticks consumed */
    uint64_t started;           /* TSC when it last got the CPU */
    struct sc *next;            /* run queue */
    bool queued;
};

/*
 * All kernel entries from ring 3 or idle hold this lock; every exit releases it. Inline,
 * as it is on the IPC path; only a contended lock spins out of line.
 */
extern struct spinlock kernel_big_lock;
void kernel_lock_contended(void);
static ALWAYS_INLINE void kernel_lock(void)
{
    if (!spin_trylock(&kernel_big_lock))
        kernel_lock_contended();
}
static ALWAYS_INLINE void kernel_unlock(void) { spin_unlock(&kernel_big_lock); }
/* Every CPU drops its non-global TLB entries before this returns. */
void tlb_shootdown(void);
void tlb_flush_interrupt(void);

struct sc *sc_create(struct ec *ec, unsigned prio, uint64_t quantum_us);
void sc_destroy(struct kobj *o);
/* Makes sc runnable on its CPU (kicking that CPU if it is another one). */
void sc_ready(struct sc *sc);
/* Takes the current SC off this CPU: its EC chain blocked or died. */
void sc_block_current(void);
/* Runs the best SC of this CPU, or idles. */
NORETURN void schedule(void);
/* Continues `ec` in ring 3 on this CPU, with its SC's timer armed. */
NORETURN void resume(struct ec *ec);
/* Timer or reschedule interrupt while in ring 3 or idle; `from_user` frame saved. */
void sched_tick(void);
void sched_kick(void);
/* Blocks the current EC until `deadline` (TSC, 0: never) unless woken earlier. */
NORETURN void ec_block(struct ec *ec, uint64_t deadline);
/* Ends a block: the EC resumes with `status` in RAX (once its chain's SC runs). */
void ec_wake(struct ec *ec, uint64_t status);
void ec_leave_deadlines(struct ec *ec);
/* The SC whose time runs `ec`: that of the global EC at the root of its call chain.
   Derived, never stored, so it cannot outlive the SC. */
struct sc *ec_chain_sc(struct ec *ec);
