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
#include "vcpu.h"
#include "x86.h"
#include <vireo/mtd.h>

#define SYSCALL_LENGTH 2                /* 0f 05 */
_Static_assert(VIREO_SUCCESS == 0, "ret_user_reply returns SUCCESS as a zero RAX");
#define HOTSPOT_SHIFT 12

/* A typed item lands in the receiver's window of the same kind, at the hotspot's offset
   within it; the receiver learns what arrived (kind NULL: nothing). A reply to an
   exception has no window: the hotspot itself says where (its handler is trusted with
   the faulting PD by holding the portal). */
static struct vireo_typed_item delegate(struct ec *from, struct ec *to,
                                        struct vireo_typed_item item, vireo_crd window)
{
    struct vireo_typed_item none = { 0 };
    unsigned kind = vireo_crd_kind(item.crd), order = vireo_crd_order(item.crd);
    unsigned rights = vireo_crd_rights(item.crd);
    bool anywhere = to->in_exception;
    if (kind == VIREO_CRD_NULL ||
        (!anywhere && (kind != vireo_crd_kind(window) || order > vireo_crd_order(window))))
        return none;
    uint64_t span = anywhere ? 0 : 1ull << vireo_crd_order(window), size = 1ull << order;
    uint64_t dst = anywhere ? (item.hotspot >> HOTSPOT_SHIFT) & ~(size - 1)
                            : vireo_crd_base(window) +
                                  ((item.hotspot >> HOTSPOT_SHIFT) & (span - 1) & ~(size - 1));
    uint64_t src = vireo_crd_base(item.crd);
    bool guest = kind == VIREO_CRD_MEM && (item.hotspot & VIREO_DELEGATE_GUEST);
    if (guest && !to->pd->ept)
        return none;
    int st = kind == VIREO_CRD_OBJ
        ? (int)cap_delegate(from->pd->caps, src, to->pd->caps, dst, order, rights)
        : memdb_delegate(pd_space(from->pd, kind), src,
                         guest ? &to->pd->guest : pd_space(to->pd, kind), dst, order, rights,
                         NULL);
    if (st != VIREO_SUCCESS)
        return none;
    return (struct vireo_typed_item){ vireo_crd_make(kind, dst, order, rights), 0 };
}

/* The sender's header is user memory: every count is clamped before use. A reply to an
   exception only delegates: the faulting EC's UTCB is its own business. */
static void transfer_message(struct ec *from, struct ec *to)
{
    struct vireo_utcb *s = from->utcb, *d = to->utcb;
    unsigned untyped = MIN(s->head.untyped, VIREO_UTCB_WORDS);
    unsigned typed = MIN(s->head.typed, (unsigned)(VIREO_UTCB_WORDS - untyped) / 2);
    for (unsigned i = 0; i < typed; i++) {
        struct vireo_typed_item got = delegate(from, to, *vireo_utcb_typed(s, i),
                                               to->in_exception ? 0 : d->head.crd_recv);
        if (!to->in_exception)
            *vireo_utcb_typed(d, i) = got;
    }
    if (to->in_exception)
        return;
    memcpy(d->words, s->words, untyped * sizeof(uint64_t));
    d->head.untyped = (uint16_t)untyped;
    d->head.typed = (uint16_t)typed;
}

static ALWAYS_INLINE void transfer(struct ec *from, struct ec *to)
{
    const struct vireo_utcb_head *s = &from->utcb->head;
    if (!s->untyped && !s->typed && !to->in_exception)
        to->utcb->head.untyped = to->utcb->head.typed = 0;  /* the common empty message */
    else if (s->typed || !to->in_exception)
        transfer_message(from, to);     /* (an exception's reply only delegates) */
}

/* Makes `ec` current: only the way back to its guest or ring 3 is left. */
static ALWAYS_INLINE void switch_prepare(struct ec *ec)
{
    this_cpu()->current = ec;
    ec_check_return(ec);                /* a portal's IP or a reply's RIP is user input */
    pd_activate(ec->pd);
}

/* Back to `ec`, in its guest or in ring 3, the way it left. */
static NORETURN void switch_to(struct ec *ec)
{
    if (ec->vmcs) {                     /* into its guest: no user RIP, no CR3 of its own */
        this_cpu()->current = ec;
        vcpu_return(ec);
    }
    switch_prepare(ec);
    ec_return(ec);
}

static ALWAYS_INLINE bool in_chain(struct ec *ec, struct ec *h)
{
    do {
        if (ec == h)
            return true;
    } while ((ec = ec->caller));
    return false;
}

/* Waits for a busy handler; `ec` repeats its SYSCALL (or faulting instruction) once the
   handler is free. */
static NORETURN void wait_for(struct ec *ec, struct ec *h)
{
    ec->waiting_for = h;
    ec->wait_next = NULL;
    if (h->waiters_tail)
        h->waiters_tail->wait_next = ec;
    else
        h->waiters = ec;
    h->waiters_tail = ec;
    ec_block(ec, 0);
}

/* The state an exception message carries (all groups; the MTD is for vCPUs). */
static void state_out(const struct ec *ec, struct vireo_vcpu_state *s, uint64_t mtd)
{
    const struct regs *r = &ec->regs;
    *s = (struct vireo_vcpu_state){
        .mtd = mtd, .rip = r->rip, .rflags = r->rflags, .rsp = r->rsp,
        .rax = r->rax, .rcx = r->rcx, .rdx = r->rdx, .rbx = r->rbx, .rbp = r->rbp,
        .rsi = r->rsi, .rdi = r->rdi, .r8 = r->r8, .r9 = r->r9, .r10 = r->r10,
        .r11 = r->r11, .r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
    };
}

/* The handler's reply names in s->mtd what it changed; RFLAGS is sanitized on return. */
void ipc_state_in(struct ec *ec, const struct vireo_vcpu_state *s)
{
    struct regs *r = &ec->regs;
    if (s->mtd & VIREO_MTD_RIP_LEN)
        r->rip = s->rip;
    if (s->mtd & VIREO_MTD_RSP)
        r->rsp = s->rsp;
    if (s->mtd & VIREO_MTD_RFLAGS)
        r->rflags = (s->rflags & RFLAGS_USER_MASK) | RFLAGS_USER;
    if (s->mtd & VIREO_MTD_GPR_ACDB) {
        r->rax = s->rax;
        r->rcx = s->rcx;
        r->rdx = s->rdx;
        r->rbx = s->rbx;
    }
    if (s->mtd & VIREO_MTD_GPR_BSD) {
        r->rbp = s->rbp;
        r->rsi = s->rsi;
        r->rdi = s->rdi;
    }
    if (s->mtd & VIREO_MTD_GPR_R8_R15) {
        __builtin_memcpy(&r->r8, &s->r8, 4 * sizeof(uint64_t));
        __builtin_memcpy(&r->r12, &s->r12, 4 * sizeof(uint64_t));
    }
}

/*
 * Starts the handler of `pt` for `ec`, the caller or the faulting EC, afresh: at the
 * portal's IP on the handler's stack, RDI = the portal id, all else zero. (A free local
 * EC last left ring 3 by SYSCALL, so it has no interrupted state to resume.)
 */
static ALWAYS_INLINE NORETURN void enter_handler(struct ec *ec, struct pt *pt)
{
    struct ec *h = pt->ec;
    h->caller = ec;
    ec->callee = h;
    h->regs.rip = pt->ip;
    switch_prepare(h);
    kernel_unlock();
    ret_user_portal(pt->ip, h->sp, pt->id);
}

struct pt *event_portal(struct ec *ec, unsigned event)
{
    struct pt *pt = ec->event_base ? (struct pt *)cap_object(ec->pd->caps,
                        ec->event_base + event, KOBJ_PT, VIREO_PT_CALL) : NULL;
    if (!pt || pt->ec->dead || pt->ec->cpu != ec->cpu || in_chain(ec, pt->ec))
        return NULL;
    if (pt->ec->caller)                 /* busy: the instruction faults (exits) again later */
        wait_for(ec, pt->ec);
    return pt;
}

NORETURN void event_enter(struct ec *ec, struct pt *pt)
{
    ec->in_exception = true;
    enter_handler(ec, pt);
}

void exception_call(struct ec *ec, unsigned vector, uint64_t error, uint64_t addr)
{
    struct pt *pt = event_portal(ec, vector);
    if (!pt)
        return;                         /* nobody to handle it: the caller kills ec */
    struct vireo_vcpu_state *s = &pt->ec->utcb->vcpu;
    state_out(ec, s, pt->mtd);
    s->qual[0] = error;
    s->qual[1] = addr;
    event_enter(ec, pt);
}

/* Also the fast path's call (inline there): its straight path is the common case. */
ALWAYS_INLINE NORETURN void sys_call(struct ec *ec, struct regs *r)
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
    if (h->caller && ((r->rax >> VIREO_HC_FLAGS_SHIFT) & VIREO_HC_FLAG_NONBLOCK))
        sys_finish(ec, VIREO_TIMEOUT);
    if (h->caller) {
        r->rip -= SYSCALL_LENGTH;
        wait_for(ec, h);
    }
    transfer(ec, h);
    enter_handler(ec, pt);
}

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
    bool event = caller->in_exception;
    if (event && !ec->orphan) {
        if (caller->vmcs)
            vcpu_state_in(caller, &ec->utcb->vcpu);
        else
            ipc_state_in(caller, &ec->utcb->vcpu);
    }
    if (!ec->orphan)
        transfer(ec, caller);
    caller->in_exception = false;
    ec->caller = NULL;
    caller->callee = NULL;
    struct ec *next = ec->waiters;
    if (next) {
        ec->waiters = next->wait_next;
        if (!ec->waiters)
            ec->waiters_tail = NULL;
        next->waiting_for = NULL;
        ec_wake(next, next->regs.rax);
    }
    if (!event && !ec->orphan)
        caller->regs.rax = VIREO_SUCCESS;
    ec->orphan = false;
    switch_to(caller);
}

/*
 * Whether a reply may take the fast path: its caller waits in a plain call (a SYSCALL) or
 * a VM exit (not an exception), it has nothing to delegate and nobody waits for it.
 */
static ALWAYS_INLINE bool fast_reply_allowed(const struct ec *ec, const struct ec *caller)
{
    return caller && (!caller->in_exception || caller->vmcs) && !caller->iret &&
           !ec->orphan && !ec->waiters && !ec->utcb->head.typed;
}

/*
 * The fast paths: entry.asm comes here for call and reply without flags, having saved
 * only what these need (a replying local EC: nothing). The common call is sys_call's own
 * straight path; anything else goes on in sys_call or sys_reply, which need no more.
 */
NORETURN void ipc_call_fast(struct ec *ec)
{
    syscall_enter(ec);
    sys_call(ec, &ec->regs);
}

NORETURN void ipc_reply_fast(struct ec *ec)
{
    syscall_enter(ec);
    struct ec *caller = ec->caller;
    if (!fast_reply_allowed(ec, caller))
        sys_reply(ec, &ec->regs);
    bool vcpu = caller->in_exception;   /* back into its guest, with the state it names */
    if (vcpu)
        vcpu_state_in(caller, &ec->utcb->vcpu);
    else
        transfer(ec, caller);
    caller->in_exception = false;
    ec->caller = NULL;
    caller->callee = NULL;
    if (vcpu)
        switch_to(caller);
    switch_prepare(caller);
    kernel_unlock();
    ret_user_reply(&caller->regs);
}
