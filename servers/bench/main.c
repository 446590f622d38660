/* SPDX-License-Identifier: MIT */
/* Vireo IPC benchmark: call+reply round trips in TSC ticks (under Bochs: instructions). */
#include <vireo/crd.h>
#include <vireo/sel.h>
#include "vireo.h"

#define ROUNDS 1000
#define WARMUP 16
#define HANDLER_UTCB 0x20000000ull
#define SEL_HANDLER (VIREO_SEL_FIRST_FREE + 0)
#define SEL_PORTAL (VIREO_SEL_FIRST_FREE + 1)
#define SEL_PING (VIREO_SEL_FIRST_FREE + 2)
#define SEL_PONG (VIREO_SEL_FIRST_FREE + 3)
#define SEL_PARTNER (VIREO_SEL_FIRST_FREE + 4)
#define SEL_PARTNER_SC (VIREO_SEL_FIRST_FREE + 5)
#define PARTNER_UTCB 0x20001000ull
#define XCPU_ROUNDS 200
#define SM_DOWN (VIREO_HC_SM_CTRL | VIREO_HC_FLAG_SM_DOWN << VIREO_HC_FLAGS_SHIFT)
#define STACK_WORDS 1024

static uint64_t handler_stack[STACK_WORDS] __attribute__((aligned(16)));
static uint64_t partner_stack[STACK_WORDS] __attribute__((aligned(16)));

/* Fenced, so that the measured instructions are done before the TSC is read. */
static inline uint64_t rdtsc_fenced(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Entered afresh for every call, with RDI = portal id; an empty reply. */
static NORETURN void handler(uint64_t id)
{
    (void)id;
    ((struct vireo_utcb *)HANDLER_UTCB)->head.untyped = 0;
    vireo_hc1(VIREO_HC_REPLY, 0);
    __builtin_unreachable();
}

/* On CPU 1: answers every ping with a pong. */
static NORETURN void partner(struct vireo_utcb *utcb)
{
    (void)utcb;
    for (;;) {
        vireo_hypercall(SM_DOWN, SEL_PING, 0, 0, 0);
        vireo_hypercall(VIREO_HC_SM_CTRL, SEL_PONG, 0, 0, 0);
    }
}

/* The bare kernel entry and exit: an unused hypercall number (BAD_HYP). */
static void bench_null(void)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < WARMUP + ROUNDS; i++) {
        uint64_t t0 = rdtsc_fenced();
        vireo_hypercall(VIREO_HC_COUNT, 0, 0, 0, 0);
        if (i >= WARMUP)
            total += rdtsc_fenced() - t0;
    }
    uart_printf("syscall_null_ticks %lu\n", total / ROUNDS);
}

/* Semaphore ping-pong with a thread on another CPU: each leg is a remote wake-up. */
static void bench_xcpu(void)
{
    uint64_t st = vireo_hc6(VIREO_HC_CREATE_SM, SEL_PING, VIREO_SEL_SELF_PD, 0, 0, 0, 0).status;
    if (!st)
        st = vireo_hc6(VIREO_HC_CREATE_SM, SEL_PONG, VIREO_SEL_SELF_PD, 0, 0, 0, 0).status;
    if (!st)
        st = vireo_hc6(VIREO_HC_CREATE_EC | VIREO_HC_FLAG_EC_GLOBAL << VIREO_HC_FLAGS_SHIFT,
                       SEL_PARTNER, VIREO_SEL_SELF_PD, 1, PARTNER_UTCB,
                       (uint64_t)&partner_stack[STACK_WORDS - 1], (uint64_t)partner).status;
    if (!st)
        st = vireo_hc6(VIREO_HC_CREATE_SC, SEL_PARTNER_SC, VIREO_SEL_SELF_PD, SEL_PARTNER,
                       VIREO_QPD(VIREO_PRIO_MAX / 2, 10000), 0, 0).status;
    if (st) {
        uart_printf("bench: no partner on CPU 1 (status %lu): one CPU only?\n", st);
        return;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < WARMUP + XCPU_ROUNDS; i++) {
        uint64_t t0 = rdtsc_fenced();
        vireo_hypercall(VIREO_HC_SM_CTRL, SEL_PING, 0, 0, 0);
        st = vireo_hypercall(SM_DOWN, SEL_PONG, 0, 0, 0).status;
        if (i >= WARMUP)
            total += rdtsc_fenced() - t0;
    }
    uart_printf("ipc_roundtrip_xcpu_ticks %lu\n", total / XCPU_ROUNDS);
}

NORETURN void main(struct vireo_utcb *utcb);
NORETURN void main(struct vireo_utcb *utcb)
{
    /* A local EC on CPU 0 whose stack top looks like a call's (RSP + 8 aligned). */
    uint64_t st = vireo_hc6(VIREO_HC_CREATE_EC, SEL_HANDLER, VIREO_SEL_SELF_PD, 0, HANDLER_UTCB,
                            (uint64_t)&handler_stack[STACK_WORDS - 1], 0).status;
    if (st == VIREO_SUCCESS)
        st = vireo_hc6(VIREO_HC_CREATE_PT, SEL_PORTAL, VIREO_SEL_SELF_PD, SEL_HANDLER, 0,
                       (uint64_t)handler, 0).status;
    uart_printf("bench: handler and portal: status %lu\n", st);
    utcb->head.untyped = 0;
    uint64_t best = UINT64_MAX, total = 0;
    for (unsigned i = 0; i < WARMUP + ROUNDS && st == VIREO_SUCCESS; i++) {
        uint64_t t0 = rdtsc_fenced();
        st = vireo_hc1(VIREO_HC_CALL, SEL_PORTAL).status;
        uint64_t dt = rdtsc_fenced() - t0;
        if (i >= WARMUP) {
            total += dt;
            best = dt < best ? dt : best;
        }
    }
    if (st != VIREO_SUCCESS)
        uart_printf("bench: call failed with status %lu\n", st);
    else
        uart_printf("ipc_roundtrip_ticks %lu\nipc_roundtrip_best_ticks %lu\n", total / ROUNDS,
                    best);
    bench_null();
    bench_xcpu();
    uart_printf("bench: done\n");
    for (;;)
        __asm__ volatile("pause");
}
