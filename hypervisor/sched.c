/* SPDX-License-Identifier: MIT */
/* Vireo: per-CPU priority round-robin over scheduling contexts, deadlines, preemption. */
#include <vireo/status.h>
#include "cpu.h"
#include "ec.h"
#include "intr.h"
#include "lapic.h"
#include "pd.h"
#include "sched.h"
#include "slab.h"
#include "sm.h"
#include "spinlock.h"
#include "vcpu.h"
#include "vmx.h"
#include "x86.h"

struct spinlock kernel_big_lock;
static struct slab_cache sc_cache = SLAB_CACHE(sizeof(struct sc));

static uint64_t flush_pending;          /* CPUs that still owe a TLB flush */

static void flush_if_asked(void)
{
    uint64_t me = 1ull << this_cpu()->id;
    if (__atomic_load_n(&flush_pending, __ATOMIC_ACQUIRE) & me) {
        write_cr3(read_cr3());
        if (this_cpu()->vmx_on)
            vmx_invept_all();
        __atomic_and_fetch(&flush_pending, ~me, __ATOMIC_RELEASE);
    }
}

/* A CPU waiting for the lock keeps serving TLB flushes, or the holder could wait on it
   for ever (it spins with interrupts off). */
void kernel_lock_contended(void)
{
    while (!spin_trylock(&kernel_big_lock)) {
        flush_if_asked();
        cpu_relax();
    }
}

void tlb_flush_interrupt(void)
{
    flush_if_asked();
    lapic_eoi();
}

/* User mappings are not global: reloading CR3 drops them (SDM Vol. 3A 4.10.4.1). */
void tlb_shootdown(void)
{
    uint64_t others = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        if (cpus[i].online && i != this_cpu()->id)
            others |= 1ull << i;
    write_cr3(read_cr3());
    if (this_cpu()->vmx_on)
        vmx_invept_all();
    __atomic_or_fetch(&flush_pending, others, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < cpu_count; i++)
        if (others & (1ull << i))
            lapic_send_ipi(cpus[i].apic_id, VEC_TLB_FLUSH);
    while (__atomic_load_n(&flush_pending, __ATOMIC_ACQUIRE) & others)
        cpu_relax();
}

struct sc *sc_create(struct ec *ec, unsigned prio, uint64_t quantum_us)
{
    struct sc *sc = slab_alloc(&sc_cache);
    if (!sc)
        return NULL;
    uint64_t quantum = MAX(1ull, quantum_us * tsc_khz / 1000);
    *sc = (struct sc){ .obj.type = KOBJ_SC, .ec = ec, .cpu = ec->cpu, .prio = prio,
                       .quantum = quantum, .left = quantum };
    kobj_get(&ec->obj);
    ec->sc = sc;
    return sc;
}

void sc_destroy(struct kobj *o)
{
    struct sc *sc = (struct sc *)o;
    struct cpu *c = &cpus[sc->cpu];
    struct sc **p = &c->runq;
    while (*p && *p != sc)
        p = &(*p)->next;
    if (*p)
        *p = sc->next;                  /* off the run queue */
    if (c->sc_current == sc)
        c->sc_current = NULL;           /* its EC chain stops at the next kernel entry */
    sc->ec->sc = NULL;
    kobj_put(&sc->ec->obj);
    slab_free(&sc_cache, sc);
}

void sc_ready(struct sc *sc)
{
    struct cpu *c = &cpus[sc->cpu];
    if (sc->queued || c->sc_current == sc)
        return;
    struct sc **p = &c->runq;
    while (*p && (*p)->prio >= sc->prio)
        p = &(*p)->next;
    sc->next = *p;
    *p = sc;
    sc->queued = true;
    if (c != this_cpu())
        lapic_send_ipi(c->apic_id, VEC_RESCHED);
    else if (!c->sc_current || c->sc_current->prio < sc->prio)
        c->need_resched = true;
}

static void account(struct cpu *c)
{
    struct sc *sc = c->sc_current;
    if (!sc)
        return;
    uint64_t ran = rdtsc() - sc->started;
    sc->used += ran;
    sc->left = ran < sc->left ? sc->left - ran : 0;
    sc->started = rdtsc();
}

void sc_block_current(void)
{
    struct cpu *c = this_cpu();
    account(c);
    c->sc_current = NULL;
}

static void arm_timer(struct cpu *c)
{
    uint64_t at = c->sc_current ? c->sc_current->started + c->sc_current->left : 0;
    for (struct ec *e = c->timeouts; e; e = e->timeout_next)
        if (!at || e->deadline < at)
            at = e->deadline;
    lapic_timer_at(at);
}

NORETURN void resume(struct ec *ec)
{
    struct cpu *c = this_cpu();
    c->current = ec;
    c->need_resched = false;
    pd_activate(ec->pd);
    arm_timer(c);
    ec->regs.rflags = (ec->regs.rflags & RFLAGS_USER_MASK) | RFLAGS_USER;
    if (!ec->vmcs)                      /* a vCPU's RIP is its guest's, not a user one */
        ec_check_return(ec);
    kobj_reap_any();
    ec_return(ec);
}

struct sc *ec_chain_sc(struct ec *ec)
{
    while (ec->caller)
        ec = ec->caller;
    return ec->sc;
}

/* An SC whose chain ends in a blocked or dead EC leaves the queue; a wake-up brings it
   back. */
static NORETURN void pick_next(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        struct sc *sc = c->runq;
        c->sc_current = sc;
        if (!sc) {
            c->current = NULL;
            arm_timer(c);
            kobj_reap_any();
            kernel_unlock();
            cpu_idle();
        }
        c->runq = sc->next;
        sc->queued = false;
        struct ec *ec = sc->ec;
        while (ec->callee)
            ec = ec->callee;
        if (ec->dead || ec->blocked_sm || ec->waiting_for)
            continue;
        if (!sc->left)
            sc->left = sc->quantum;
        sc->started = rdtsc();
        resume(ec);
    }
}

/* Nothing the caller had on the stack is needed any more: start afresh, so that a run of
   ECs killed one after another cannot grow the stack. */
NORETURN void schedule(void)
{
    __asm__ volatile("mov %0, %%rsp\n\tcall %P1" :: "r"(this_cpu()->kstack_top), "i"(pick_next)
                     : "memory");
    __builtin_unreachable();
}

static void expire_deadlines(struct cpu *c)
{
    uint64_t now = rdtsc();
    for (struct ec **p = &c->timeouts; *p;) {
        struct ec *e = *p;
        if (e->deadline > now) {
            p = &e->timeout_next;
            continue;
        }
        *p = e->timeout_next;
        e->deadline = 0;
        if (e->blocked_sm)
            sm_dequeue(e->blocked_sm, e);
        ec_wake(e, VIREO_TIMEOUT);
    }
}

/* The quantum ran out: back to the end of its priority's queue. */
void sched_tick(void)
{
    struct cpu *c = this_cpu();
    expire_deadlines(c);
    struct sc *sc = c->sc_current;
    account(c);
    if (sc && !sc->left) {
        c->sc_current = NULL;
        sc_ready(sc);           /* asks for a reschedule; pick_next refills the quantum */
    }
    arm_timer(c);
}

void sched_kick(void)
{
    struct cpu *c = this_cpu();
    vcpu_reap(c);
    if (c->runq && (!c->sc_current || c->runq->prio > c->sc_current->prio))
        c->need_resched = true;
}

NORETURN void ec_block(struct ec *ec, uint64_t deadline)
{
    struct cpu *c = this_cpu();
    sc_block_current();
    ec->deadline = deadline;
    if (deadline) {
        ec->timeout_next = c->timeouts;
        c->timeouts = ec;
    }
    schedule();
}

void ec_leave_deadlines(struct ec *ec)
{
    if (!ec->deadline)
        return;
    struct ec **p = &cpus[ec->cpu].timeouts;
    while (*p && *p != ec)
        p = &(*p)->timeout_next;
    if (*p)
        *p = ec->timeout_next;
    ec->deadline = 0;
}

void ec_wake(struct ec *ec, uint64_t status)
{
    ec_leave_deadlines(ec);
    ec->regs.rax = status;
    struct sc *sc = ec_chain_sc(ec);
    if (sc)
        sc_ready(sc);
}
