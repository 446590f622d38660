/* SPDX-License-Identifier: MIT */
/* Guest "devices": the PC devices as a kernel sees them: the 8259 pair (IMR, IRR/ISR
 * reads, poll), the 8254 (read-back, latch, port 0x61), IRQ 0 while the guest spins
 * without exits, the MC146818 (registers, BCD time, an update, periodic IRQ 8 through the
 * slave, the BIOS memory bytes) and the 16550 (scratch, FIFO, loopback, THRE on IRQ 4). */
#include "guest.h"

const char guest_name[] = "devices";

#define MASTER_BASE 0x20
#define SLAVE_BASE 0x28
#define COM1_IER (COM1 + 1)
#define COM1_IIR (COM1 + 2)
#define COM1_FCR_PORT (COM1 + 2)
#define COM1_MCR (COM1 + 4)
#define COM1_MSR (COM1 + 6)
#define SPIN_MAX 20000000u

static volatile uint32_t irq_seen[16];

static void eoi(unsigned irq)
{
    if (irq >= 8)
        outb(0xa0, 0x20);
    outb(0x20, 0x20);
}

static void irq0(struct trap_frame *f)
{
    (void)f;
    irq_seen[0]++;
    eoi(0);
}

static void irq4(struct trap_frame *f)
{
    (void)f;
    irq_seen[4]++;
    if ((inb(COM1_IIR) & 0x0f) == 0x02)
        irq_seen[5]++;                  /* IIR said THR empty: count it apart */
    outb(COM1_IER, 0);
    eoi(4);
}

static void irq8(struct trap_frame *f)
{
    (void)f;
    irq_seen[8]++;
    outb(0x70, 0x0c);
    (void)inb(0x71);                    /* register C: acknowledged */
    eoi(8);
}

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

static void pic_setup(uint8_t master_mask, uint8_t slave_mask)
{
    static const uint8_t icw[2][4] = { { 0x11, MASTER_BASE, 0x04, 0x01 },
                                       { 0x11, SLAVE_BASE, 0x02, 0x01 } };
    for (unsigned i = 0; i < 2; i++) {
        uint16_t port = i ? 0xa0 : 0x20;
        outb(port, icw[i][0]);
        for (unsigned k = 1; k < 4; k++)
            outb(port + 1, icw[i][k]);
    }
    outb(0x21, master_mask);
    outb(0xa1, slave_mask);
}

/* Waits with interrupts on until irq_seen[irq] reaches n: halting, or spinning with no
 * exit at all (IF stays set across the loop's branches, where QEMU's TCG takes them). */
static bool wait_irq(unsigned irq, uint32_t n, bool spin)
{
    if (spin) {
        __asm__ volatile("sti" ::: "memory");
        for (uint32_t i = 0; i < SPIN_MAX && irq_seen[irq] < n; i++)
            __asm__ volatile("pause" ::: "memory");
        __asm__ volatile("cli" ::: "memory");
    }
    for (uint32_t i = 0; !spin && i < SPIN_MAX && irq_seen[irq] < n; i++)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    return irq_seen[irq] >= n;
}

static void pic_checks(void)
{
    pic_setup(0xa5, 0x5a);
    check(inb(0x21) == 0xa5 && inb(0xa1) == 0x5a, "devices: 8259 masks read back");
    pic_setup(0xff, 0xff);
    outb(0x43, 0x30);                   /* counter 0, mode 0, count 20 */
    outb(0x40, 20);
    outb(0x40, 0);
    uint8_t irr = 0;
    for (unsigned i = 0; i < 100000 && !(irr & 1); i++)
        irr = inb(0x20);                /* OCW3 default after ICW1: IRR */
    check(irr & 1, "devices: 8259 IRR shows masked IRQ 0 (0x%x)", irr);
    outb(0x21, 0xfe);
    outb(0x20, 0x0c);                   /* OCW3 poll */
    uint8_t poll = inb(0x20);
    outb(0x20, 0x0b);
    uint8_t isr = inb(0x20);
    outb(0x20, 0x20);
    uint8_t isr_after = inb(0x20);
    outb(0x20, 0x0a);
    check(poll == 0x80 && isr == 0x01 && isr_after == 0,
          "devices: 8259 poll takes IRQ 0 into ISR, EOI clears it (poll 0x%x isr 0x%x/0x%x)",
          poll, isr, isr_after);
}

static void pit_checks(void)
{
    outb(0x43, 0x34);                   /* counter 0, mode 2, count 0x8000 */
    outb(0x40, 0x00);
    outb(0x40, 0x80);
    outb(0x43, 0xe2);                   /* read back status and count of counter 0 */
    uint8_t status = inb(0x40);
    check((status & 0x3f) == 0x34, "devices: 8254 read-back status 0x%x (mode 2, LSB/MSB)",
          status);
    (void)inb(0x40);
    (void)inb(0x40);
    outb(0x43, 0x00);
    uint16_t a = (uint16_t)(inb(0x40) | inb(0x40) << 8);
    for (volatile int i = 0; i < 2000; i++)
        ;
    outb(0x43, 0x00);
    uint16_t b = (uint16_t)(inb(0x40) | inb(0x40) << 8);
    check(a <= 0x8000 && b < a, "devices: 8254 counter latch counts down (0x%x, 0x%x)", a, b);

    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xb0);                   /* counter 2, mode 0, 1 ms */
    outb(0x42, 1193 & 0xff);
    outb(0x42, 1193 >> 8);
    bool low = !(inb(0x61) & 0x20), high = false;
    for (unsigned i = 0; i < 1000000 && !high; i++)
        high = inb(0x61) & 0x20;
    check(low && high, "devices: port 0x61 OUT2 rises when counter 2 reaches zero");
    uint8_t refresh = inb(0x61) & 0x10;
    unsigned toggles = 0;
    for (unsigned i = 0; i < 100000 && toggles < 4; i++) {
        uint8_t v = inb(0x61) & 0x10;
        toggles += v != refresh;
        refresh = v;
    }
    check(toggles == 4, "devices: port 0x61 refresh bit toggles");
    outb(0x61, inb(0x61) & ~0x03);

    /* Mode 2 at 500 Hz while the guest spins with no exits: a VMM must recall it. */
    pic_setup(0xfe, 0xff);
    trap_hooks[MASTER_BASE] = irq0;
    irq_seen[0] = 0;
    outb(0x43, 0x34);
    outb(0x40, 2386 & 0xff);
    outb(0x40, 2386 >> 8);
    bool ok = wait_irq(0, 5, true);
    check(ok, "devices: 5 periodic IRQ 0 while spinning (%u)", irq_seen[0]);
    outb(0x43, 0x30);                   /* mode 0 with no count: OUT low, quiet */
    outb(0x21, 0xff);
}

static bool bcd_ok(uint8_t v, unsigned max)
{
    return (v & 0x0f) <= 9 && (v >> 4) <= 9 && (v >> 4) * 10u + (v & 0x0f) <= max;
}

static void rtc_checks(const struct mb1_info *mbi)
{
    check(cmos(0x0d) == 0x80, "devices: RTC register D has VRT");
    uint8_t b = cmos(0x0b);
    check((b & 0x86) == 0x02, "devices: RTC running in BCD, 24 hours (B 0x%x)", b);
    while (cmos(0x0a) & 0x80)
        ;
    uint8_t sec = cmos(0), min = cmos(2), hour = cmos(4), day = cmos(7), mon = cmos(8);
    uint8_t year = cmos(9);
    check(bcd_ok(sec, 59) && bcd_ok(min, 59) && bcd_ok(hour, 23) && bcd_ok(day, 31) &&
          day && bcd_ok(mon, 12) && mon && bcd_ok(year, 99),
          "devices: RTC date 20%02x-%02x-%02x %02x:%02x:%02x in BCD", year, mon, day, hour, min,
          sec);
    uint32_t n = 0;
    while (!(cmos(0x0a) & 0x80) && ++n < SPIN_MAX)
        ;
    while ((cmos(0x0a) & 0x80) && ++n < SPIN_MAX)
        ;
    uint8_t next = cmos(0);
    check(n < SPIN_MAX && next != sec, "devices: RTC update cycle (UIP) moved the seconds on");

    pic_setup(0xfb, 0xfe);
    trap_hooks[SLAVE_BASE] = irq8;
    irq_seen[8] = 0;
    cmos_write(0x0a, 0x26);             /* 1024 Hz */
    (void)cmos(0x0c);
    cmos_write(0x0b, (uint8_t)(b | 0x40));
    bool ok = wait_irq(8, 4, false);
    check(ok, "devices: RTC periodic IRQ 8 through the slave 8259 (%u)", irq_seen[8]);
    cmos_write(0x0b, b);
    (void)cmos(0x0c);
    pic_setup(0xff, 0xff);

    uint32_t ext = (uint32_t)cmos(0x17) | (uint32_t)cmos(0x18) << 8;
    uint32_t want = mbi->mem_upper > 0xffff ? 0xffff : mbi->mem_upper;
    check(cmos(0x15) == 0x80 && cmos(0x16) == 0x02, "devices: CMOS base memory 640 KiB");
    /* Firmware may keep the top of RAM for its tables and not tell multiboot about it. */
    check(ext >= want && ext - want < 1024, "devices: CMOS extended memory %u KiB (multiboot: %u)",
          ext, want);
}

static void uart_checks(void)
{
    uint8_t mcr = inb(COM1_MCR);
    outb(COM1_FCR_PORT, 0xe7);
    check((inb(COM1_IIR) & 0xc0) == 0xc0, "devices: 16550 FIFOs enabled (IIR bits 7-6)");
    guest_exit_drain();
    outb(COM1_MCR, 0x1a);               /* loopback, RTS, OUT2 */
    uint8_t msr = inb(COM1_MSR) & 0xf0;
    while (inb(COM1_LSR) & 0x01)
        (void)inb(COM1);
    outb(COM1, 'Z');
    uint8_t lsr = inb(COM1_LSR), got = inb(COM1);
    outb(COM1_MCR, mcr);
    check(msr == 0x90 && (lsr & 0x01) && got == 'Z',
          "devices: 16550 loopback (MSR 0x%x, LSR 0x%x, 0x%x back)", msr, lsr, got);

    pic_setup(0xef, 0xff);
    trap_hooks[MASTER_BASE + 4] = irq4;
    irq_seen[4] = irq_seen[5] = 0;
    guest_exit_drain();
    outb(COM1_MCR, (uint8_t)(mcr | 0x08));
    outb(COM1_IER, 0x02);               /* THR is empty: its interrupt comes at once */
    bool ok = wait_irq(4, 1, false);
    check(ok && irq_seen[5] == 1,
          "devices: 16550 THR-empty interrupt on IRQ 4 (%u, IIR said THRE %u)", irq_seen[4],
          irq_seen[5]);
    outb(COM1_MCR, mcr);
    pic_setup(0xff, 0xff);
}

void guest_main(const struct mb1_info *mbi)
{
    pic_checks();
    pit_checks();
    rtc_checks(mbi);
    uart_checks();
}
