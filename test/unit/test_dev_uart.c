/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the 16550A UART (vmm/dev/ns16550.c): what Linux's 8250 driver
   probes and relies on, IIR priorities, FIFOs, loopback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "bus.h"
#include "dev_fake.h"
#include "ns16550.h"

#define COM1 0x3f8
#define THR (COM1 + 0)
#define IER (COM1 + 1)
#define IIR (COM1 + 2)
#define FCR (COM1 + 2)
#define LCR (COM1 + 3)
#define MCR (COM1 + 4)
#define LSR (COM1 + 5)
#define MSR (COM1 + 6)
#define SCR (COM1 + 7)
#define IRQ 4
#define T0 1000000000ull

static struct ns16550 uart;

static void out(uint16_t port, uint8_t v) { assert_true(ns16550_ops.write(&uart, port, 1, v)); }

static uint8_t in(uint16_t port)
{
    uint32_t v = 0xdead;
    assert_true(ns16550_ops.read(&uart, port, 1, &v));
    assert_true(v <= 0xff);
    return (uint8_t)v;
}

static int setup(void **state)
{
    (void)state;
    fake_reset(T0);
    ns16550_init(&uart, &fake.plat, COM1, IRQ);
    ns16550_ops.reset(&uart);
    return 0;
}

/* UART0001: Linux's autoconfig(): scratch, IER probe, loopback test (MSR 0x90 for
   RTS|OUT2), FIFO probe (IIR bits 7-6 after FCR 0xe7: a 16550A), divisor latch. */
static void uart_linux_probe(void **state)
{
    (void)state;
    out(SCR, 0xa5);
    assert_int_equal(in(SCR), 0xa5);
    out(IER, 0);
    assert_int_equal(in(IER) & 0x0f, 0);
    out(IER, 0x0f);
    assert_int_equal(in(IER) & 0x0f, 0x0f);
    out(IER, 0);
    out(MCR, 0x10 | 0x0a);
    assert_int_equal(in(MSR) & 0xf0, 0x90);
    out(MCR, 0);
    out(FCR, 0xe7);
    assert_int_equal(in(IIR) & 0xc0, 0xc0);
    out(LCR, 0x80);
    out(THR, 0x01);                             /* 115200 baud */
    out(IER, 0x00);
    assert_int_equal(in(THR), 0x01);
    assert_int_equal(in(IER), 0x00);
    out(LCR, 0x03);
    assert_int_equal(in(LCR), 0x03);
    assert_int_equal(in(LSR), 0x60);            /* THR and transmitter empty */
    assert_int_equal(fake.out_len, 0);          /* the divisor write sent nothing */
}

/* UART0002: THRE as serial8250_do_startup() tests it and the TX path uses it: pending
   once ETBEI is set with THR empty, served by the IIR read that reports it, raised again
   by setting ETBEI again and by each THR write; the line needs OUT2. */
static void uart_thre(void **state)
{
    (void)state;
    out(FCR, 0x07);
    out(IER, 0x02);
    assert_int_equal(in(IIR), 0xc2);
    assert_int_equal(in(IIR), 0xc1);
    out(IER, 0);
    out(IER, 0x02);
    assert_false(fake.level[IRQ]);              /* OUT2 off: no interrupt line */
    out(MCR, 0x0b);
    assert_true(fake.level[IRQ]);
    assert_int_equal(in(IIR), 0xc2);
    assert_false(fake.level[IRQ]);
    out(THR, 'h');
    assert_true(fake.level[IRQ]);
    out(THR, 'i');
    assert_int_equal(fake.rises[IRQ], 3);       /* one edge per byte */
    assert_int_equal(in(IIR), 0xc2);
    out(IER, 0x00);                             /* __stop_tx */
    out(THR, '\n');
    assert_false(fake.level[IRQ]);
    assert_int_equal(in(IIR), 0xc1);
    assert_int_equal(fake.out_len, 3);
    assert_memory_equal(fake.out, "hi\n", 3);
}

/* UART0003: input: RDA at the trigger level, the character timeout below it after four
   character times, LSR.DR, overrun when the FIFO is full. */
static void uart_receive(void **state)
{
    (void)state;
    out(LCR, 0x80);
    out(THR, 0x01);
    out(LCR, 0x03);
    out(MCR, 0x0b);
    out(FCR, 0x81);                             /* FIFO, trigger level 8 */
    out(IER, 0x05);
    fake_input("abc", 3);
    assert_int_equal(in(LSR) & 0x01, 0x01);
    assert_int_equal(in(IIR), 0xc1);            /* 3 < 8, no timeout yet */
    uint64_t d = ns16550_ops.deadline(&uart);
    assert_in_range(d, T0 + 4 * 86 * 1193, T0 + 4 * 87 * 1193);     /* 4 x 86.8 us */
    fake.tsc = d;
    ns16550_ops.advance(&uart, d);
    assert_true(fake.level[IRQ]);
    assert_int_equal(in(IIR), 0xcc);
    assert_int_equal(in(THR), 'a');
    assert_int_equal(in(IIR), 0xc1);            /* a read restarts the timeout */
    fake_input("defghijklmnopqrstuv", 19);
    ns16550_ops.advance(&uart, fake.tsc);       /* fills the FIFO: 16 of them */
    assert_int_equal(in(IIR), 0xc4);
    assert_int_equal(in(THR), 'b');
    ns16550_ops.advance(&uart, fake.tsc);
    char got[40] = { 0 };
    unsigned n = 0;
    while ((in(LSR) & 0x01) && n < sizeof(got) - 1)
        got[n++] = (char)in(THR);
    assert_string_equal(got, "cdefghijklmnopqrstuv");
    fake_input("0123456789abcdefXYZ", 19);
    out(MCR, 0x1b);                             /* loopback: input is cut off */
    out(MCR, 0x0b);
    uint8_t lsr = 0;
    for (unsigned i = 0; i < 3; i++) {          /* three reads with a full FIFO behind */
        ns16550_ops.advance(&uart, fake.tsc);
        lsr |= in(LSR);
    }
    assert_int_equal(lsr & 0x02, 0);
    out(FCR, 0x00);                             /* FIFOs off: one byte at a time */
    ns16550_ops.advance(&uart, fake.tsc);
    (void)in(THR);
    ns16550_ops.advance(&uart, fake.tsc);
    assert_int_equal(in(IIR), 0x04);
    out(IER, 0x01);
    assert_int_equal(in(LSR) & 0x03, 0x01);
}

/* UART0008: a guest that reads slowly loses nothing: the model takes from the console
   only what its FIFO has room for, so 40 bytes behind a full FIFO all arrive, in order;
   input lost before the console (its buffer was full) is the receiver's overrun, in LSR
   and as a line-status interrupt. */
static void uart_receive_paced(void **state)
{
    (void)state;
    out(MCR, 0x0b);
    out(FCR, 0xc1);                             /* FIFO, trigger level 14 */
    out(IER, 0x05);
    const char *text = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
    fake_input(text, 40);
    char got[41] = { 0 };
    for (unsigned n = 0; n < 40; n++) {
        ns16550_ops.advance(&uart, fake.tsc);
        assert_true(uart.s.rx_count <= NS16550_FIFO);
        assert_int_equal(in(LSR) & 0x03, 0x01);    /* data ready, never an overrun */
        got[n] = (char)in(THR);
        fake.tsc += 1000;
    }
    assert_string_equal(got, text);
    assert_int_equal(in(LSR) & 0x01, 0);
    fake.lost = true;
    fake_input("z", 1);
    ns16550_ops.advance(&uart, fake.tsc);
    assert_true(fake.level[IRQ]);
    assert_int_equal(in(IIR), 0xc6);            /* line status first */
    assert_int_equal(in(LSR) & 0x03, 0x03);
    assert_int_equal(in(LSR) & 0x02, 0);        /* reading LSR cleared it */
    assert_int_equal(in(THR), 'z');
    fake.lost = true;                           /* in loopback the console is cut off */
    out(MCR, 0x1b);
    ns16550_ops.advance(&uart, fake.tsc);
    assert_int_equal(in(LSR) & 0x02, 0);
}

/* UART0009: typed input reaches a guest that is not touching the UART, as the VMM's input
   thread makes it: bus_kick() advances COM1 at once, which pulls the bytes and raises the
   received-data interrupt (at the trigger level) or, below it, makes the bus's next
   deadline the character timeout. */
static void uart_bus_kick(void **state)
{
    (void)state;
    static struct bus b;
    memset(&b, 0, sizeof(b));
    struct dev d = { &ns16550_ops, &uart, uart.range, 1 };
    assert_true(bus_add(&b, &d));
    bus_reset(&b);
    bus_pio_write(&b, MCR, 1, 0x0b);
    bus_pio_write(&b, FCR, 1, 0x81);            /* trigger level 8, as Linux sets it */
    bus_pio_write(&b, IER, 1, 0x05);
    assert_int_equal(bus_advance(&b, fake.tsc), DEV_NO_DEADLINE);
    fake_input("ls\r", 3);
    assert_int_equal(bus_advance(&b, fake.tsc), DEV_NO_DEADLINE);  /* nobody looked */
    bus_kick(&b, &uart, fake.tsc);
    uint64_t timeout = bus_advance(&b, fake.tsc);
    assert_true(timeout > fake.tsc && timeout != DEV_NO_DEADLINE);
    assert_false(fake.level[IRQ]);
    fake.tsc = timeout;
    assert_int_equal(bus_advance(&b, timeout), DEV_NO_DEADLINE);
    assert_true(fake.level[IRQ]);               /* the character timeout */
    assert_int_equal(bus_pio_read(&b, IIR, 1), 0xcc);
    fake_input("uname -r\r", 9);
    bus_kick(&b, &uart, timeout);
    assert_int_equal(uart.s.rx_count, 12);
    assert_int_equal(bus_pio_read(&b, IIR, 1), 0xc4);  /* at the trigger level */
    bus_kick(&b, &b, timeout);                  /* no such model: nothing happens */
}

/* UART0004: IIR priority: line status over received data over THRE over modem status;
   reading LSR clears the error. */
static void uart_iir_priority(void **state)
{
    (void)state;
    out(IER, 0x0f);
    assert_int_equal(in(IIR), 0x02);            /* THRE (no FIFO: bits 7-6 clear) */
    out(MCR, 0x01);                             /* DTR: no change outside loopback */
    out(MCR, 0x10);                             /* loopback: CTS DSR DCD drop: deltas */
    assert_int_equal(in(IIR), 0x00);            /* modem status */
    assert_int_equal(in(MSR), 0x0b);
    assert_int_equal(in(IIR), 0x01);
    out(THR, 'x');                              /* loopback, no FIFO: 'y' overruns */
    out(THR, 'y');
    assert_int_equal(in(IIR), 0x06);            /* line status first */
    assert_int_equal(in(LSR) & 0x03, 0x03);
    assert_int_equal(in(IIR), 0x04);
}

/* UART0005: loopback: written bytes come back in RBR, none reach the console; MSR
   follows MCR; the IRQ line stays low. */
static void uart_loopback(void **state)
{
    (void)state;
    out(FCR, 0x01);
    out(MCR, 0x1f);
    assert_int_equal(in(MSR) & 0xf0, 0xf0);
    out(IER, 0x03);
    out(THR, 'L');
    out(THR, 'B');
    assert_int_equal(in(IIR), 0xc4);            /* trigger level 1 reached */
    assert_false(fake.level[IRQ]);
    assert_int_equal(in(THR), 'L');
    assert_int_equal(in(THR), 'B');
    assert_int_equal(in(LSR) & 0x01, 0);
    assert_int_equal(fake.out_len, 0);
    out(MCR, 0x1b);                             /* OUT1 (RI) falls: trailing edge */
    assert_int_equal(in(MSR) & 0x04, 0x04);
    out(MCR, 0x0b);                             /* out of loopback: THRE reaches the line */
    assert_true(fake.level[IRQ]);
    assert_int_equal(in(IIR), 0xc2);
}

/* UART0006: save and restore round trip with bytes in the FIFO; bad buffers change
   nothing. */
static void uart_save_restore(void **state)
{
    (void)state;
    uint8_t buf[256], copy[256];
    out(FCR, 0x41);
    out(MCR, 0x0b);
    out(IER, 0x01);
    fake_input("saved", 5);
    ns16550_ops.advance(&uart, fake.tsc);
    size_t n = ns16550_ops.save(&uart, buf, sizeof(buf));
    assert_true(n > 0);
    struct ns16550_state before = uart.s;
    ns16550_ops.reset(&uart);
    assert_false(fake.level[IRQ]);
    assert_true(ns16550_ops.restore(&uart, buf, n));
    assert_memory_equal(&uart.s, &before, sizeof(before));
    assert_true(fake.level[IRQ]);
    assert_int_equal(in(THR), 's');
    for (size_t len = 0; len < n; len++)
        assert_false(ns16550_ops.restore(&uart, buf, len));
    size_t h = sizeof(struct dev_save_header);
    static const size_t bad[][2] = {
        { offsetof(struct ns16550_state, rx_head), 16 },
        { offsetof(struct ns16550_state, rx_count), 17 },
        { offsetof(struct ns16550_state, ier), 0x10 },
        { offsetof(struct ns16550_state, mcr), 0x20 },
        { offsetof(struct ns16550_state, thre_pending), 2 },
    };
    struct ns16550_state now = uart.s;
    for (unsigned i = 0; i < 5; i++) {
        memcpy(copy, buf, n);
        copy[h + bad[i][0]] = (uint8_t)bad[i][1];
        assert_false(ns16550_ops.restore(&uart, copy, n));
    }
    assert_memory_equal(&uart.s, &now, sizeof(now));
}

/* UART0007: garbage at every register, width and value. */
static void uart_hostile(void **state)
{
    (void)state;
    fake_input("hostile input bytes", 19);
    fake_hostile(&ns16550_ops, &uart, COM1, 8, 300);
    uint32_t v;
    assert_false(ns16550_ops.read(&uart, COM1, 2, &v));
    assert_false(ns16550_ops.write(&uart, COM1, 4, 0x41414141));
    for (unsigned i = 0; i < 2000; i++) {
        out((uint16_t)(COM1 + i % 8), (uint8_t)(i * 131));
        (void)in((uint16_t)(COM1 + (i * 7) % 8));
        assert_true(uart.s.rx_count <= NS16550_FIFO);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(uart_linux_probe, setup),
        cmocka_unit_test_setup(uart_thre, setup),
        cmocka_unit_test_setup(uart_receive, setup),
        cmocka_unit_test_setup(uart_receive_paced, setup),
        cmocka_unit_test_setup(uart_bus_kick, setup),
        cmocka_unit_test_setup(uart_iir_priority, setup),
        cmocka_unit_test_setup(uart_loopback, setup),
        cmocka_unit_test_setup(uart_save_restore, setup),
        cmocka_unit_test_setup(uart_hostile, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
