/* SPDX-License-Identifier: MIT */
/* Vireo: hypercall completion. */
#pragma once
#include <vireo/status.h>
#include "ec.h"

/* Returns to the calling EC with `status` in RAX. */
NORETURN void sys_finish(struct ec *ec, enum vireo_status status);
/* The IPC hypercalls (ipc.c), in syscall.c's table. */
NORETURN void sys_call(struct ec *ec, struct regs *r);
NORETURN void sys_reply(struct ec *ec, struct regs *r);
/* entry.asm's fast paths for call and reply (ipc.c); they take the kernel lock. */
NORETURN void ipc_call_fast(struct ec *ec);
NORETURN void ipc_reply_fast(struct ec *ec);

/* Sends the exception to the EC's portal event_base + vector, if it has one; returns
   only if there is none (or it cannot take the call), and then the EC must die. */
void exception_call(struct ec *ec, unsigned vector, uint64_t error, uint64_t addr);
