/* SPDX-License-Identifier: MIT */
/* Vireo: hypercalls: a masked table of handlers, each checking everything before acting. */
#include <vireo/hypercall.h>
#include <vireo/status.h>
#include "capspace.h"
#include "cpu.h"
#include "ec.h"
#include "ioapic.h"
#include "memory.h"
#include "paging.h"
#include "pd.h"
#include "pt.h"
#include "sched.h"
#include "sm.h"
#include "syscall.h"
#include "vcpu.h"
#include "vmx.h"
#include "x86.h"

#define HC_MASK ((1u << VIREO_HC_NUMBER_BITS) - 1)
#define HC_FLAGS(r) ((r)->rax >> VIREO_HC_FLAGS_SHIFT & 0xf)
#define NAME_WORDS (PD_NAME_MAX / 8)
/* Shorter quanta would end before the exit path reaches ring 3 (Bochs: 10 ticks/us). */
#define MIN_QUANTUM_US 100

typedef NORETURN void (*hypercall_fn)(struct ec *ec, struct regs *r);

static NORETURN void finish(struct ec *ec, enum vireo_status status)
{
    struct cpu *c = this_cpu();
    ec->regs.rax = status;
    if (c->need_resched && c->sc_current) {     /* a higher priority woke up: yield */
        struct sc *sc = c->sc_current;
        sc_block_current();
        sc_ready(sc);
        schedule();
    }
    ec_check_return(ec);                /* SYSCALL may have ended just below the hole */
    kobj_reap_any();
    kernel_unlock();
    ret_user_sysret(&ec->regs);
}

NORETURN void sys_finish(struct ec *ec, enum vireo_status status) { finish(ec, status); }

static struct capspace *caps(struct ec *ec) { return ec->pd->caps; }

static struct kobj *object(struct ec *ec, uint64_t sel, enum kobj_type type, unsigned rights)
{
    return cap_object(caps(ec), sel, type, rights);
}

static enum vireo_status dst_free(struct ec *ec, uint64_t sel)
{
    if (sel >= CAP_SELECTORS)
        return VIREO_BAD_PAR;
    return cap_lookup(caps(ec), sel) ? VIREO_BAD_CAP : VIREO_SUCCESS;
}

/* Gives the new object its first capability, or queues it for destruction. */
static NORETURN void install(struct ec *ec, uint64_t sel, struct kobj *o)
{
    if (!o)
        finish(ec, VIREO_NO_MEM);
    enum vireo_status st = cap_create(caps(ec), sel, o, VIREO_OBJ_ALL);
    if (st != VIREO_SUCCESS)
        kobj_destroy(o);
    finish(ec, st);
}

static NORETURN void sys_create_pd(struct ec *ec, struct regs *r)
{
    if (!object(ec, r->rsi, KOBJ_PD, VIREO_PD_CREATE_PD))
        finish(ec, VIREO_BAD_CAP);
    enum vireo_status st = dst_free(ec, r->rdi);
    if (st)
        finish(ec, st);
    char name[PD_NAME_MAX] = "pd";
    if (ec->utcb->head.untyped >= NAME_WORDS) {
        memcpy(name, ec->utcb->words, sizeof(name));
        name[PD_NAME_MAX - 1] = '\0';
    }
    vireo_crd crd = r->rdx;
    unsigned order = vireo_crd_order(crd);
    if (crd && (vireo_crd_kind(crd) != VIREO_CRD_OBJ || order > CAP_ORDER_MAX ||
                !IS_ALIGNED(vireo_crd_base(crd), 1ull << order)))
        finish(ec, VIREO_BAD_PAR);
    bool vm = HC_FLAGS(r) & VIREO_HC_FLAG_PD_VM;
    if (vm && !vmx_caps.ept)
        finish(ec, VIREO_BAD_FTR);
    struct pd *pd = pd_create(name, vm);
    if (!pd || !crd)
        install(ec, r->rdi, pd ? &pd->obj : NULL);
    st = cap_create(caps(ec), r->rdi, &pd->obj, VIREO_OBJ_ALL);
    if (st == VIREO_SUCCESS)
        st = cap_delegate(caps(ec), vireo_crd_base(crd), pd->caps, vireo_crd_base(crd), order,
                          vireo_crd_rights(crd));
    if (st != VIREO_SUCCESS)            /* takes the new PD with it */
        cap_revoke(caps(ec), r->rdi, 0, true);
    finish(ec, st);
}

static NORETURN void sys_create_ec(struct ec *ec, struct regs *r)
{
    struct pd *pd = (struct pd *)object(ec, r->rsi, KOBJ_PD, VIREO_PD_CREATE_EC);
    uint64_t cpu = r->rdx & ((1u << VIREO_EC_CPU_BITS) - 1), utcb = r->r8;
    bool vcpu = HC_FLAGS(r) & VIREO_HC_FLAG_EC_VCPU;
    if (!pd)
        finish(ec, VIREO_BAD_CAP);
    if (cpu >= cpu_count || !cpus[cpu].online)
        finish(ec, VIREO_BAD_CPU);
    if (vcpu && (!pd->ept || !vmx_caps.unrestricted || !cpus[cpu].vmx_on))
        finish(ec, pd->ept ? VIREO_BAD_FTR : VIREO_BAD_PAR);
    if (!vcpu && (!utcb || !IS_ALIGNED(utcb, PAGE_SIZE) || utcb >= USER_LIMIT ||
                  paging_lookup_in(pd->root, utcb) != ~0ull))
        finish(ec, VIREO_BAD_PAR);
    enum vireo_status st = dst_free(ec, r->rdi);
    if (st)
        finish(ec, st);
    struct ec *e = vcpu ? vcpu_create(pd, (unsigned)cpu)
                        : ec_create(pd, (unsigned)cpu, utcb, r->r10, r->r9);
    if (e) {
        e->global |= HC_FLAGS(r) & VIREO_HC_FLAG_EC_GLOBAL;
        e->event_base = r->rdx >> VIREO_EC_CPU_BITS;
    }
    install(ec, r->rdi, e ? &e->obj : NULL);
}

static NORETURN void sys_create_sc(struct ec *ec, struct regs *r)
{
    struct ec *e = (struct ec *)object(ec, r->rdx, KOBJ_EC, VIREO_EC_CREATE_SC);
    uint64_t prio = r->r8 & 0xff, quantum = r->r8 >> 12;
    if (!object(ec, r->rsi, KOBJ_PD, VIREO_PD_CREATE_SC) || !e)
        finish(ec, VIREO_BAD_CAP);
    if (!e->global || e->sc || e->dead || !prio || quantum < MIN_QUANTUM_US ||
        quantum > UINT32_MAX)
        finish(ec, VIREO_BAD_PAR);
    enum vireo_status st = dst_free(ec, r->rdi);
    if (st)
        finish(ec, st);
    struct sc *sc = sc_create(e, (unsigned)prio, quantum);
    if (sc && cap_create(caps(ec), r->rdi, &sc->obj, VIREO_OBJ_ALL) == VIREO_SUCCESS) {
        sc_ready(sc);
        finish(ec, VIREO_SUCCESS);
    }
    install(ec, r->rdi, sc ? &sc->obj : NULL);  /* reports the failure */
}

static NORETURN void sys_create_pt(struct ec *ec, struct regs *r)
{
    struct ec *e = (struct ec *)object(ec, r->rdx, KOBJ_EC, VIREO_EC_CREATE_PT);
    if (!object(ec, r->rsi, KOBJ_PD, VIREO_PD_CREATE_PT) || !e)
        finish(ec, VIREO_BAD_CAP);
    if (e->global)
        finish(ec, VIREO_BAD_PAR);
    enum vireo_status st = dst_free(ec, r->rdi);
    if (st)
        finish(ec, st);
    struct pt *pt = pt_create(e, r->r8, r->r9);
    install(ec, r->rdi, pt ? &pt->obj : NULL);
}

static NORETURN void sys_create_sm(struct ec *ec, struct regs *r)
{
    if (!object(ec, r->rsi, KOBJ_PD, VIREO_PD_CREATE_SM))
        finish(ec, VIREO_BAD_CAP);
    enum vireo_status st = dst_free(ec, r->rdi);
    if (st)
        finish(ec, st);
    struct sm *sm = sm_create(r->rdx);
    install(ec, r->rdi, sm ? &sm->obj : NULL);
}

static NORETURN void sys_revoke(struct ec *ec, struct regs *r)
{
    vireo_crd crd = r->rdi;
    bool self = HC_FLAGS(r) & VIREO_HC_FLAG_REVOKE_SELF;
    unsigned kind = vireo_crd_kind(crd), order = vireo_crd_order(crd);
    if (kind == VIREO_CRD_NULL)
        finish(ec, VIREO_SUCCESS);
    if (kind == VIREO_CRD_OBJ)
        finish(ec, cap_revoke(caps(ec), vireo_crd_base(crd), order, self));
    finish(ec, memdb_revoke(pd_space(ec->pd, kind), vireo_crd_base(crd), order, self));
}

static NORETURN void sys_lookup(struct ec *ec, struct regs *r)
{
    vireo_crd crd = r->rdi;
    unsigned kind = vireo_crd_kind(crd);
    r->rdi = vireo_crd_make(VIREO_CRD_NULL, 0, 0, 0);
    r->rsi = VIREO_OBJ_NONE;
    if (kind == VIREO_CRD_NULL)
        finish(ec, VIREO_SUCCESS);
    if (kind != VIREO_CRD_OBJ) {    /* memory and I/O: RSI gets the target (frame, port) */
        struct memdb_node *n = memdb_lookup(pd_space(ec->pd, kind), vireo_crd_base(crd));
        if (n) {
            r->rdi = vireo_crd_make(kind, n->base, n->order, n->rights);
            r->rsi = n->target;
        }
        finish(ec, VIREO_SUCCESS);
    }
    struct cap *cap = cap_lookup(caps(ec), vireo_crd_base(crd));
    if (cap) {
        r->rdi = vireo_crd_make(VIREO_CRD_OBJ, vireo_crd_base(crd), 0, cap->rights);
        r->rsi = cap->obj->type;
    }
    finish(ec, VIREO_SUCCESS);
}

static NORETURN void sys_pt_ctrl(struct ec *ec, struct regs *r)
{
    struct pt *pt = (struct pt *)object(ec, r->rdi, KOBJ_PT, VIREO_PT_CTRL);
    if (!pt)
        finish(ec, VIREO_BAD_CAP);
    pt->id = r->rsi;
    finish(ec, VIREO_SUCCESS);
}

static NORETURN void sys_sc_ctrl(struct ec *ec, struct regs *r)
{
    struct sc *sc = (struct sc *)object(ec, r->rdi, KOBJ_SC, VIREO_SC_CTRL);
    if (!sc)
        finish(ec, VIREO_BAD_CAP);
    r->rdi = sc->used + (this_cpu()->sc_current == sc ? rdtsc() - sc->started : 0);
    finish(ec, VIREO_SUCCESS);
}

static NORETURN void sys_sm_ctrl(struct ec *ec, struct regs *r)
{
    unsigned flags = (unsigned)HC_FLAGS(r);
    bool down = flags & VIREO_HC_FLAG_SM_DOWN;
    struct sm *sm = (struct sm *)object(ec, r->rdi, KOBJ_SM, down ? VIREO_SM_DOWN : VIREO_SM_UP);
    if (!sm)
        finish(ec, VIREO_BAD_CAP);
    if (!down) {
        sm_up(sm);
        finish(ec, VIREO_SUCCESS);
    }
    if (sm_try_down(sm, flags & VIREO_HC_FLAG_SM_ZERO))
        finish(ec, VIREO_SUCCESS);
    if (r->rsi && r->rsi <= rdtsc())
        finish(ec, VIREO_TIMEOUT);
    r->rax = VIREO_SUCCESS;
    sm_enqueue(sm, ec);
    ec_block(ec, r->rsi);
}

static NORETURN void sys_ec_ctrl(struct ec *ec, struct regs *r)
{
    struct ec *e = (struct ec *)object(ec, r->rdi, KOBJ_EC, VIREO_EC_CTRL);
    if (!e)
        finish(ec, VIREO_BAD_CAP);
    if (!e->vmcs || !(HC_FLAGS(r) & VIREO_HC_FLAG_EC_RECALL))
        finish(ec, VIREO_BAD_PAR);
    vcpu_recall(e);
    finish(ec, VIREO_SUCCESS);
}

static NORETURN void sys_assign_gsi(struct ec *ec, struct regs *r)
{
    struct sm *sm = (struct sm *)object(ec, r->rdi, KOBJ_SM, VIREO_SM_ASSIGN);
    if (!sm)
        finish(ec, VIREO_BAD_CAP);
    if (r->rsi >= GSI_COUNT || !ioapic_has_gsi((uint32_t)r->rsi))
        finish(ec, VIREO_BAD_DEV);
    if (r->rdx >= cpu_count || !cpus[r->rdx].online)
        finish(ec, VIREO_BAD_CPU);
    sm_assign_gsi(sm, (uint32_t)r->rsi, (unsigned)r->rdx);
    finish(ec, VIREO_SUCCESS);
}

static NORETURN void sys_bad_hypercall(struct ec *ec, struct regs *r)
{
    (void)r;
    finish(ec, VIREO_BAD_HYP);
}

static const hypercall_fn hypercalls[HC_MASK + 1] = {
    [VIREO_HC_CALL] = sys_call,
    [VIREO_HC_REPLY] = sys_reply,
    [VIREO_HC_CREATE_PD] = sys_create_pd,
    [VIREO_HC_CREATE_EC] = sys_create_ec,
    [VIREO_HC_CREATE_SC] = sys_create_sc,
    [VIREO_HC_CREATE_PT] = sys_create_pt,
    [VIREO_HC_CREATE_SM] = sys_create_sm,
    [VIREO_HC_REVOKE] = sys_revoke,
    [VIREO_HC_LOOKUP] = sys_lookup,
    [VIREO_HC_EC_CTRL] = sys_ec_ctrl,
    [VIREO_HC_SC_CTRL] = sys_sc_ctrl,
    [VIREO_HC_PT_CTRL] = sys_pt_ctrl,
    [VIREO_HC_SM_CTRL] = sys_sm_ctrl,
    [VIREO_HC_ASSIGN_GSI] = sys_assign_gsi,
    [VIREO_HC_COUNT ... HC_MASK] = sys_bad_hypercall,
};
_Static_assert(VIREO_HC_COUNT <= HC_MASK + 1, "every hypercall has a slot");

NORETURN void syscall_dispatch(struct ec *ec)
{
    syscall_enter(ec);
    hypercalls[ec->regs.rax & HC_MASK](ec, &ec->regs);
}
