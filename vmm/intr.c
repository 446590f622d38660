/* SPDX-License-Identifier: MIT */
/* Vireo VMM: interrupt delivery to the vCPU. After each exit the devices catch up with
   the clock and the 8259's pending interrupt is injected if the guest can take it (SDM
   Vol. 3C 26.3.1.5: RFLAGS.IF and no blocking by STI or MOV SS), else an interrupt window
   is requested. Deadlines that fall due while the guest runs without exiting are the timer
   thread's: a second EC that sleeps until the earliest one and recalls the vCPU. The
   thread changes no device state; it only forces the exit in which the handler does. */
#include <stdatomic.h>
#include "vmm.h"

#define INTR_BLOCK_STI (1u << 0)        /* SDM Table 24-3, interruptibility state */
#define INTR_BLOCK_MOV_SS (1u << 1)

struct intr_view intr_view;

static bool window;                     /* an interrupt window is requested */
static atomic_uint_fast64_t deadline;   /* the devices' next deadline, 0 for none */
static atomic_uint_fast64_t armed;      /* what the thread sleeps towards, ~0: nothing */
static uint64_t published = DEV_NO_DEADLINE;    /* platform_deadline() as last published */
atomic_bool intr_in_guest;              /* no exit is being handled */

static bool can_take(void)
{
    return (intr_view.rflags & RFLAGS_IF) &&
           !(intr_view.intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

/* The reply's injection field: an interrupt, or a window, alongside the event already there:
   one the handler injects (an exception goes first: the interrupt waits for the window), or
   else the exit's pending one (every portal names MTD_INJ), which the reply keeps. */
static void inject(struct vireo_vcpu_state *s)
{
    bool busy = s->inj_info & VIREO_INJ_VALID;
    bool want = platform_intr_pending();
    if (want && !busy && can_take()) {
        s->inj_info = VIREO_INJ_VALID | VIREO_INJ_TYPE_EXTINT | platform_intr_ack();
        s->mtd |= VIREO_MTD_INJ;
        want = platform_intr_pending(); /* another one waits for the next window */
    }
    if (want == window && !(s->mtd & VIREO_MTD_INJ))
        return;
    s->mtd |= VIREO_MTD_INJ;
    s->inj_info = want ? s->inj_info | VIREO_INJ_WANT_INTR_WINDOW
                       : s->inj_info & ~VIREO_INJ_WANT_INTR_WINDOW;
    window = want;
}

/* Tells the thread the new deadline; wakes it if it sleeps towards a later one. */
static void publish(uint64_t next)
{
    uint64_t d = next == DEV_NO_DEADLINE ? 0 : next;
    published = next;
    if (atomic_load(&deadline) == d)
        return;
    atomic_store(&deadline, d);
    if (d && d < atomic_load(&armed))
        hc_sm_up(VMM_SEL_TIMER_WAKE);
}

static __attribute__((noinline)) uint64_t reply_slow(struct vireo_vcpu_state *s)
{
    for (;;) {
        uint64_t now = rdtsc();
        uint64_t next = platform_due(now) ? platform_advance(now) : platform_deadline();
        publish(next);
        if (platform_intr_changed() || window || (s->mtd & VIREO_MTD_INJ))
            inject(s);
        atomic_store(&intr_in_guest, true);
        /* A deadline that passed, or input that came, before in_guest was set may have
           found a thread declining to recall: handle it here instead. */
        now = rdtsc();
        if (now < next && !platform_input_due())
            return now;
        atomic_store(&intr_in_guest, false);
    }
}

/* The common exit moved no line, injects nothing and finds no deadline passed: a few
   compares, the deadlines of the models it accessed, and the clock's re-check. */
uint64_t intr_reply(struct vireo_vcpu_state *s)
{
    if (!platform_pic_changed && !window && !(s->mtd & VIREO_MTD_INJ)) {
        uint64_t next = platform_bus.stale ? platform_refresh() : platform_deadline();
        if (!platform_pic_changed) {
            if (next != published)
                publish(next);
            atomic_store(&intr_in_guest, true);
            uint64_t now = rdtsc();     /* the re-check of reply_slow() */
            if (now < next && !platform_input_due())
                return now;
            atomic_store(&intr_in_guest, false);
        }
    }
    return reply_slow(s);
}

void intr_kick(void)
{
    platform_input_arrived();
    hc_sm_up(VMM_SEL_TIMER_SM);         /* a halted vCPU looks again */
    if (atomic_load(&intr_in_guest))
        hc_ec_ctrl(VMM_SEL_VCPU, VIREO_HC_FLAG_EC_RECALL);
}

NORETURN void intr_timer_thread(void)
{
    uint64_t fired = 0;
    for (;;) {
        uint64_t d = atomic_load(&deadline), target = d != fired ? d : 0;
        atomic_store(&armed, target ? target : ~0ull);
        if (atomic_load(&deadline) != d)
            continue;
        uint64_t st = hc_sm_down_flags(VMM_SEL_TIMER_WAKE, target, VIREO_HC_FLAG_SM_ZERO);
        if (st != VIREO_TIMEOUT)
            continue;                   /* woken for a new deadline */
        fired = d;
        if (atomic_load(&intr_in_guest) && hc_ec_ctrl(VMM_SEL_VCPU, VIREO_HC_FLAG_EC_RECALL))
            hc_sm_down(VMM_SEL_TIMER_WAKE, 0);      /* the vCPU is gone: rest */
    }
}
