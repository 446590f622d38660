/* SPDX-License-Identifier: MIT */
/* Vireo: hypercall completion. */
#pragma once
#include <vireo/status.h>
#include "ec.h"
#include "sched.h"

/* Returns to the calling EC with `status` in RAX. */
NORETURN void sys_finish(struct ec *ec, enum vireo_status status);
/* The IPC hypercalls (ipc.c), in syscall.c's table. */
NORETURN void sys_call(struct ec *ec, struct regs *r);
NORETURN void sys_reply(struct ec *ec, struct regs *r);
/* entry.asm's ways in: all hypercalls, and the fast paths of call and reply (ipc.c). */
NORETURN void syscall_dispatch(struct ec *ec);
NORETURN void ipc_call_fast(struct ec *ec);
NORETURN void ipc_reply_fast(struct ec *ec);
/* Every hypercall starts here: the kernel lock, and an EC destroyed meanwhile ends. */
static ALWAYS_INLINE void syscall_enter(struct ec *ec)
{
    kernel_lock();
    if (ec->dead)
        ec_end_current();
}

/* Sends the exception to the EC's portal event_base + vector, if it has one; returns
   only if there is none (or it cannot take the call), and then the EC must die. */
void exception_call(struct ec *ec, unsigned vector, uint64_t error, uint64_t addr);

struct pt;
struct vireo_vcpu_state;
/* The portal for `ec`'s event (exception vector, VM exit reason) that can take the call
   now; NULL if none can; does not return while the handler is busy (the EC waits). */
struct pt *event_portal(struct ec *ec, unsigned event);
/* Calls the portal's handler for the event, its message already in the handler's UTCB. */
NORETURN void event_enter(struct ec *ec, struct pt *pt);
/* The GPR groups (and RIP, RSP, RFLAGS of a thread) of an event reply, by s->mtd. */
void ipc_state_in(struct ec *ec, const struct vireo_vcpu_state *s);
