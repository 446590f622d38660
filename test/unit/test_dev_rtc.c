/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the MC146818 RTC and CMOS (vmm/dev/mc146818.c) and the calendar
   (servers/lib/calendar.c), on a fake 1.193182 GHz TSC. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "calendar.h"
#include "dev_fake.h"
#include "mc146818.h"

#define SEC FAKE_TSC_HZ
#define MSEC (FAKE_TSC_HZ / 1000)
#define USEC (FAKE_TSC_HZ / 1000000)
#define T0 (100 * SEC)
#define IRQ 8
#define MIB (1024ull * 1024)
/* 2024-02-29 23:59:58 UTC, a Thursday. */
#define LEAP_EVE 1709251198ull

static struct mc146818 rtc;

static void out(uint16_t port, uint8_t v) { assert_true(mc146818_ops.write(&rtc, port, 1, v)); }

static uint8_t in(uint16_t port)
{
    uint32_t v = 0xdead;
    assert_true(mc146818_ops.read(&rtc, port, 1, &v));
    assert_true(v <= 0xff);
    return (uint8_t)v;
}

static uint8_t reg(uint8_t i)
{
    out(0x70, i);
    return in(0x71);
}

static void set_reg(uint8_t i, uint8_t v)
{
    out(0x70, i);
    out(0x71, v);
}

static void start(uint64_t seconds, uint64_t below, uint64_t above)
{
    fake_reset(T0);
    struct mc146818_config c = { seconds, T0, below, above };
    mc146818_init(&rtc, &fake.plat, IRQ, &c);
    mc146818_ops.reset(&rtc);
}

static void at(uint64_t tsc)
{
    fake.tsc = tsc;
    mc146818_ops.advance(&rtc, tsc);
}

/* RTC0001: the host's time in BCD and 24 hours, across a leap day into March, with the
   weekday and century; update-in-progress in the last 244 us before each update. */
static void rtc_time_bcd(void **state)
{
    (void)state;
    start(LEAP_EVE, 64 * MIB, 0);
    assert_int_equal(reg(0x0a), 0x26);
    assert_int_equal(reg(0x0b), 0x02);
    assert_int_equal(reg(0x0d), 0x80);
    assert_int_equal(reg(0), 0x58);
    assert_int_equal(reg(2), 0x59);
    assert_int_equal(reg(4), 0x23);
    assert_int_equal(reg(6), 5);                /* Thursday: 1 is Sunday */
    assert_int_equal(reg(7), 0x29);
    assert_int_equal(reg(8), 0x02);
    assert_int_equal(reg(9), 0x24);
    assert_int_equal(reg(0x32), 0x20);
    fake.tsc = T0 + 2 * SEC - 300 * USEC;
    assert_int_equal(reg(0x0a) & 0x80, 0x80);   /* the update at T0 + 1 s, missed: once */
    assert_int_equal(reg(0x0a) & 0x80, 0);
    fake.tsc = T0 + 2 * SEC - 245 * USEC;
    assert_int_equal(reg(0x0a) & 0x80, 0);
    fake.tsc = T0 + 2 * SEC - 243 * USEC;
    assert_int_equal(reg(0x0a) & 0x80, 0x80);
    assert_int_equal(reg(0), 0x59);
    fake.tsc = T0 + 2 * SEC;
    assert_int_equal(reg(0x0a) & 0x80, 0);
    assert_int_equal(reg(0), 0x00);
    assert_int_equal(reg(2), 0x00);
    assert_int_equal(reg(4), 0x00);
    assert_int_equal(reg(7), 0x01);
    assert_int_equal(reg(8), 0x03);
    assert_int_equal(reg(6), 6);
    assert_int_equal(mc146818_seconds(&rtc), LEAP_EVE + 2);
}

/* RTC0002: setting the time as Linux's mc146818_set_time() does (SET, divider reset,
   registers, then both restored): binary, 12-hour mode; the first update comes half a
   second after the divider starts; UIE is cleared by SET. */
static void rtc_set_time_binary_12h(void **state)
{
    (void)state;
    start(LEAP_EVE, 64 * MIB, 0);
    set_reg(0x0b, 0x02 | 0x10);                 /* UIE */
    set_reg(0x0b, 0x80 | 0x10 | 0x04);          /* SET, binary, 12-hour */
    assert_int_equal(reg(0x0b), 0x84);
    set_reg(0x0a, 0x70);                        /* divider reset */
    set_reg(0, 30);
    set_reg(2, 15);
    set_reg(4, 0x80 | 1);                       /* 1 PM */
    set_reg(7, 31);
    set_reg(8, 12);
    set_reg(9, 99);
    set_reg(0x32, 19);
    fake.tsc += 10 * SEC;                       /* stopped */
    assert_int_equal(reg(0), 30);
    set_reg(0x0b, 0x04);
    set_reg(0x0a, 0x26);
    uint64_t started = fake.tsc;
    fake.tsc = started + SEC / 2 - MSEC;
    assert_int_equal(reg(0), 30);
    fake.tsc = started + SEC / 2;
    assert_int_equal(reg(0), 31);
    assert_int_equal(reg(4), 0x81);
    assert_int_equal(reg(9), 99);
    struct calendar_time t = { 1999, 12, 31, 13, 15, 31, 0 };
    assert_int_equal(mc146818_seconds(&rtc), calendar_to_seconds(&t));
    fake.tsc = started + SEC / 2 + (10 * 3600 + 44 * 60 + 29) * SEC;
    assert_int_equal(reg(4), 12);               /* 12 AM of 2000-01-01, binary */
    assert_int_equal(reg(9), 0);
    assert_int_equal(reg(0x32), 20);
    assert_int_equal(reg(7), 1);
}

/* RTC0003: update-ended interrupt: IRQ 8 rises at the update, register C reports
   IRQF|UF and reading it clears the flags and the line. */
static void rtc_update_interrupt(void **state)
{
    (void)state;
    start(LEAP_EVE, 64 * MIB, 0);
    set_reg(0x0b, 0x12);
    assert_int_equal(mc146818_ops.deadline(&rtc), T0 + SEC);
    at(T0 + SEC - 1);
    assert_false(fake.level[IRQ]);
    at(T0 + SEC);
    assert_true(fake.level[IRQ]);
    assert_int_equal(mc146818_ops.deadline(&rtc), DEV_NO_DEADLINE);
    assert_int_equal(reg(0x0c), 0xd0);         /* PF too: it runs without PIE */
    assert_false(fake.level[IRQ]);
    assert_int_equal(reg(0x0c), 0x00);
    assert_int_equal(mc146818_ops.deadline(&rtc), T0 + 2 * SEC);
    set_reg(0x0b, 0x02);                        /* polled: the flag without the line */
    at(T0 + 3 * SEC);
    assert_false(fake.level[IRQ]);
    assert_int_equal(reg(0x0c) & 0x90, 0x10);  /* (AF too: the alarm reads 00:00:00) */
    assert_int_equal(fake.rises[IRQ], 1);
}

/* RTC0004: periodic interrupt at 1024 Hz (rate 6) and 2 Hz (rate 15); PF is set even
   with PIE off. */
static void rtc_periodic(void **state)
{
    (void)state;
    start(LEAP_EVE, 64 * MIB, 0);
    set_reg(0x0b, 0x42);
    uint64_t d = mc146818_ops.deadline(&rtc);
    assert_in_range(d, T0 + 976 * USEC, T0 + 977 * USEC);
    at(d - 1);
    assert_false(fake.level[IRQ]);
    at(d);
    assert_true(fake.level[IRQ]);
    assert_int_equal(reg(0x0c), 0xc0);
    unsigned ticks = 0;
    for (int i = 0; i < 1024; i++) {
        at(mc146818_ops.deadline(&rtc));
        ticks += (reg(0x0c) & 0xe0) == 0xc0;    /* UF shows at the update, no AF */
    }
    assert_int_equal(ticks, 1024);
    assert_in_range(fake.tsc, T0 + SEC + 975 * USEC, T0 + SEC + 978 * USEC);
    set_reg(0x0a, 0x2f);
    set_reg(0x0b, 0x02);
    fake.tsc += SEC / 2 + MSEC;
    assert_int_equal(reg(0x0c) & 0x40, 0x40);
    assert_false(fake.level[IRQ]);
}

/* RTC0005: the alarm: exact match, then "don't care" codes in hours and minutes. */
static void rtc_alarm(void **state)
{
    (void)state;
    start(LEAP_EVE - 60, 64 * MIB, 0);          /* 23:58:58 */
    set_reg(1, 0x05);
    set_reg(3, 0x59);
    set_reg(5, 0x23);
    set_reg(0x0b, 0x22);
    for (unsigned s = 1; s < 67; s++) {
        at(T0 + s * SEC);
        assert_int_equal(fake.level[IRQ], s >= 67 - 60);
    }
    assert_int_equal(reg(0x0c) & 0xb0, 0xb0);
    set_reg(3, 0xc0);
    set_reg(5, 0xff);
    set_reg(1, 0x30);                           /* every minute at :30 */
    at(T0 + 91 * SEC);
    assert_int_equal(reg(0x0c) & 0x20, 0);      /* 00:00:29 */
    at(T0 + 92 * SEC);
    assert_int_equal(reg(0x0c) & 0x20, 0x20);   /* 00:00:30 */
    at(T0 + 100 * SEC);
    assert_int_equal(reg(0x0c) & 0x20, 0);
    at(T0 + 100 * SEC + 2 * 86400 * SEC);       /* a long sleep still finds a match */
    assert_int_equal(reg(0x0c) & 0x20, 0x20);
}

/* RTC0006: CMOS: the memory-size bytes for 64 MiB, and for 3.5 GiB + 2 GiB above 4 GiB;
   the checksum; RAM bytes round trip; 0x70 holds the NMI mask, reads 0xff; C and D are
   read-only. */
static void rtc_cmos_bytes(void **state)
{
    (void)state;
    start(0, 64 * MIB, 0);
    assert_int_equal(reg(0x15) | reg(0x16) << 8, 640);
    assert_int_equal(reg(0x17) | reg(0x18) << 8, 63 * 1024);
    assert_int_equal(reg(0x30) | reg(0x31) << 8, 63 * 1024);
    assert_int_equal(reg(0x34) | reg(0x35) << 8, 48 * 16);
    assert_int_equal(reg(0x5b) | reg(0x5c) << 8 | reg(0x5d) << 16, 0);
    unsigned sum = 0;
    for (uint8_t i = 0x10; i < 0x2e; i++)
        sum += reg(i);
    assert_int_equal(reg(0x2e) << 8 | reg(0x2f), sum);
    start(0, 3584 * MIB, 2048 * MIB);
    assert_int_equal(reg(0x17) | reg(0x18) << 8, 0xffff);
    assert_int_equal(reg(0x34) | reg(0x35) << 8, (3584 - 16) * 16);
    assert_int_equal(reg(0x5b) | reg(0x5c) << 8 | reg(0x5d) << 16, 2048 * 16);
    for (uint8_t i = 0x40; i < 0x80; i++)
        set_reg(i, (uint8_t)(i * 3));
    for (uint8_t i = 0x40; i < 0x80; i++)
        assert_int_equal(reg(i), (uint8_t)(i * 3));
    out(0x70, 0x80 | 0x41);
    assert_true(rtc.s.nmi_masked);
    assert_int_equal(in(0x71), 0x41 * 3);
    assert_int_equal(in(0x70), 0xff);
    set_reg(0x0d, 0);
    assert_int_equal(reg(0x0d), 0x80);
    set_reg(0x0c, 0xff);
    assert_int_equal(reg(0x0c), 0);
}

/* RTC0007: the calendar both ways over leap years and the range ends. */
static void rtc_calendar(void **state)
{
    (void)state;
    struct calendar_time t = { 2000, 2, 29, 12, 0, 0, 0 }, back;
    assert_int_equal(calendar_to_seconds(&t), 951825600);
    for (uint64_t s = 0; s < 7000ull * 86400; s += 86400 * 13 + 3599) {
        calendar_from_seconds(s * 3, &back);
        assert_int_equal(calendar_to_seconds(&back), s * 3);
    }
    t = (struct calendar_time){ 2100, 2, 29, 0, 0, 0, 0 };   /* 2100 is no leap year */
    calendar_from_seconds(calendar_to_seconds(&t), &back);
    assert_int_equal(back.day, 28);
    t = (struct calendar_time){ 9999, 99, 99, 99, 99, 99, 0 };
    calendar_from_seconds(calendar_to_seconds(&t), &back);
    assert_int_equal(back.year, 2199);
    assert_int_equal(back.second, 59);
    calendar_from_seconds(UINT64_MAX / 2, &back);
    assert_int_equal(back.year, 2199);
    assert_int_equal(back.month, 12);
    assert_int_equal(back.day, 31);
}

/* RTC0008: save and restore round trip; bad buffers change nothing. */
static void rtc_save_restore(void **state)
{
    (void)state;
    uint8_t buf[512], copy[512];
    start(LEAP_EVE, 64 * MIB, 0);
    set_reg(0x0b, 0x52);
    at(T0 + 3 * SEC);
    size_t n = mc146818_ops.save(&rtc, buf, sizeof(buf));
    assert_true(n > 128);
    struct mc146818_state before = rtc.s;
    mc146818_ops.reset(&rtc);
    assert_true(mc146818_ops.restore(&rtc, buf, n));
    assert_memory_equal(&rtc.s, &before, sizeof(before));
    assert_true(fake.level[IRQ]);
    for (size_t len = 0; len < n; len += 7)
        assert_false(mc146818_ops.restore(&rtc, buf, len));
    size_t h = sizeof(struct dev_save_header);
    static const size_t bad[][2] = { { offsetof(struct mc146818_state, index), 0x80 },
                                     { 0x0d, 0x00 }, { 0x0c, 0x01 }, { 0x0a, 0xa6 } };
    for (unsigned i = 0; i < 4; i++) {
        memcpy(copy, buf, n);
        copy[h + bad[i][0]] = (uint8_t)bad[i][1];
        assert_false(mc146818_ops.restore(&rtc, copy, n));
    }
    assert_memory_equal(&rtc.s, &before, sizeof(before));
}

/* RTC0009: garbage at every port, width and register; the clock keeps reading sane. */
static void rtc_hostile(void **state)
{
    (void)state;
    start(LEAP_EVE, 64 * MIB, 0);
    fake_hostile(&mc146818_ops, &rtc, 0x70, 2, 500);
    for (unsigned i = 0; i < 0x100; i++) {
        set_reg((uint8_t)i, (uint8_t)(i * 37 + 11));
        (void)reg((uint8_t)i);
        at(fake.tsc + i * MSEC * 7);
        assert_true(mc146818_ops.deadline(&rtc) > fake.tsc);
    }
    uint32_t v;
    assert_false(mc146818_ops.read(&rtc, 0x71, 2, &v));
    set_reg(0x0b, 0x82);
    set_reg(0, 0x99);                           /* impossible BCD */
    set_reg(8, 0x13);
    set_reg(0x0b, 0x02);
    set_reg(0x0a, 0x26);
    (void)mc146818_seconds(&rtc);
    assert_true(reg(8) >= 1 && reg(8) <= 0x12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rtc_time_bcd),
        cmocka_unit_test(rtc_set_time_binary_12h),
        cmocka_unit_test(rtc_update_interrupt),
        cmocka_unit_test(rtc_periodic),
        cmocka_unit_test(rtc_alarm),
        cmocka_unit_test(rtc_cmos_bytes),
        cmocka_unit_test(rtc_calendar),
        cmocka_unit_test(rtc_save_restore),
        cmocka_unit_test(rtc_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
