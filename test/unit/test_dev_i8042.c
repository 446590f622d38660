/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the 8042 keyboard controller (vmm/dev/i8042.c): Linux's probe of
   the controller and its AUX port, IRQ 1 and 12, the reset line, saved state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
#include "i8042.h"

#define DATA 0x60
#define CMD 0x64
#define ST_OBF 0x01
#define ST_SYS 0x04
#define ST_CMD 0x08
#define ST_AUX 0x20
#define CTR_KBD_INT 0x01
#define CTR_AUX_INT 0x02
#define CTR_AUX_OFF 0x20
#define T0 1000000000ull

static struct i8042 kbc;
static unsigned resets;
static const char *reset_source;

static void count_reset(void *ctx, const char *source)
{
    (void)ctx;
    resets++;
    reset_source = source;
}

static void out(uint16_t port, uint8_t v) { assert_true(i8042_ops.write(&kbc, port, 1, v)); }

static uint8_t in(uint16_t port)
{
    uint32_t v = 0xdead;
    assert_true(i8042_ops.read(&kbc, port, 1, &v));
    assert_true(v <= 0xff);
    return (uint8_t)v;
}

/* A controller command with a reply: the reply must be waiting in the output buffer. */
static uint8_t ask(uint8_t cmd)
{
    out(CMD, cmd);
    assert_true(in(CMD) & ST_OBF);
    return in(DATA);
}

static int setup(void **state)
{
    (void)state;
    fake_reset(T0);
    fake.plat.reset = count_reset;
    resets = 0;
    reset_source = NULL;
    i8042_init(&kbc, &fake.plat);
    i8042_ops.reset(&kbc);
    return 0;
}

/* KBC0001: Linux's i8042 probe: flush, self-test 0x55, read and write the command byte,
   interface test; the status has SYS and the command/data bit. */
static void kbc_linux_probe(void **state)
{
    (void)state;
    uint8_t st = in(CMD);
    assert_int_equal(st & ST_OBF, 0);   /* i8042_flush finds nothing */
    assert_true(st & ST_SYS);
    assert_int_equal(st & 0xc0, 0);     /* no timeout or parity error */
    assert_int_equal(ask(0xaa), 0x55);
    assert_true(in(CMD) & ST_CMD);
    uint8_t ctr = ask(0x20);
    assert_int_equal(ctr, 0x65);
    out(CMD, 0x60);
    out(DATA, (uint8_t)(ctr & ~CTR_KBD_INT));
    assert_int_equal(in(CMD) & ST_CMD, 0);
    assert_int_equal(ask(0x20), ctr & ~CTR_KBD_INT);
    assert_int_equal(ask(0xab), 0x00);
    assert_int_equal(ask(0x21), 0x00);  /* RAM bytes beyond the command byte */
    assert_int_equal(resets, 0);
}

/* KBC0002: the AUX checks of Linux's i8042_check_aux: disable/enable show in the command
   byte, the loopback returns the byte as AUX data (status bit 5), the AUX test passes. */
static void kbc_aux(void **state)
{
    (void)state;
    out(CMD, 0xa7);
    assert_true(ask(0x20) & CTR_AUX_OFF);
    out(CMD, 0xa8);
    assert_false(ask(0x20) & CTR_AUX_OFF);
    out(CMD, 0xd3);
    out(DATA, 0x5a);
    assert_int_equal(in(CMD) & (ST_OBF | ST_AUX), ST_OBF | ST_AUX);
    assert_int_equal(in(DATA), 0x5a);
    assert_int_equal(in(CMD) & (ST_OBF | ST_AUX), 0);
    assert_int_equal(ask(0xa9), 0x00);
    out(CMD, 0xd4);                     /* to the mouse, which is not there */
    out(DATA, 0xf2);
    assert_int_equal(in(CMD) & ST_OBF, 0);
    out(DATA, 0xf2);                    /* to the keyboard, likewise */
    assert_int_equal(in(CMD) & ST_OBF, 0);
}

/* KBC0003: OBF drives IRQ 1 (keyboard side) or IRQ 12 (AUX side) while the command byte
   enables it; reading the data lowers it. */
static void kbc_irqs(void **state)
{
    (void)state;
    out(CMD, 0x60);
    out(DATA, CTR_KBD_INT | CTR_AUX_INT);
    out(CMD, 0xd2);
    out(DATA, 0x11);
    assert_true(fake.level[I8042_KBD_IRQ]);
    assert_false(fake.level[I8042_AUX_IRQ]);
    assert_int_equal(in(DATA), 0x11);
    assert_false(fake.level[I8042_KBD_IRQ]);
    out(CMD, 0xd3);
    out(DATA, 0xa5);
    assert_false(fake.level[I8042_KBD_IRQ]);
    assert_true(fake.level[I8042_AUX_IRQ]);
    out(CMD, 0x60);                     /* masked: the line drops, the byte stays */
    out(DATA, 0);
    assert_false(fake.level[I8042_AUX_IRQ]);
    assert_int_equal(in(DATA), 0xa5);
    assert_int_equal(in(DATA), 0xa5);   /* an empty buffer reads its last byte */
}

/* KBC0004: the reset line: Linux's "reboot" (0xfe after waiting for an empty input
   buffer), any pulse command with bit 0 clear, and output port bit 0 cleared by 0xd1;
   pulses of other bits and an output port with bit 0 set do not reset. */
static void kbc_reset_line(void **state)
{
    (void)state;
    assert_int_equal(in(CMD) & 0x02, 0);
    out(CMD, 0xfe);
    assert_int_equal(resets, 1);
    assert_non_null(strstr(reset_source, "0xfe"));
    out(CMD, 0xff);
    out(CMD, 0xf1);
    assert_int_equal(resets, 1);
    out(CMD, 0xf0);
    assert_int_equal(resets, 2);
    out(CMD, 0xd1);
    out(DATA, 0x03);
    assert_int_equal(resets, 2);
    assert_int_equal(ask(0xd0), 0x03);
    out(CMD, 0xd1);
    out(DATA, 0x02);
    assert_int_equal(resets, 3);
    assert_non_null(strstr(reset_source, "0xd1"));
    fake.plat.reset = NULL;             /* no one listening: nothing happens */
    out(CMD, 0xfe);
    assert_int_equal(resets, 3);
}

/* KBC0005: only byte accesses are decoded. */
static void kbc_widths(void **state)
{
    (void)state;
    uint32_t v;
    assert_false(i8042_ops.read(&kbc, DATA, 2, &v));
    assert_false(i8042_ops.read(&kbc, CMD, 4, &v));
    assert_false(i8042_ops.write(&kbc, CMD, 2, 0xfe));
    assert_int_equal(resets, 0);
}

/* KBC0006: save and restore round trip with a pending command and AUX data; short,
   foreign and impossible buffers change nothing. */
static void kbc_save_restore(void **state)
{
    (void)state;
    uint8_t buf[64];
    out(CMD, 0xd3);
    out(DATA, 0x77);
    out(CMD, 0x60);                     /* pending: waits for its data byte */
    size_t n = i8042_ops.save(&kbc, buf, sizeof(buf));
    assert_true(n > sizeof(struct dev_save_header));
    assert_int_equal(i8042_ops.save(&kbc, buf, n - 1), 0);
    i8042_ops.reset(&kbc);
    assert_true(i8042_ops.restore(&kbc, buf, n));
    out(DATA, 0x47);
    assert_int_equal(in(CMD) & (ST_OBF | ST_AUX), ST_OBF | ST_AUX);
    assert_int_equal(in(DATA), 0x77);
    assert_int_equal(ask(0x20), 0x47);
    for (size_t len = 0; len < n; len++)
        assert_false(i8042_ops.restore(&kbc, buf, len));
    size_t h = sizeof(struct dev_save_header);
    const size_t pending = h + offsetof(struct i8042_state, pending);
    const size_t obf = h + offsetof(struct i8042_state, obf);
    const size_t aux = h + offsetof(struct i8042_state, aux);
    struct { size_t at; uint8_t v; } bad[] = {
        { 0, 0x00 },                    /* magic */
        { pending, 0xaa },              /* a command that takes no data */
        { obf, 2 },
        { obf, 0 },                     /* AUX data in an empty buffer */
        { aux, 7 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t copy[64];
        memcpy(copy, buf, n);
        copy[bad[i].at] = bad[i].v;
        assert_false(i8042_ops.restore(&kbc, copy, n));
    }
    assert_int_equal(ask(0x20), 0x47);  /* untouched */
}

/* KBC0007: garbage at both ports and every width: no crash, resets only through the
   callback. */
static void kbc_hostile(void **state)
{
    (void)state;
    fake_hostile(&i8042_ops, &kbc, DATA, 1, 500);
    fake_hostile(&i8042_ops, &kbc, CMD, 1, 500);
    fake_hostile(&i8042_ops, &kbc, DATA, 5, 200);
    uint8_t st = in(CMD);
    assert_int_equal(st & 0xc2, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(kbc_linux_probe, setup),
        cmocka_unit_test_setup(kbc_aux, setup),
        cmocka_unit_test_setup(kbc_irqs, setup),
        cmocka_unit_test_setup(kbc_reset_line, setup),
        cmocka_unit_test_setup(kbc_widths, setup),
        cmocka_unit_test_setup(kbc_save_restore, setup),
        cmocka_unit_test_setup(kbc_hostile, setup),
    };
    return cmocka_run_group_tests_name("i8042", tests, NULL, NULL);
}
