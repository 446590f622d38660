/* SPDX-License-Identifier: MIT */
/* Vireo: local APIC (SDM Vol. 3A chapter 11) and the calibrated timer. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

extern uint64_t tsc_khz;            /* TSC ticks per millisecond */

void lapic_init_bsp(uint64_t phys);
/* Enables this CPU's LAPIC; the timer is left idle. */
void lapic_init_cpu(void);
/* Measures the TSC and LAPIC timer rates against the PIT (BSP, interrupts off). */
void lapic_calibrate(void);
/* Fires one timer interrupt after `us` microseconds and waits for it; false on timeout. */
bool lapic_timer_selftest(unsigned us);
bool lapic_tsc_deadline(void);
uint32_t lapic_timer_khz(void);
void lapic_timer_interrupt(void);
/* One interrupt when the TSC reaches `tsc` (0: none). */
void lapic_timer_at(uint64_t tsc);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t vector);
/* Stops all other CPUs (panic); harmless before the LAPIC is set up. */
void lapic_nmi_others(void);
void udelay(uint64_t us);
