/* SPDX-License-Identifier: MIT */
/* Vireo test program: exception portals. A thread touches unmapped memory; a handler
   maps a page there by replying with a memory delegation, and the thread carries on. */
#include <vireo/crd.h>
#include <vireo/hip.h>
#include <vireo/mtd.h>
#include <vireo/sel.h>
#include "vireo.h"

#define VEC_PF 14
#define EVENT_BASE 64
#define SEL_HANDLER (VIREO_SEL_FIRST_FREE + 0)
#define SEL_WORKER (VIREO_SEL_FIRST_FREE + 1)
#define SEL_WORKER_SC (VIREO_SEL_FIRST_FREE + 2)
#define SEL_PF_PORTAL (EVENT_BASE + VEC_PF)
#define HANDLER_UTCB 0x20000000ull
#define WORKER_UTCB 0x20001000ull
#define HOLE 0x40000000ull              /* nothing is mapped here at start */
#define PAGE 4096ull
#define STACK_WORDS 1024
#define MAGIC 0x5eed5eedull

static uint64_t handler_stack[STACK_WORDS] __attribute__((aligned(16)));
static uint64_t worker_stack[STACK_WORDS] __attribute__((aligned(16)));
static const struct vireo_hip *hip;
static volatile uint64_t faults;

/* #PF handler: maps the first page of the root's RAM at the hole, once; any other fault
   ends the worker (revoking its SC and EC), since replying unchanged would retry it. */
static NORETURN void pf_handler(uint64_t id)
{
    (void)id;
    struct vireo_utcb *u = (struct vireo_utcb *)HANDLER_UTCB;
    uint64_t addr = u->vcpu.qual[1];
    faults++;
    if (faults > 1) {
        /* Its time is the worker's: once the SC goes, this handler stops too. So print
           first, and revoke the EC before the SC (which holds the last reference). */
        uint64_t self = VIREO_HC_FLAG_REVOKE_SELF << VIREO_HC_FLAGS_SHIFT;
        uart_printf("pager: fault %lu at 0x%lx (rip 0x%lx): revoking the worker\n", faults,
                    addr, u->vcpu.rip);
        vireo_hypercall(VIREO_HC_REVOKE | self, vireo_crd_make(VIREO_CRD_OBJ, SEL_WORKER, 0, 0),
                        0, 0, 0);
        vireo_hypercall(VIREO_HC_REVOKE | self,
                        vireo_crd_make(VIREO_CRD_OBJ, SEL_WORKER_SC, 0, 0), 0, 0, 0);
    }
    u->head.untyped = 0;
    u->head.typed = 0;
    u->vcpu.mtd = 0;                    /* state unchanged: the access is retried */
    if (addr >= HOLE && addr < HOLE + PAGE && faults == 1) {
        uint64_t ram_page = (hip->mem_window + hip->mem[0].start) / PAGE;
        *(volatile uint64_t *)(hip->mem_window + hip->mem[0].start) = MAGIC;
        struct vireo_typed_item *t = vireo_utcb_typed(u, 0);
        t->crd = vireo_crd_make(VIREO_CRD_MEM, ram_page, 0, VIREO_MEM_R | VIREO_MEM_W);
        t->hotspot = HOLE & ~(PAGE - 1);
        u->head.typed = 1;
    }
    vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
    __builtin_unreachable();
}

static NORETURN void worker(struct vireo_utcb *utcb)
{
    (void)utcb;
    uint64_t v = *(volatile uint64_t *)HOLE;
    uart_printf("pager: worker read 0x%lx after %lu fault(s): %s\n", v, faults,
                v == MAGIC ? "mapped by the handler" : "WRONG");
    *(volatile uint64_t *)(HOLE + 2 * PAGE) = 1;    /* no mapping comes for this one */
    uart_printf("pager: worker survived an unhandled fault: WRONG\n");
    for (;;)
        __asm__ volatile("pause");
}

NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *h);
NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *h)
{
    (void)utcb;
    hip = h;
    uint64_t st = vireo_hc6(VIREO_HC_CREATE_EC, SEL_HANDLER, VIREO_SEL_SELF_PD, 0, HANDLER_UTCB,
                            (uint64_t)&handler_stack[STACK_WORDS - 1], 0).status;
    if (!st)
        st = vireo_hc6(VIREO_HC_CREATE_PT, SEL_PF_PORTAL, VIREO_SEL_SELF_PD, SEL_HANDLER, 0,
                       (uint64_t)pf_handler, 0).status;
    if (!st)
        st = vireo_hc6(VIREO_HC_CREATE_EC | VIREO_HC_FLAG_EC_GLOBAL << VIREO_HC_FLAGS_SHIFT,
                       SEL_WORKER, VIREO_SEL_SELF_PD, 0 | (uint64_t)EVENT_BASE << 16,
                       WORKER_UTCB, (uint64_t)&worker_stack[STACK_WORDS - 1],
                       (uint64_t)worker).status;
    if (!st)
        st = vireo_hc6(VIREO_HC_CREATE_SC, SEL_WORKER_SC, VIREO_SEL_SELF_PD, SEL_WORKER,
                       VIREO_QPD(VIREO_PRIO_MAX, 10000), 0, 0).status;
    uint64_t ec = vireo_hypercall(VIREO_HC_LOOKUP,
                                  vireo_crd_make(VIREO_CRD_OBJ, SEL_WORKER, 0, 0), 0, 0, 0).out1;
    uint64_t sc = vireo_hypercall(VIREO_HC_LOOKUP,
                                  vireo_crd_make(VIREO_CRD_OBJ, SEL_WORKER_SC, 0, 0), 0, 0, 0).out1;
    uart_printf("pager: set up with status %lu; the worker and its SC %s\n", st,
                !vireo_crd_kind(ec) && !vireo_crd_kind(sc) ? "are gone" : "are STILL THERE");
    uart_printf("pager: done\n");
    for (;;)
        __asm__ volatile("pause");
}
