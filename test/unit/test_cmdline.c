/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the hypervisor command-line parser (hypervisor/cmdline.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "cmdline.h"
#include "printf.h"

static const struct boot_options defaults = { .serial_port = 0x3f8, .log_level = LOG_INFO };

static const char *parse(const char *line, struct boot_options *opt)
{
    static char err[160];
    *opt = defaults;
    return cmdline_parse(line, opt, err, sizeof(err));
}

static void cmd0001_empty_keeps_defaults(void **state)
{
    (void)state;
    struct boot_options o;
    assert_null(parse("", &o));
    assert_int_equal(o.serial_port, 0x3f8);
    assert_null(parse("    ", &o));
    assert_int_equal(o.log_level, LOG_INFO);
}

static void cmd0002_serial_names_and_ports(void **state)
{
    (void)state;
    struct boot_options o;
    assert_null(parse("serial=com2", &o));
    assert_int_equal(o.serial_port, 0x2f8);
    assert_null(parse("serial=com4", &o));
    assert_int_equal(o.serial_port, 0x2e8);
    assert_null(parse("serial=0x3e8", &o));
    assert_int_equal(o.serial_port, 0x3e8);
    assert_null(parse("serial=760", &o));
    assert_int_equal(o.serial_port, 760);
    assert_null(parse("serial=none", &o));
    assert_int_equal(o.serial_port, 0);
}

static void cmd0003_loglevel_and_spacing(void **state)
{
    (void)state;
    struct boot_options o;
    assert_null(parse("  loglevel=3   serial=com1 ", &o));
    assert_int_equal(o.log_level, 3);
    assert_int_equal(o.serial_port, 0x3f8);
    assert_null(parse("loglevel=0", &o));
    assert_int_equal(o.log_level, 0);
}

static void cmd0004_bad_values_named(void **state)
{
    (void)state;
    struct boot_options o;
    const char *bad[] = { "serial=com9", "serial=", "serial", "serial=0x", "serial=0",
                          "serial=0x10000", "serial=0xfffffffffffffffff", "serial=12a",
                          "loglevel=4", "loglevel=-1", "loglevel=" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *e = parse(bad[i], &o);
        assert_non_null(e);
        assert_non_null(strstr(e, bad[i]));
        assert_non_null(strstr(e, "expects"));
    }
}

static void cmd0005_unknown_and_prefix_options(void **state)
{
    (void)state;
    struct boot_options o;
    const char *e = parse("serial=com1 frobnicate=7", &o);
    assert_non_null(e);
    assert_non_null(strstr(e, "unknown command-line option 'frobnicate=7'"));
    assert_non_null(parse("serialx=com1", &o));
    assert_non_null(parse("seria=com1", &o));
    assert_non_null(parse("=com1", &o));
}

static void cmd0006_error_leaves_options_unchanged(void **state)
{
    (void)state;
    struct boot_options o = defaults;
    char err[64];
    assert_non_null(cmdline_parse("serial=com2 loglevel=9", &o, err, sizeof(err)));
    assert_int_equal(o.serial_port, 0x3f8);
    assert_int_equal(o.log_level, LOG_INFO);
}

static void cmd0008_crash_option(void **state)
{
    (void)state;
    struct boot_options o;
    assert_null(parse("crash=ud", &o));
    assert_int_equal(o.crash, CRASH_UD);
    assert_null(parse("crash=pf", &o));
    assert_int_equal(o.crash, CRASH_PF);
    assert_non_null(parse("crash=yes", &o));
    assert_non_null(parse("crash", &o));
}

static void cmd0007_overlong_token(void **state)
{
    (void)state;
    struct boot_options o;
    char line[300];
    memset(line, 'a', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    const char *e = parse(line, &o);
    assert_non_null(e);
    assert_non_null(strstr(e, "too long"));
    char tiny[8];
    o = defaults;
    assert_non_null(cmdline_parse("bogus", &o, tiny, sizeof(tiny)));
    assert_int_equal(strlen(tiny), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cmd0001_empty_keeps_defaults),
        cmocka_unit_test(cmd0002_serial_names_and_ports),
        cmocka_unit_test(cmd0003_loglevel_and_spacing),
        cmocka_unit_test(cmd0004_bad_values_named),
        cmocka_unit_test(cmd0005_unknown_and_prefix_options),
        cmocka_unit_test(cmd0006_error_leaves_options_unchanged),
        cmocka_unit_test(cmd0007_overlong_token),
        cmocka_unit_test(cmd0008_crash_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
