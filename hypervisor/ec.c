/* SPDX-License-Identifier: MIT */
/* Vireo: execution contexts: creation, destruction, and ending one that faulted. */
#include <vireo/status.h>
#include "cpu.h"
#include "ec.h"
#include "intr.h"
#include "lapic.h"
#include "memory.h"
#include "pd.h"
#include "pmm.h"
#include "ptab.h"
#include "sched.h"
#include "slab.h"
#include "sm.h"
#include "vcpu.h"
#include "x86.h"

static struct slab_cache ec_cache = SLAB_CACHE(sizeof(struct ec));

struct ec *ec_create(struct pd *pd, unsigned cpu, uint64_t utcb_va, uint64_t ip, uint64_t sp)
{
    struct ec *ec = slab_alloc(&ec_cache);
    uint64_t utcb = utcb_va ? page_alloc_zeroed(0) : 0;     /* a vCPU has none */
    if (!ec || (utcb_va && (!utcb || pd_map(pd, utcb_va, utcb, PAGE_SIZE, PTE_W | PTE_NX)))) {
        if (ec)
            slab_free(&ec_cache, ec);
        if (utcb)
            page_free(utcb, 0);
        return NULL;
    }
    ec->obj.type = KOBJ_EC;
    ec->pd = pd;
    kobj_get(&pd->obj);
    ec->cpu = cpu;
    ec->utcb = utcb ? phys_to_virt(utcb) : NULL;
    ec->utcb_va = utcb_va;
    ec->sp = sp;
    ec->regs = (struct regs){ .rip = ip, .rsp = sp, .rflags = RFLAGS_USER,
                              .rdi = utcb_va };
    return ec;
}

static void remove_waiter(struct ec **head, struct ec **tail, struct ec *ec)
{
    struct ec *prev = NULL;
    for (struct ec *e = *head; e; prev = e, e = e->wait_next) {
        if (e != ec)
            continue;
        *(prev ? &prev->wait_next : head) = e->wait_next;
        if (*tail == e)
            *tail = prev;
        return;
    }
}

/* Cuts `ec` out of every list and call chain; its partners carry on without it. If it
   was blocked, the SC of its chain runs again (its caller gets ABORTED). */
static void ec_detach(struct ec *ec)
{
    struct sc *blocked = ec->blocked_sm || ec->waiting_for ? ec_chain_sc(ec) : NULL;
    if (ec->blocked_sm)
        sm_dequeue(ec->blocked_sm, ec);
    if (ec->waiting_for) {
        remove_waiter(&ec->waiting_for->waiters, &ec->waiting_for->waiters_tail, ec);
        ec->waiting_for = NULL;
    }
    ec_leave_deadlines(ec);
    struct ec *caller = ec->caller, *callee = ec->callee;
    if (caller) {                       /* an exception just faults again instead */
        caller->callee = NULL;
        if (!caller->in_exception)
            caller->regs.rax = VIREO_ABORTED;
        ec->caller = NULL;
    }
    if (callee) {
        if (callee->caller == ec) {     /* it runs on: the chain's time goes on to it */
            callee->caller = caller;
            callee->orphan = caller != NULL;
            if (caller)
                caller->callee = callee;
        }
        ec->callee = NULL;
    }
    while (ec->waiters) {               /* callers queued for this handler retry */
        struct ec *w = ec->waiters;
        remove_waiter(&ec->waiters, &ec->waiters_tail, w);
        w->waiting_for = NULL;
        ec_wake(w, w->regs.rax);
    }
    ec->dead = true;
    if (blocked)
        sc_ready(blocked);
}

void ec_destroy(struct kobj *o)
{
    struct ec *ec = (struct ec *)o;
    for (unsigned i = 0; i < cpu_count; i++) {
        if (cpus[i].current == ec) {    /* running elsewhere: it stops there first */
            ec->dead = ec->zombie = true;
            kobj_get(o);
            lapic_send_ipi(cpus[i].apic_id, VEC_RESCHED);
            return;
        }
    }
    ec_detach(ec);
    if (ec->vmcs && !vcpu_release(ec))
        return;
    if (ec->utcb) {
        pd_unmap(ec->pd, ec->utcb_va, PAGE_SIZE);
        page_free(virt_to_phys(ec->utcb), 0);
    }
    kobj_put(&ec->pd->obj);
    slab_free(&ec_cache, ec);
}

NORETURN void ec_return(struct ec *ec)
{
    if (ec->vmcs)
        vcpu_return(ec);
    kernel_unlock();
    if (ec->iret) {                     /* it was interrupted, not in a SYSCALL */
        ec->iret = false;
        ret_user_iret(&ec->regs);
    }
    ret_user_sysret(&ec->regs);
}

void idle_loop(void);

NORETURN void cpu_idle(void)
{
    struct cpu *c = this_cpu();
    c->current = NULL;
    cr3_switch(paging_kernel_root());
    __asm__ volatile("mov %0, %%rsp; jmp idle_loop" :: "r"(c->kstack_top) : "memory");
    __builtin_unreachable();
}

/* The current EC is finished: a caller gets ABORTED and runs on; else the CPU moves on. */
NORETURN void ec_end_current(void)
{
    struct cpu *c = this_cpu();
    struct ec *ec = c->current, *caller = ec->caller;
    ec_detach(ec);
    c->current = NULL;
    if (ec->zombie) {
        ec->zombie = false;
        kobj_put(&ec->obj);             /* the reference ec_destroy kept while it ran */
    }
    if (caller && c->sc_current)
        resume(caller);
    if (ec->global)
        sc_block_current();
    schedule();
}

NORETURN void ec_kill_bad_return(struct ec *ec)
{
    ec_kill_current("return to 0x%lx, outside user space", ec->regs.rip);
}

NORETURN void ec_kill_current(const char *fmt, ...)
{
    struct ec *ec = this_cpu()->current;
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    kprintf("vireo: killed %s on cpu%u: %s\n", ec ? ec->pd->name : "?", this_cpu()->id, why);
    ec_end_current();
}
