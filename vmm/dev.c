/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the devices the test guests use, as port and MMIO ranges with handlers. A
   minimal i8259/i8254 pair (a one-shot or periodic timer on IRQ 0), a 16550 whose output
   goes to the console server, an IOAPIC register file, and the 0xf4 test-exit port. */
#include "vmm.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_LSR 5
#define UART_SCR 7
#define LCR_DLAB 0x80
#define LSR_IDLE 0x60                   /* THR and transmitter empty */
#define IIR_NONE 0x01
#define LINE 120
#define PIT_HZ 1193182
#define PIT_MODE(ctl) (((ctl) >> 1) & 7)
#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_SIZE 0x1000u
#define IOAPIC_WINDOW 0x10
#define IOAPIC_VERSION 0x00170011u      /* 24 pins, version 0x11 */
#define IOAPIC_REGS 0x40

static struct {
    uint8_t regs[8];
    char line[LINE];
    unsigned len;
} com1;

static struct {
    uint8_t base, mask, left, total;    /* initialization words: still expected, in all */
} pic[2] = { { 0x08, 0xff, 0, 0 }, { 0x70, 0xff, 0, 0 } };

static struct {
    uint16_t count;
    uint8_t mode;
    bool lsb_written, armed;
    uint64_t deadline, period;          /* TSC */
} pit;

static struct {
    uint32_t select, id;
    uint32_t redir[IOAPIC_REGS - 0x10];
} ioapic;

static uint32_t uart_read(uint32_t reg, unsigned bytes)
{
    (void)bytes;
    if (reg == UART_LSR)
        return LSR_IDLE;
    if (reg == UART_IIR)
        return IIR_NONE;
    return reg == UART_THR && !(com1.regs[UART_LCR] & LCR_DLAB) ? 0 : com1.regs[reg];
}

static void uart_write(uint32_t reg, unsigned bytes, uint32_t v)
{
    (void)bytes;
    if (reg != UART_THR || (com1.regs[UART_LCR] & LCR_DLAB)) {
        com1.regs[reg] = (uint8_t)v;
        return;
    }
    if (v != '\n' && com1.len < LINE - 1) {
        if (v != '\r')
            com1.line[com1.len++] = (char)v;
        return;
    }
    com1.line[com1.len] = '\0';
    vmm_print("%s\n", com1.line);
    com1.len = 0;
}

static uint32_t exit_read(uint32_t off, unsigned bytes)
{
    (void)off;
    (void)bytes;
    return 0xffffffffu;
}

static void exit_write(uint32_t off, unsigned bytes, uint32_t v)
{
    (void)off;
    (void)bytes;
    vmm_stop("vmm: guest exit status %u\n", v);
}

/* 8259A: ICW1 on the even port starts initialization; ICW2 (vector base), ICW3 (unless
   single) and ICW4 (if asked for) follow on the odd one; after that it takes OCW1, the
   mask. OCW2 and OCW3 (EOI, reads) need nothing from this model. Offsets 0x80-0x81: slave. */
static uint32_t pic_read(uint32_t off, unsigned bytes)
{
    (void)bytes;
    return (off & 1) ? pic[off >= 0x80].mask : 0;
}

static void pic_write(uint32_t off, unsigned bytes, uint32_t v)
{
    (void)bytes;
    unsigned i = off >= 0x80;
    if (!(off & 1)) {
        if (v & 0x10)
            pic[i].left = pic[i].total = (uint8_t)(1 + !(v & 2) + (v & 1));
        return;
    }
    if (!pic[i].left) {
        pic[i].mask = (uint8_t)v;
        return;
    }
    if (pic[i].left-- == pic[i].total)
        pic[i].base = (uint8_t)(v & 0xf8);
}

/* 8254 channel 0: mode 0 (one-shot) or 2/3 (periodic), LSB then MSB; port 0x61 reads 0. */
static uint32_t pit_read(uint32_t off, unsigned bytes)
{
    (void)off;
    (void)bytes;
    return 0;
}

static void pit_write(uint32_t off, unsigned bytes, uint32_t v)
{
    (void)bytes;
    if (off == 3) {
        if (((v >> 6) & 3) == 0) {      /* counter 0 */
            pit.mode = (uint8_t)PIT_MODE(v);
            pit.lsb_written = pit.armed = false;
        }
        return;
    }
    if (off != 0)
        return;
    if (!pit.lsb_written) {
        pit.count = (uint16_t)(v & 0xff);
        pit.lsb_written = true;
        return;
    }
    pit.count |= (uint16_t)((v & 0xff) << 8);
    pit.lsb_written = false;
    uint64_t ticks = pit.count ? pit.count : 0x10000;
    pit.period = ticks * vmm_boot.tsc_khz * 1000 / PIT_HZ;
    pit.deadline = rdtsc() + pit.period;
    pit.armed = true;
}

bool timer_pending(uint64_t *deadline, uint8_t *vector)
{
    if (!pit.armed || (pic[0].mask & 1))
        return false;
    *deadline = pit.deadline;
    *vector = pic[0].base;
    return true;
}

void timer_fired(void)
{
    pit.armed = pit.mode == 2 || pit.mode == 3;
    pit.deadline += pit.period;
}

static uint32_t ioapic_read(uint32_t off, unsigned bytes)
{
    (void)bytes;
    if (off == 0)
        return ioapic.select;
    if (off != IOAPIC_WINDOW)
        return 0xffffffffu;
    if (ioapic.select == 0)
        return ioapic.id;
    if (ioapic.select == 1)
        return IOAPIC_VERSION;
    return ioapic.select >= 0x10 && ioapic.select < IOAPIC_REGS ? ioapic.redir[ioapic.select - 0x10]
                                                                 : 0;
}

static void ioapic_write(uint32_t off, unsigned bytes, uint32_t v)
{
    (void)bytes;
    if (off == 0)
        ioapic.select = v & 0xff;
    else if (off == IOAPIC_WINDOW && ioapic.select == 0)
        ioapic.id = v & 0x0f000000u;
    else if (off == IOAPIC_WINDOW && ioapic.select >= 0x10 && ioapic.select < IOAPIC_REGS)
        ioapic.redir[ioapic.select - 0x10] = v;
}

static const struct io_device ports[] = {
    { 0x20, 0x82, pic_read, pic_write },        /* 0x20-0x21 and 0xa0-0xa1 */
    { 0x40, 4, pit_read, pit_write },
    { 0x61, 1, pit_read, pit_write },
    { 0xf4, 4, exit_read, exit_write },
    { COM1, 8, uart_read, uart_write },
};

static const struct io_device mmio_ranges[] = {
    { IOAPIC_BASE, IOAPIC_SIZE, ioapic_read, ioapic_write },
};

const struct io_device *pio_device(uint32_t port)
{
    for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        const struct io_device *d = &ports[i];
        if (port - d->base < d->size && (d->base != 0x20 || (port & 0x7e) == 0x20))
            return d;
    }
    return NULL;
}

const struct io_device *mmio_device(uint64_t gpa)
{
    for (unsigned i = 0; i < sizeof(mmio_ranges) / sizeof(mmio_ranges[0]); i++)
        if (gpa - mmio_ranges[i].base < mmio_ranges[i].size)
            return &mmio_ranges[i];
    return NULL;
}
