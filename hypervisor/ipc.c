/* SPDX-License-Identifier: MIT */
/* Vireo: call and reply: the caller's time runs the handler; messages move between UTCBs. */
#include <vireo/hypercall.h>
#include <vireo/status.h>
#include "capspace.h"
#include "cpu.h"
#include "ec.h"
#include "pd.h"
#include "pt.h"
#include "sched.h"
#include "syscall.h"
#include "x86.h"

#define SYSCALL_LENGTH 2                /* 0f 05 */
#define RFLAGS_HANDLER (RFLAGS_IF | 0x2ull)
#define HOTSPOT_SHIFT 12

/* A typed item lands in the receiver's window of the same kind, at the hotspot's offset
   within it; the receiver learns what arrived (kind NULL: nothing). */
static struct vireo_typed_item delegate(struct ec *from, struct ec *to,
                                        struct vireo_typed_item item, vireo_crd window)
{
    struct vireo_typed_item none = { 0 };
    unsigned kind = vireo_crd_kind(item.crd), order = vireo_crd_order(item.crd);
    unsigned rights = vireo_crd_rights(item.crd);
    if (kind == VIREO_CRD_NULL || kind != vireo_crd_kind(window) ||
        order > vireo_crd_order(window))
        return none;
    uint64_t span = 1ull << vireo_crd_order(window), size = 1ull << order;
    uint64_t dst = vireo_crd_base(window) +
                   ((item.hotspot >> HOTSPOT_SHIFT) & (span - 1) & ~(size - 1));
    uint64_t src = vireo_crd_base(item.crd);
    int st = kind == VIREO_CRD_OBJ
        ? (int)cap_delegate(from->pd->caps, src, to->pd->caps, dst, order, rights)
        : memdb_delegate(pd_space(from->pd, kind), src, pd_space(to->pd, kind), dst, order,
                         rights, NULL);
    if (st != VIREO_SUCCESS)
        return none;
    return (struct vireo_typed_item){ vireo_crd_make(kind, dst, order, rights), 0 };
}

/* The sender's header is user memory: every count is clamped before use. */
static void transfer(struct ec *from, struct ec *to)
{
    struct vireo_utcb *s = from->utcb, *d = to->utcb;
    unsigned untyped = MIN(s->head.untyped, VIREO_UTCB_WORDS);
    unsigned typed = MIN(s->head.typed, (unsigned)(VIREO_UTCB_WORDS - untyped) / 2);
    memcpy(d->words, s->words, untyped * sizeof(uint64_t));
    for (unsigned i = 0; i < typed; i++)
        *vireo_utcb_typed(d, i) = delegate(from, to, *vireo_utcb_typed(s, i), d->head.crd_recv);
    d->head.untyped = (uint16_t)untyped;
    d->head.typed = (uint16_t)typed;
}

static NORETURN void switch_to(struct ec *ec)
{
    this_cpu()->current = ec;
    pd_activate(ec->pd);
    kernel_unlock();
    ret_user_sysret(&ec->regs);
}

static bool in_chain(struct ec *ec, struct ec *h)
{
    for (; ec; ec = ec->caller)
        if (ec == h)
            return true;
    return false;
}

/* Waits for a busy handler: the SYSCALL runs again once the handler is free. */
static NORETURN void wait_for(struct ec *ec, struct ec *h)
{
    ec->regs.rip -= SYSCALL_LENGTH;
    ec->callee = h;
    ec->wait_next = NULL;
    if (h->waiters_tail)
        h->waiters_tail->wait_next = ec;
    else
        h->waiters = ec;
    h->waiters_tail = ec;
    ec_block(ec, 0);
}

NORETURN void sys_call(struct ec *ec, struct regs *r);
NORETURN void sys_call(struct ec *ec, struct regs *r)
{
    struct pt *pt = (struct pt *)cap_object(ec->pd->caps, r->rdi, KOBJ_PT, VIREO_PT_CALL);
    if (!pt)
        sys_finish(ec, VIREO_BAD_CAP);
    struct ec *h = pt->ec;
    if (h->dead)
        sys_finish(ec, VIREO_ABORTED);
    if (h->cpu != ec->cpu)
        sys_finish(ec, VIREO_BAD_CPU);
    if (in_chain(ec, h))
        sys_finish(ec, VIREO_BAD_PAR);  /* it would wait for itself */
    if (h->caller)
        ((r->rax >> VIREO_HC_FLAGS_SHIFT) & VIREO_HC_FLAG_NONBLOCK)
            ? sys_finish(ec, VIREO_TIMEOUT) : wait_for(ec, h);
    transfer(ec, h);
    h->caller = ec;
    ec->callee = h;
    h->regs = (struct regs){ .rip = pt->ip, .rsp = h->sp, .rdi = pt->id,
                             .rflags = RFLAGS_HANDLER };
    switch_to(h);
}

NORETURN void sys_reply(struct ec *ec, struct regs *r);
NORETURN void sys_reply(struct ec *ec, struct regs *r)
{
    (void)r;
    struct ec *caller = ec->caller;
    if (!caller && ec->global)
        sys_finish(ec, VIREO_BAD_PAR);  /* nobody called it */
    if (!caller) {                      /* its caller went away: the SC runs on without it */
        struct cpu *c = this_cpu();
        struct sc *sc = c->sc_current;
        c->current = NULL;
        if (sc) {
            sc_block_current();
            sc_ready(sc);
        }
        schedule();
    }
    transfer(ec, caller);
    ec->caller = NULL;
    caller->callee = NULL;
    struct ec *next = ec->waiters;
    if (next) {
        ec->waiters = next->wait_next;
        if (!ec->waiters)
            ec->waiters_tail = NULL;
        next->callee = NULL;
        ec_wake(next, next->regs.rax);
    }
    caller->regs.rax = VIREO_SUCCESS;
    switch_to(caller);
}
