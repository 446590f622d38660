/* SPDX-License-Identifier: MIT */
/* Vireo: local APIC (SDM Vol. 3A chapter 11) and the calibrated timer. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

extern uint64_t tsc_khz;            /* TSC ticks per millisecond */

/* ICR delivery modes (SDM Vol. 3A 11.6.1) other than fixed, whose ICR is just the vector. */
#define LAPIC_ICR_INIT 0x4500u          /* INIT, level assert */
#define LAPIC_ICR_STARTUP 0x600u        /* STARTUP, ORed with the start page number */

/* Maps the LAPIC, enables the BSP's and measures the TSC and LAPIC timer rates against
   the PIT (interrupts off). */
void lapic_init_bsp(uint64_t phys);
/* Enables this CPU's LAPIC; the timer is left idle. */
void lapic_init_cpu(void);
/* Fires one timer interrupt after `us` microseconds and waits for it; false on timeout. */
bool lapic_timer_selftest(unsigned us);
/* One interrupt when the TSC reaches `tsc` (0: none). */
void lapic_timer_at(uint64_t tsc);
/* Sends the IPI `icr` (a vector, or a delivery mode above) and waits until it has left. */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Stops all other CPUs (panic); harmless before the LAPIC is set up. */
void lapic_nmi_others(void);
void udelay(uint64_t us);
