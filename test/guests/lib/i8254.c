/* SPDX-License-Identifier: MIT */
/* Test guests: the i8259 pair and i8254 channel 0 as a one-shot wake-up source. */
#include "guest.h"
#include "timer.h"

volatile uint32_t irq0_count;

static void irq0(struct trap_frame *f)
{
    (void)f;
    irq0_count++;
    outb(0x20, 0x20);                   /* non-specific EOI to the master */
}

/* 8259A datasheet: ICW1 (edge, cascade, ICW4 needed), ICW2 vector base, ICW3 wiring,
 * ICW4 8086 mode; then OCW1 masks everything but IRQ0 (and the cascade input). */
void pic_init(void)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, PIC_VECTOR_BASE);
    outb(0xa1, PIC_VECTOR_BASE + 8);
    outb(0x21, 0x04);                   /* slave on IRQ2 */
    outb(0xa1, 0x02);                   /* slave identity 2 */
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xfe);
    outb(0xa1, 0xff);
    trap_hooks[PIC_VECTOR_BASE] = irq0;
}

/* 8254 datasheet: control word 0x30 = counter 0, LSB then MSB, mode 0 (interrupt on
 * terminal count), binary. Counting starts once the MSB is written. */
void pit_oneshot(uint16_t count)
{
    outb(0x43, 0x30);
    outb(0x40, (uint8_t)count);
    outb(0x40, (uint8_t)(count >> 8));
}

/* Arms the PIT and halts until IRQ0 has been taken; the STI shadow covers the HLT. */
void pit_wait(uint16_t count)
{
    uint32_t before = irq0_count;
    pit_oneshot(count);
    while (irq0_count == before)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}
