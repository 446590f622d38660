/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the i8254 PIT and port 0x61 (vmm/dev/i8254.c), on a fake clock
   where one PIT tick is 1000 TSC ticks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
#include "i8254.h"

#define TICK 1000ull                    /* TSC ticks per PIT tick */
#define T0 (1000000 * TICK)             /* the clock's start, in TSC ticks */
#define IRQ 0
#define OUT2 0x20
#define REFRESH 0x10

static struct i8254 pit;

static void out(uint16_t port, uint8_t v) { assert_true(i8254_ops.write(&pit, port, 1, v)); }

static uint8_t in(uint16_t port)
{
    uint32_t v = 0xdead;
    assert_true(i8254_ops.read(&pit, port, 1, &v));
    assert_true(v <= 0xff);
    return (uint8_t)v;
}

static uint16_t in16(uint16_t port)
{
    uint8_t lo = in(port);
    return (uint16_t)(lo | in(port) << 8);
}

/* Moves the clock to T0 + `ticks` PIT ticks and lets the model catch up. */
static void at(uint64_t ticks)
{
    fake.tsc = T0 + ticks * TICK;
    i8254_ops.advance(&pit, fake.tsc);
}

static int setup(void **state)
{
    (void)state;
    fake_reset(T0);
    i8254_init(&pit, &fake.plat, IRQ);
    i8254_ops.reset(&pit);
    memset(fake.rises, 0, sizeof(fake.rises));  /* reset's OUT0 high is no tick */
    return 0;
}

/* PIT0001: mode 2 (Linux's periodic tick, 0x34): IRQ 0 rises once per period; the
   deadline is the next period's start; the counter counts N..1. */
static void pit_mode2_periodic(void **state)
{
    (void)state;
    out(0x43, 0x34);
    out(0x40, 1193 & 0xff);
    out(0x40, 1193 >> 8);
    assert_int_equal(i8254_ops.deadline(&pit), T0 + 1193 * TICK);
    at(1192);
    assert_int_equal(fake.rises[IRQ], 0);
    at(1193);
    assert_int_equal(fake.rises[IRQ], 1);
    assert_int_equal(i8254_ops.deadline(&pit), T0 + 2 * 1193 * TICK);
    at(10 * 1193 + 5);                          /* missed periods: one edge reaches the PIC */
    assert_int_equal(fake.rises[IRQ], 2);
    fake.tsc = T0 + (10 * 1193 + 100) * TICK;
    out(0x43, 0x00);                            /* latch counter 0 */
    fake.tsc += 50 * TICK;
    assert_int_equal(in16(0x40), 1193 - 100);
    assert_int_equal(in16(0x40), 1193 - 150);   /* the latch is read once */
    fake.tsc = T0 + 11 * 1193 * TICK - TICK;    /* count 1: OUT low for one tick */
    out(0x43, 0xe2);
    assert_int_equal(in(0x40) & 0x80, 0);
    assert_int_equal(in16(0x40), 1);
}

/* PIT0002: mode 3 square wave: OUT high for the first half, low for the second; the
   counter goes down by two. */
static void pit_mode3_square(void **state)
{
    (void)state;
    out(0x43, 0x36);
    out(0x40, 100);
    out(0x40, 0);
    for (unsigned t = 0; t < 300; t += 10) {
        fake.tsc = T0 + t * TICK;
        out(0x43, 0xe2);                        /* read back status and count */
        uint8_t status = in(0x40);
        uint16_t count = in16(0x40);
        assert_int_equal(!!(status & 0x80), t % 100 < 50);
        assert_int_equal(status & 0x3f, 0x36);
        assert_int_equal(count, 100 - 2 * (t % 50));
    }
    at(300);
    assert_int_equal(fake.rises[IRQ], 3);
}

/* PIT0003: mode 0: OUT low from the control word, high at terminal count (one edge);
   the counter then wraps; writing the first byte of a new count stops it. */
static void pit_mode0_oneshot(void **state)
{
    (void)state;
    out(0x43, 0x30);
    assert_false(fake.level[IRQ]);
    out(0x43, 0xe2);
    assert_int_equal(in(0x40), 0x70);           /* OUT low, null count, LSB/MSB, mode 0 */
    out(0x40, 10);
    out(0x40, 0);
    at(9);
    assert_false(fake.level[IRQ]);
    at(10);
    assert_true(fake.level[IRQ]);
    assert_int_equal(i8254_ops.deadline(&pit), DEV_NO_DEADLINE);
    at(15);
    assert_int_equal(in16(0x40), 0xfffb);
    at(100000);
    assert_int_equal(fake.rises[IRQ], 1);
    out(0x40, 5);                               /* first byte: counting stops, OUT low */
    assert_false(fake.level[IRQ]);
    out(0x40, 0);
    at(100005);
    assert_int_equal(fake.rises[IRQ], 2);
}

/* PIT0004: LSB-only and MSB-only access, and BCD counting. */
static void pit_access_modes(void **state)
{
    (void)state;
    out(0x43, 0x50);                            /* counter 1, LSB only, mode 0 */
    out(0x41, 0x80);
    fake.tsc += 0x10 * TICK;
    assert_int_equal(in(0x41), 0x70);
    assert_int_equal(in(0x41), 0x70);           /* no toggle */
    out(0x43, 0x60);                            /* counter 1, MSB only */
    out(0x41, 0x02);                            /* count 0x200 */
    fake.tsc += 0x100 * TICK;
    assert_int_equal(in(0x41), 0x01);
    out(0x43, 0x71);                            /* counter 1, both, mode 0, BCD */
    out(0x41, 0x00);
    out(0x41, 0x10);                            /* 1000 decimal */
    fake.tsc += 1 * TICK;
    assert_int_equal(in16(0x41), 0x0999);
    fake.tsc += 999 * TICK;
    assert_int_equal(in16(0x41), 0x0000);
    fake.tsc += 1 * TICK;
    assert_int_equal(in16(0x41), 0x9999);       /* BCD wraps at 10000 */
}

/* PIT0005: port 0x61 as Linux's pit_calibrate_tsc() uses it: gate 2 high, counter 2 in
   mode 0; OUT2 (bit 5) goes high at terminal count. The refresh bit toggles every
   18 ticks (15.085 us); bits 0-3 read back. */
static void pit_port61_calibration(void **state)
{
    (void)state;
    out(0x61, (uint8_t)((in(0x61) & ~0x02) | 0x01));
    out(0x43, 0xb0);
    out(0x42, 0x0b);                            /* CAL_LATCH for 50 ms: 59659 */
    out(0x42, 0xe9);
    unsigned loops = 0;
    uint8_t refresh = in(0x61) & REFRESH;
    unsigned toggles = 0;
    while (!(in(0x61) & OUT2) && loops < 100000) {
        fake.tsc += TICK;
        loops++;
        uint8_t r = in(0x61) & REFRESH;
        toggles += r != refresh;
        refresh = r;
    }
    assert_int_equal(loops, 59659);
    assert_in_range(toggles, 59659 / 18 - 1, 59659 / 18 + 1);
    assert_int_equal(in(0x61) & 0x0f, 0x01);
    /* quick_pit_calibrate(): counter 2 from 0xffff, MSB going down. */
    out(0x43, 0xb0);
    out(0x42, 0xff);
    out(0x42, 0xff);
    for (unsigned i = 1; i < 0x80; i++) {
        fake.tsc += 256 * TICK;
        (void)in(0x42);
        assert_int_equal(in(0x42), 0xff - i);
    }
    out(0x61, 0x00);                            /* gate low stops counting */
    uint16_t held = in16(0x42);
    fake.tsc += 1000 * TICK;
    assert_int_equal(in16(0x42), held);
    out(0x61, 0x01);
    fake.tsc += 10 * TICK;
    assert_int_equal(in16(0x42), held - 10);
}

/* PIT0006: modes 1 and 5 start on a rising gate, mode 4 strobes OUT low for one tick. */
static void pit_gate_modes(void **state)
{
    (void)state;
    out(0x43, 0xb2);                            /* counter 2, mode 1 */
    out(0x42, 20);
    out(0x42, 0);
    fake.tsc += 100 * TICK;
    assert_true(in(0x61) & OUT2);               /* no trigger yet */
    out(0x61, 0x01);
    fake.tsc += 5 * TICK;
    assert_false(in(0x61) & OUT2);
    fake.tsc += 15 * TICK;
    assert_true(in(0x61) & OUT2);
    at(1000);
    out(0x43, 0x18);                            /* counter 0, LSB, mode 4 */
    out(0x40, 7);
    at(1006);
    assert_true(fake.level[IRQ]);
    fake.tsc = T0 + 1007 * TICK;
    out(0x43, 0xe2);
    assert_int_equal(in(0x40) & 0x80, 0);       /* low at terminal count */
    at(1008);
    assert_true(fake.level[IRQ]);
    unsigned rises = fake.rises[IRQ];
    at(100000);
    assert_int_equal(fake.rises[IRQ], rises);
    out(0x61, 0x00);
    out(0x43, 0x9a);                            /* counter 2, LSB, mode 5 */
    out(0x42, 3);
    out(0x61, 0x01);
    fake.tsc += 3 * TICK;
    assert_false(in(0x61) & OUT2);
    fake.tsc += TICK;
    assert_true(in(0x61) & OUT2);
}

/* PIT0007: a new count in mode 2 takes over at the end of the current period. */
static void pit_mode2_reload(void **state)
{
    (void)state;
    out(0x43, 0x34);
    out(0x40, 100);
    out(0x40, 0);
    at(50);
    out(0x40, 10);
    out(0x40, 0);
    at(99);
    assert_int_equal(fake.rises[IRQ], 0);
    at(100);
    assert_int_equal(fake.rises[IRQ], 1);
    at(110);
    assert_int_equal(fake.rises[IRQ], 2);
    assert_int_equal(i8254_ops.deadline(&pit), T0 + 120 * TICK);
}

/* PIT0008: save and restore round trip; bad buffers change nothing. */
static void pit_save_restore(void **state)
{
    (void)state;
    uint8_t buf[512], copy[512];
    out(0x43, 0x34);
    out(0x40, 0x34);
    out(0x40, 0x12);
    at(7);
    size_t n = i8254_ops.save(&pit, buf, sizeof(buf));
    assert_true(n > sizeof(struct dev_save_header));
    struct i8254_state before = pit.s;
    i8254_ops.reset(&pit);
    assert_true(i8254_ops.restore(&pit, buf, n));
    assert_memory_equal(&pit.s, &before, sizeof(before));
    assert_int_equal(i8254_ops.save(&pit, buf, n - 1), 0);
    for (size_t len = 0; len < n; len++)
        assert_false(i8254_ops.restore(&pit, buf, len));
    static const size_t fields[] = { offsetof(struct i8254_channel, mode),
                                     offsetof(struct i8254_channel, rw),
                                     offsetof(struct i8254_channel, latched),
                                     offsetof(struct i8254_channel, n) };
    for (unsigned i = 0; i < 4; i++) {
        memcpy(copy, buf, n);
        copy[sizeof(struct dev_save_header) + fields[i]] = 0xee;
        if (fields[i] == offsetof(struct i8254_channel, n))
            memset(copy + sizeof(struct dev_save_header) + fields[i], 0, 4);
        assert_false(i8254_ops.restore(&pit, copy, n));
    }
    assert_memory_equal(&pit.s, &before, sizeof(before));
}

/* PIT0009: garbage everywhere, then a proper programming still works. */
static void pit_hostile(void **state)
{
    (void)state;
    fake_hostile(&i8254_ops, &pit, 0x40, 4, 200);
    fake_hostile(&i8254_ops, &pit, 0x61, 1, 200);
    for (unsigned v = 0; v < 256; v++) {
        out(0x43, (uint8_t)v);
        out(0x40 + v % 3, (uint8_t)(v * 7));
        out(0x40 + v % 3, 0);
        (void)in(0x40 + (v + 1) % 3);
        fake.tsc += v * 37;
        i8254_ops.advance(&pit, fake.tsc);
        assert_true(i8254_ops.deadline(&pit) > fake.tsc);
    }
    uint32_t v;
    assert_false(i8254_ops.read(&pit, 0x40, 2, &v));
    fake.tsc -= fake.tsc % TICK;
    out(0x43, 0x34);
    out(0x40, 50);
    out(0x40, 0);
    assert_int_equal(i8254_ops.deadline(&pit), fake.tsc + 50 * TICK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(pit_mode2_periodic, setup),
        cmocka_unit_test_setup(pit_mode3_square, setup),
        cmocka_unit_test_setup(pit_mode0_oneshot, setup),
        cmocka_unit_test_setup(pit_access_modes, setup),
        cmocka_unit_test_setup(pit_port61_calibration, setup),
        cmocka_unit_test_setup(pit_gate_modes, setup),
        cmocka_unit_test_setup(pit_mode2_reload, setup),
        cmocka_unit_test_setup(pit_save_restore, setup),
        cmocka_unit_test_setup(pit_hostile, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
