/* SPDX-License-Identifier: MIT */
/* Vireo: execution contexts: threads in a protection domain. */
#pragma once
#include <stdint.h>
#include <vireo/utcb.h>
#include "kobj.h"
#include "lib.h"

/* User state, in the order entry.asm pushes it: the SYSCALL frame on top. */
struct regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags, rsp;
};

struct pd;

struct ec {
    struct kobj obj;
    struct pd *pd;
    struct regs regs;
    struct vireo_utcb *utcb;    /* the kernel's view of the UTCB page */
    uint64_t utcb_va;           /* the user's view */
    unsigned cpu;
};

/* A user thread in `pd` on `cpu`, entering at `ip` with stack `sp`; NULL if no memory. */
struct ec *ec_create(struct pd *pd, unsigned cpu, uint64_t utcb_va, uint64_t ip, uint64_t sp);
/* Makes `ec` current on this CPU and enters ring 3 with its registers. */
NORETURN void ec_activate(struct ec *ec);
/* Ends the current EC with a message naming its PD and the cause, then runs something else. */
NORETURN void ec_kill_current(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Nothing to run: wait for interrupts on this CPU's stack. */
NORETURN void cpu_idle(void);
NORETURN void ret_user_sysret(struct regs *r);
NORETURN void ret_user_iret(struct regs *r);
