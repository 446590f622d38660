/* SPDX-License-Identifier: MIT */
/* Vireo test server: SMnnnn: semaphores: counts, deadlines, wakeups and interrupts. */
#include "test.h"

#define PAST_DEADLINE 1             /* a TSC value long gone: never blocks */
#define MANY 1000u
#define ROUNDS 100u
#define WORKER_DELAY_US 2000u
#define QUICK_US 100000u            /* "at once", generously */

/* 16550 registers and bits (PC16550D datasheet, section 8). */
#define COM1 0x3f8u
#define COM1_GSI 4u                 /* ISA IRQ 4, identity-mapped on PCs without an override */
#define UART_IER 1u
#define UART_IIR 2u
#define UART_MCR 4u
#define UART_LSR 5u
#define IER_THRE 0x02u
#define MCR_OUT2 0x08u              /* gates the UART's interrupt line on PCs */
#define LSR_TEMT 0x40u

static const char *sm_timeout(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    uint64_t deadline = deadline_us(SHORT_US);
    EXPECT(hc_sm_down(sm, deadline), VIREO_TIMEOUT);
    uint64_t now = rdtsc();
    CHECK(now >= deadline, "down returned TIMEOUT %lu ticks before its deadline",
          deadline - now);
    return NULL;
}

static const char *sm_up_down(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_sm_up(sm), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, deadline_us(WAIT_US)), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, deadline_us(SHORT_US)), VIREO_TIMEOUT);
    return NULL;
}

static const char *sm_initial_count(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 3), VIREO_SUCCESS);
    for (unsigned i = 0; i < 3; i++)
        EXPECT(hc_sm_down(sm, deadline_us(WAIT_US)), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, deadline_us(SHORT_US)), VIREO_TIMEOUT);
    return NULL;
}

static const char *sm_zero(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    for (unsigned i = 0; i < 3; i++)
        EXPECT(hc_sm_up(sm), VIREO_SUCCESS);
    EXPECT(hc_sm_down_flags(sm, deadline_us(WAIT_US), VIREO_HC_FLAG_SM_ZERO), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, deadline_us(SHORT_US)), VIREO_TIMEOUT);
    return NULL;
}

static const char *sm_past_deadline(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    uint64_t t0 = rdtsc();
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_TIMEOUT);
    uint64_t took = rdtsc() - t0;
    CHECK(took < QUICK_US * tsc_per_ms / 1000, "a past deadline took %lu ticks", took);
    return NULL;
}

static const char *sm_count_beats_deadline(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 1), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_TIMEOUT);
    return NULL;
}

static const char *sm_many(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    for (unsigned i = 0; i < MANY; i++)
        EXPECT(hc_sm_up(sm), VIREO_SUCCESS);
    for (unsigned i = 0; i < MANY; i++)
        EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_TIMEOUT);
    return NULL;
}

/* Worker: sel[0] up after arg[0] microseconds. */
static void w_up_later(struct ectx *c)
{
    spin_us(c->arg[0]);
    c->res[0] = hc_sm_up(c->sel[0]);
}

static const char *wakeup_from(unsigned cpu)
{
    struct worker w;
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(worker_create(&w, cpu, w_up_later), VIREO_SUCCESS);
    w.ctx->sel[0] = sm;
    w.ctx->arg[0] = WORKER_DELAY_US;
    w.ctx->res[0] = ~0ull;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, deadline_us(WAIT_US)), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    EXPECT(w.ctx->res[0], VIREO_SUCCESS);
    return NULL;
}

static const char *sm_wakeup_same_cpu(void)
{
    return wakeup_from(0);
}

static const char *sm_wakeup_other_cpu(void)
{
    if (cpu_count == 1)
        return test_skip("one CPU");
    return wakeup_from(1);
}

/* Worker: arg[0] rounds of down sel[0], up sel[1]; res[0] status, res[1] rounds done. */
static void w_pong(struct ectx *c)
{
    for (uint64_t i = 0; i < c->arg[0]; i++) {
        uint64_t st = hc_sm_down(c->sel[0], deadline_us(WAIT_US));
        if (st == VIREO_SUCCESS)
            st = hc_sm_up(c->sel[1]);
        if (st != VIREO_SUCCESS) {
            c->res[0] = st;
            c->res[1] = i;
            return;
        }
    }
    c->res[0] = VIREO_SUCCESS;
    c->res[1] = c->arg[0];
}

static const char *ping_pong(unsigned cpu)
{
    struct worker w;
    uint64_t ping = sel_alloc(), pong = sel_alloc();
    EXPECT(mk_sm(ping, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(pong, 0), VIREO_SUCCESS);
    EXPECT(worker_create(&w, cpu, w_pong), VIREO_SUCCESS);
    w.ctx->sel[0] = ping;
    w.ctx->sel[1] = pong;
    w.ctx->arg[0] = ROUNDS;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    for (unsigned i = 0; i < ROUNDS; i++) {
        EXPECT(hc_sm_up(ping), VIREO_SUCCESS);
        EXPECT(hc_sm_down(pong, deadline_us(WAIT_US)), VIREO_SUCCESS);
    }
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    EXPECT(w.ctx->res[0], VIREO_SUCCESS);
    CHECK(w.ctx->res[1] == ROUNDS, "the worker did %lu rounds of %u", w.ctx->res[1], ROUNDS);
    return NULL;
}

static const char *sm_ping_pong_same_cpu(void)
{
    return ping_pong(0);
}

static const char *sm_ping_pong_other_cpu(void)
{
    if (cpu_count == 1)
        return test_skip("one CPU");
    return ping_pong(1);
}

/*
 * A real interrupt: with THRE enabled in IER and the transmitter empty, the UART raises
 * IRQ 4 at once. It is routed to CPU 1 where there is one, so a kernel that programs the
 * pin level-triggered by mistake storms that CPU, not ours, until we clear IER.
 */
static const char *sm_interrupt(void)
{
    uint64_t sm = sel_alloc();
    unsigned cpu = cpu_count > 1 ? 1 : 0;
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_assign_gsi(sm, COM1_GSI, cpu), VIREO_SUCCESS);
    while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
        __asm__ volatile("pause");
    uint8_t mcr = inb(COM1 + UART_MCR);
    outb(COM1 + UART_MCR, mcr | MCR_OUT2);
    outb(COM1 + UART_IER, IER_THRE);
    uint64_t st = hc_sm_down(sm, deadline_us(WAIT_US));
    outb(COM1 + UART_IER, 0);
    (void)inb(COM1 + UART_IIR);     /* reading IIR clears a pending THRE interrupt */
    outb(COM1 + UART_MCR, mcr);
    EXPECT(st, VIREO_SUCCESS);
    return NULL;
}

static const struct test sm_tests[] = {
    { "SM0001", "down on a zero count times out at its deadline", sm_timeout },
    { "SM0002", "an up is taken by exactly one down", sm_up_down },
    { "SM0003", "the initial count is three downs", sm_initial_count },
    { "SM0004", "down with SM_ZERO takes every count", sm_zero },
    { "SM0005", "a deadline already passed times out at once", sm_past_deadline },
    { "SM0006", "a count is taken even past the deadline", sm_count_beats_deadline },
    { "SM0007", "1000 ups, then 1000 downs", sm_many },
    { "SM0008", "a worker on our CPU ups us awake", sm_wakeup_same_cpu },
    { "SM0009", "a worker on another CPU ups us awake", sm_wakeup_other_cpu },
    { "SM0010", "100 rounds of ping-pong on one CPU", sm_ping_pong_same_cpu },
    { "SM0011", "100 rounds of ping-pong across CPUs", sm_ping_pong_other_cpu },
    { "SM0012", "an interrupt (COM1, GSI 4) is an up", sm_interrupt },
};

AREA(sm_area, sm_tests);
