/* SPDX-License-Identifier: MIT */
/* Guest "hlt": HLT woken by IRQ0 of the i8254 through the i8259 (one-shot, mode 0). */
#include "guest.h"
#include "timer.h"

const char guest_name[] = "hlt";

#define WAKEUPS 5

static uint64_t timed_wait(uint16_t count)
{
    uint64_t t0 = rdtsc();
    pit_wait(count);
    return rdtsc() - t0;
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    pic_init();
    irq0_count = 0;
    uint64_t short_ticks = 0;
    for (int i = 0; i < WAKEUPS; i++)
        short_ticks += timed_wait(PIT_1MS);
    check_eq("hlt: 5 one-shot 1 ms periods woke HLT through IRQ0 (vector 0x20)", irq0_count,
             WAKEUPS);

    /* Mode 0 fires once: with no new count, no further IRQ0 may arrive. */
    uint32_t before = irq0_count;
    for (volatile int i = 0; i < 200000; i++)
        __asm__ volatile("sti; nop; cli");
    check_eq("hlt: no IRQ0 after the one-shot expired", irq0_count, before);

    uint64_t long_ticks = 0;
    for (int i = 0; i < 2; i++)
        long_ticks += timed_wait(10 * PIT_1MS);
    check_eq("hlt: 2 one-shot 10 ms periods woke HLT", irq0_count, before + 2);
    /* Per wait: 10 ms must take longer than 1 ms on any clock the TSC follows. */
    uint64_t per_short = udiv64(short_ticks, WAKEUPS), per_long = udiv64(long_ticks, 2);
    check(per_long > per_short, "hlt: 10 ms wait (%llu ticks) longer than 1 ms wait (%llu ticks)",
          per_long, per_short);
}
