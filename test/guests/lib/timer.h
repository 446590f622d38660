/* SPDX-License-Identifier: MIT */
/* Test guests: i8259 + i8254 helpers (lib/i8254.c). */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H
#include <stdint.h>

#define PIC_VECTOR_BASE 0x20
#define PIT_HZ 1193182u
#define PIT_1MS 1193u

extern volatile uint32_t irq0_count;
void pic_init(void);
void pit_oneshot(uint16_t count);
void pit_wait(uint16_t count);
#endif
