/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the PIIX reset control register (vmm/dev/piix_rcr.c): Linux's
   "reboot=pci" sequence, the 0-to-1 edge of bit 2, saved state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
#include "piix_rcr.h"

#define RCR 0xcf9
#define T0 1000000000ull

static struct piix_rcr rcr;
static unsigned resets;
static const char *reset_source;

static void count_reset(void *ctx, const char *source)
{
    (void)ctx;
    resets++;
    reset_source = source;
}

static void out(uint8_t v) { assert_true(piix_rcr_ops.write(&rcr, RCR, 1, v)); }

static uint8_t in(void)
{
    uint32_t v = 0xdead;
    assert_true(piix_rcr_ops.read(&rcr, RCR, 1, &v));
    return (uint8_t)v;
}

static int setup(void **state)
{
    (void)state;
    fake_reset(T0);
    fake.plat.reset = count_reset;
    resets = 0;
    reset_source = NULL;
    piix_rcr_init(&rcr, &fake.plat);
    piix_rcr_ops.reset(&rcr);
    return 0;
}

/* RCR0001: Linux's BOOT_CF9: read, write SYS_RST (bit 1) alone, then with RCPU (bit 2):
   one hard reset, on the edge. */
static void rcr_linux_reboot(void **state)
{
    (void)state;
    uint8_t v = in();
    assert_int_equal(v, 0);
    out((uint8_t)(v | 0x02));
    assert_int_equal(resets, 0);
    assert_int_equal(in(), 0x02);
    out((uint8_t)(v | 0x06));
    assert_int_equal(resets, 1);
    assert_non_null(strstr(reset_source, "hard"));
    out(0x06);                          /* no new edge */
    assert_int_equal(resets, 1);
    out(0x00);
    out(0x04);
    assert_int_equal(resets, 2);
    assert_non_null(strstr(reset_source, "soft"));
    out(0x00);
    out(0x0e);
    assert_int_equal(resets, 3);
    assert_non_null(strstr(reset_source, "full"));
}

/* RCR0002: reserved bits read 0; only byte accesses are decoded; no listener, no crash. */
static void rcr_bits_widths(void **state)
{
    (void)state;
    uint32_t v;
    out(0xf1);
    assert_int_equal(in(), 0x00);
    assert_false(piix_rcr_ops.read(&rcr, RCR, 2, &v));
    assert_false(piix_rcr_ops.write(&rcr, RCR, 4, 0x06));
    assert_int_equal(resets, 0);
    fake.plat.reset = NULL;
    out(0x06);
    assert_int_equal(in(), 0x06);
}

/* RCR0003: save and restore; short, foreign and impossible buffers change nothing. */
static void rcr_save_restore(void **state)
{
    (void)state;
    uint8_t buf[32];
    out(0x02);
    size_t n = piix_rcr_ops.save(&rcr, buf, sizeof(buf));
    assert_true(n > sizeof(struct dev_save_header));
    piix_rcr_ops.reset(&rcr);
    assert_true(piix_rcr_ops.restore(&rcr, buf, n));
    assert_int_equal(in(), 0x02);
    for (size_t len = 0; len < n; len++)
        assert_false(piix_rcr_ops.restore(&rcr, buf, len));
    size_t h = sizeof(struct dev_save_header);
    uint8_t copy[32];
    memcpy(copy, buf, n);
    copy[h] = 0x80;                     /* a bit the register does not have */
    assert_false(piix_rcr_ops.restore(&rcr, copy, n));
    memcpy(copy, buf, n);
    copy[n - 1] = 1;                    /* reserved */
    assert_false(piix_rcr_ops.restore(&rcr, copy, n));
    memcpy(copy, buf, n);
    copy[0] ^= 1;                       /* magic */
    assert_false(piix_rcr_ops.restore(&rcr, copy, n));
    assert_int_equal(in(), 0x02);
}

/* RCR0004: garbage of every width. */
static void rcr_hostile(void **state)
{
    (void)state;
    fake_hostile(&piix_rcr_ops, &rcr, RCR - 1, 3, 500);
    assert_int_equal(in() & ~0x0e, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(rcr_linux_reboot, setup),
        cmocka_unit_test_setup(rcr_bits_widths, setup),
        cmocka_unit_test_setup(rcr_save_restore, setup),
        cmocka_unit_test_setup(rcr_hostile, setup),
    };
    return cmocka_run_group_tests_name("piix_rcr", tests, NULL, NULL);
}
