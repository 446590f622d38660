/* SPDX-License-Identifier: MIT */
/* Vireo: execution contexts: threads in a protection domain. */
#pragma once
#include <vireo/utcb.h>
#include "kobj.h"
#include "pd.h"
#include "lib.h"

/*
 * User state, in the order entry.asm pushes it (gprs.inc): the SYSCALL frame on top, below
 * it what a call saves (its RAX and RDI, and the registers hypercalls preserve), then the
 * registers every hypercall may clobber.
 */
struct regs {
    uint64_t rcx, rdx, rsi, r8, r9, r10, r11;
    uint64_t rax, rdi, rbx, rbp, r12, r13, r14, r15;
    uint64_t rip, rflags, rsp;
};

struct pd;
struct sc;
struct sm;

struct ec {
    struct kobj obj;
    struct pd *pd;
    struct regs regs;
    struct vireo_utcb *utcb;    /* the kernel's view of the UTCB page */
    uint64_t utcb_va;           /* the user's view */
    unsigned cpu;
    bool global;                /* has its own SC; else serves portal calls */
    bool iret;                  /* regs came from an interrupt: RCX/R11 are live */
    bool in_exception;          /* its exception portal's handler is serving it */
    bool orphan;                /* serving a call whose caller was destroyed: the reply
                                   returns ABORTED to the caller's caller */
    bool dead;                  /* faulted or destroyed: never runs again */
    bool zombie;                /* destroyed while current on a CPU: freed once it stops */
    uint64_t sp;                /* local EC: stack pointer at each portal entry */
    uint64_t event_base;
    struct sc *sc;              /* global EC: its SC */
    struct ec *caller, *callee; /* the call chain that donates time */
    struct ec *waiters, *waiters_tail;  /* callers waiting for this (busy) handler */
    struct ec *wait_next;       /* in a semaphore's or handler's wait list */
    struct sm *blocked_sm;      /* blocked in sm_ctrl down */
    struct ec *waiting_for;     /* blocked until this busy handler is free */
    uint64_t deadline;
    struct ec *timeout_next;    /* in its CPU's list of deadlines */
    uint64_t vmcs;              /* a vCPU (vcpu.c): its VMCS, physical; else 0 */
    uint32_t *fpu;              /* vCPU: XSAVE/FXSAVE image while another EC owns the FPU */
    uint64_t xcr0;              /* vCPU: its XCR0, live while it owns the FPU */
    uint64_t cr2;               /* vCPU: guest CR2, which the VMCS does not hold */
    unsigned event;             /* vCPU: STARTUP or RECALL to deliver before entry */
    uint16_t vpid;
    bool launched;              /* vCPU: VMLAUNCH done, VMRESUME from now on */
};

/* A user thread in `pd` on `cpu`, entering at `ip` with stack `sp`; NULL if no memory. */
struct ec *ec_create(struct pd *pd, unsigned cpu, uint64_t utcb_va, uint64_t ip, uint64_t sp);
void ec_destroy(struct kobj *o);
/* Ends the current EC with a message naming its PD and the cause, then runs something else. */
NORETURN void ec_kill_current(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * SYSRET to a non-canonical RCX, and IRETQ to a non-canonical RIP, fault in ring 0 (SDM
 * Vol. 2B SYSRET, IRET): an EC about to return outside user space is killed instead.
 * `ec` must be current.
 */
NORETURN void ec_kill_bad_return(struct ec *ec);
static ALWAYS_INLINE void ec_check_return(struct ec *ec)
{
    if (ec->regs.rip >= USER_LIMIT)
        ec_kill_bad_return(ec);
}
/* The current EC is finished (killed, or destroyed elsewhere): run something else. */
NORETURN void ec_end_current(void);
/* Nothing to run: wait for interrupts on this CPU's stack. */
NORETURN void cpu_idle(void);
NORETURN void ret_user_sysret(struct regs *r);
/* Leaves the kernel (locked) for `ec`, current on this CPU: ring 3 or its guest. */
NORETURN void ec_return(struct ec *ec);
NORETURN void ret_user_iret(struct regs *r);
/* A portal's handler starts afresh: RIP ip, RSP sp, RDI id, the other registers zero. */
NORETURN void ret_user_portal(uint64_t ip, uint64_t sp, uint64_t id);
/* Back to a caller from a fast reply: RAX = SUCCESS, what the ABI keeps from r, else 0. */
NORETURN void ret_user_reply(struct regs *r);
