/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the ACPI PM registers and PM timer (vmm/dev/acpi_pm.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
#include "acpi_pm.h"

#define BASE 0x600
#define T0 (1000000ull * 1000)
#define S5_OFF (5u << 10 | 1u << 13)

static struct acpi_pm pm;
static unsigned offs;

static void off_cb(void *ctx)
{
    (void)ctx;
    offs++;
}

static uint32_t in(unsigned off, unsigned bytes)
{
    uint32_t v = 0xdeadbeef;
    assert_true(acpi_pm_ops.read(&pm, BASE + off, bytes, &v));
    return v;
}

static void out(unsigned off, unsigned bytes, uint32_t v)
{
    assert_true(acpi_pm_ops.write(&pm, BASE + off, bytes, v));
}

static int setup(void **state)
{
    (void)state;
    fake_reset(T0);
    offs = 0;
    acpi_pm_init(&pm, &fake.plat, BASE, off_cb, NULL);
    acpi_pm_ops.reset(&pm);
    return 0;
}

/* ACPIPM0001: the timer counts at 3.579545 MHz in 24 bits, read as a dword (and in
   pieces); writes do not change it. */
static void pm_timer(void **state)
{
    (void)state;
    uint64_t hz = FAKE_TSC_HZ;
    uint32_t t0 = in(8, 4);
    assert_true(t0 <= 0xffffff);
    fake.tsc += hz / 1000;                      /* one millisecond: 3579.545 ticks */
    uint32_t t1 = in(8, 4);
    uint32_t d = (t1 - t0) & 0xffffff;
    assert_true(d >= 3579 && d <= 3580);
    out(8, 4, 0);
    assert_int_equal(in(8, 4), t1);
    assert_int_equal(in(8, 2) | in(10, 2) << 16, t1);
    assert_int_equal(in(11, 1), 0);             /* bits 31:24 are 0 */
    fake.tsc = T0 + 5 * hz;                     /* it wraps at 2^24 */
    assert_true(in(8, 4) <= 0xffffff);
}

/* ACPIPM0002: PM1_CNT reads SCI_EN set; SLP_TYP 5 with SLP_EN turns the machine off,
   other sleep types do not; status bits are write-one-to-clear; enable bits kept. */
static void pm_control(void **state)
{
    (void)state;
    assert_int_equal(in(4, 2), 1);
    out(4, 2, 1u << 10 | 1u << 13);             /* S1: not modelled, ignored */
    assert_int_equal(offs, 0);
    out(4, 2, S5_OFF);
    assert_int_equal(offs, 1);
    out(2, 2, 0xffff);
    assert_int_equal(in(2, 2), 0x0521);
    out(3, 1, 0);                               /* a byte write keeps the other byte */
    assert_int_equal(in(2, 2), 0x0021);
    pm.s.status = 0x8001;
    out(0, 2, 0x0001);
    assert_int_equal(in(0, 2), 0x8000);
    out(0, 4, 0x8000);                          /* a dword write: status and enable */
    assert_int_equal(in(0, 4), 0);
}

/* ACPIPM0003: offsets past the block are not decoded; save/restore; garbage survives. */
static void pm_hostile(void **state)
{
    (void)state;
    uint32_t v;
    uint8_t buf[64];
    assert_false(acpi_pm_ops.read(&pm, BASE + 12, 1, &v));
    assert_false(acpi_pm_ops.read(&pm, BASE + 10, 4, &v));
    out(2, 2, 0x20);
    size_t n = acpi_pm_ops.save(&pm, buf, sizeof(buf));
    assert_true(n > 0);
    acpi_pm_ops.reset(&pm);
    assert_true(acpi_pm_ops.restore(&pm, buf, n));
    assert_int_equal(in(2, 2), 0x20);
    buf[n - 1] = 0xff;                          /* control bits that do not exist */
    assert_false(acpi_pm_ops.restore(&pm, buf, n));
    assert_false(acpi_pm_ops.restore(&pm, buf, n - 1));
    fake_hostile(&acpi_pm_ops, &pm, BASE, 12, 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(pm_timer, setup),
        cmocka_unit_test_setup(pm_control, setup),
        cmocka_unit_test_setup(pm_hostile, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
