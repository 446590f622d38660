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
#define STACK_WORDS 1024

static uint64_t handler_stack[STACK_WORDS] __attribute__((aligned(16)));

static inline uint64_t rdtsc(void)
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
    vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
    __builtin_unreachable();
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
        uint64_t t0 = rdtsc();
        st = vireo_hypercall(VIREO_HC_CALL, SEL_PORTAL, 0, 0, 0).status;
        uint64_t dt = rdtsc() - t0;
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
    uart_printf("bench: done\n");
    for (;;)
        __asm__ volatile("pause");
}
