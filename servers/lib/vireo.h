/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: hypercall stubs and console output. */
#pragma once
#include <stdint.h>
#include <vireo/hypercall.h>
#include <vireo/status.h>
#include <vireo/utcb.h>
#include "lib.h"
#include "x86.h"             /* inb/outb/rdtsc, shared with the hypervisor */
#include "printf.h"

struct vireo_hc_result {
    uint64_t status, out1, out2;
};

/*
 * SYSCALL per include/vireo/hypercall.h: a hypercall may clobber RCX, RDX, RSI, RDI, R8-R11
 * (results come back in RAX, RDI and RSI) and keeps RBX, RBP, R12-R15 and RSP, like a
 * SysV function call. Each stub names every clobbered register as an output or clobber.
 */

/* RAX and RDI only: call, reply, and any hypercall that needs no more. */
static inline struct vireo_hc_result vireo_hc1(uint64_t nr, uint64_t a0)
{
    struct vireo_hc_result r;
    __asm__ volatile("syscall"
                     : "=a"(r.status), "=D"(r.out1), "=S"(r.out2)
                     : "a"(nr), "D"(a0)
                     : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
    return r;
}

/* RDI RSI RDX R8. */
static inline struct vireo_hc_result vireo_hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
                                                     uint64_t a2, uint64_t a3)
{
    register uint64_t r8 __asm__("r8") = a3;
    struct vireo_hc_result r;
    __asm__ volatile("syscall"
                     : "=a"(r.status), "=D"(r.out1), "=S"(r.out2), "+d"(a2), "+r"(r8)
                     : "a"(nr), "D"(a0), "S"(a1)
                     : "rcx", "r11", "r9", "r10", "memory");
    return r;
}

/* Every argument register: RDI RSI RDX R8 R9 R10. */
static inline struct vireo_hc_result vireo_hc6(uint64_t nr, uint64_t a0, uint64_t a1,
                                               uint64_t a2, uint64_t a3, uint64_t a4,
                                               uint64_t a5)
{
    register uint64_t r8 __asm__("r8") = a3;
    register uint64_t r9 __asm__("r9") = a4;
    register uint64_t r10 __asm__("r10") = a5;
    struct vireo_hc_result r;
    __asm__ volatile("syscall"
                     : "=a"(r.status), "=D"(r.out1), "=S"(r.out2), "+d"(a2), "+r"(r8),
                       "+r"(r9), "+r"(r10)
                     : "a"(nr), "D"(a0), "S"(a1)
                     : "rcx", "r11", "memory");
    return r;
}

/* Direct COM1 output, for the root server until the console server runs. */
void uart_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
