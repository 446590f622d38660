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

/* Sends the exception to the EC's portal event_base + vector, if it has one; returns
   only if there is none (or it cannot take the call), and then the EC must die. */
void exception_call(struct ec *ec, unsigned vector, uint64_t error, uint64_t addr);
