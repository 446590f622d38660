/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the root server's VMM line parser (servers/root/vmmcfg.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vmmcfg.h"

static struct vmm_config cfg;
static struct vmm_config_error err;

static void expect_ok(const char *line)
{
    if (!vmm_config_parse(line, &cfg, &err))
        fail_msg("'%s': %s at '%s'", line, err.what, err.at);
}

/* The error and the place it names, as an offset into the line. */
static void expect_error(const char *line, const char *what, size_t at)
{
    if (vmm_config_parse(line, &cfg, &err))
        fail_msg("'%s' was accepted", line);
    if (!strstr(err.what, what))
        fail_msg("'%s': '%s', want '%s'", line, err.what, what);
    assert_ptr_equal(err.at, line + at);
}

static void test_multiboot_line(void **state)
{
    (void)state;
    expect_ok("vmm guest=guest-cpuid mem=16");
    assert_int_equal(cfg.mem_mib, 16);
    assert_int_equal(cfg.module_count, 1);
    assert_string_equal(cfg.modules[0].key, "guest");
    assert_string_equal(cfg.modules[0].name, "guest-cpuid");
    assert_false(cfg.has_cmdline);
    expect_ok("vmm guest=g");
    assert_int_equal(cfg.mem_mib, VMM_MEM_DEFAULT);
    expect_ok("vmm");
    assert_int_equal(cfg.module_count, 0);
}

static void test_linux_line(void **state)
{
    (void)state;
    expect_ok("vmm  kernel=linux\tinitrd=initramfs mem=128 cmdline=\"console=ttyS0 quiet\" ");
    assert_int_equal(cfg.mem_mib, 128);
    assert_int_equal(cfg.module_count, 2);
    assert_string_equal(cfg.modules[0].key, "kernel");
    assert_string_equal(cfg.modules[0].name, "linux");
    assert_string_equal(cfg.modules[1].key, "initrd");
    assert_string_equal(cfg.modules[1].name, "initramfs");
    assert_true(cfg.has_cmdline);
    assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
    /* Quotes hold blanks and '='; an empty value is allowed. */
    expect_ok("vmm cmdline=\"a=b  c,d\" kernel=\"linux\"");
    assert_string_equal(cfg.cmdline, "a=b  c,d");
    assert_string_equal(cfg.modules[0].name, "linux");
    /* What GRUB hands over for `cmdline="a b"` and for `'cmdline="a b"'` in grub.cfg. */
    expect_ok("vmm \"cmdline=console=ttyS0 quiet\" kernel=linux");
    assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
    expect_ok("vmm \"cmdline=\\\"a b\\\"\"");
    assert_string_equal(cfg.cmdline, "\"a b\"");
    /* A backslash takes the next character as it is, quoted or not. */
    expect_ok("vmm cmdline=a\\ b\\\\c\\\"d k=x\\y");
    assert_string_equal(cfg.cmdline, "a b\\c\"d");
    assert_string_equal(cfg.modules[0].name, "xy");
    expect_ok("vmm cmdline=x\"\"y\" z\"");
    assert_string_equal(cfg.cmdline, "xy z");
    expect_ok("vmm cmdline=\"\" kernel=k");
    assert_true(cfg.has_cmdline);
    assert_string_equal(cfg.cmdline, "");
    expect_ok("vmm cmdline=plain");
    assert_string_equal(cfg.cmdline, "plain");
    expect_ok("vmm a=1 b=2 c=3 d=4");
    assert_int_equal(cfg.module_count, 4);
}

static void test_mem(void **state)
{
    (void)state;
    expect_ok("vmm mem=2");
    expect_ok("vmm mem=2048");
    assert_int_equal(cfg.mem_mib, 2048);
    const char *bad[] = { "vmm mem=100", "vmm mem=0", "vmm mem=1", "vmm mem=4096",
                          "vmm mem=", "vmm mem=16M", "vmm mem=-16", "vmm mem=99999999999",
                          "vmm mem=0x10", "vmm mem=\"16 \"" };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i], "power of two", 4);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("vmm cmdline=\"console=ttyS0 quiet", "unterminated quote", 12);
    expect_error("vmm k=a \"cmdline=x\" \"y", "unterminated quote", 20);
    expect_error("vmm cmdline=x\\", "backslash", 13);
    expect_error("vmm \"kernel\"", "KEY=VALUE", 4);
    expect_error("vmm kernel", "KEY=VALUE", 4);
    expect_error("vmm kernel=k stray", "KEY=VALUE", 13);
    expect_error("vmm =linux", "KEY=VALUE", 4);
    expect_error("vmm kernel=", "empty", 4);
    expect_error("vmm kernel=a kernel=b", "twice", 13);
    expect_error("vmm a=1 b=2 c=3 d=4 e=5", "too many", 20);
    expect_error("vmm averyveryverylongkey=x", "key too long", 4);
    expect_error("vmm k=0123456789012345678901234567890123456789", "too long", 4);
    static char line[VMM_CMDLINE_MAX + 32];
    strcpy(line, "vmm cmdline=\"");
    memset(line + 13, 'x', VMM_CMDLINE_MAX);
    strcat(line, "\"");
    expect_error(line, "too long", 4);
    line[13 + VMM_CMDLINE_MAX - 1] = '"';           /* the longest that fits */
    line[13 + VMM_CMDLINE_MAX] = '\0';
    expect_ok(line);
    assert_int_equal(strlen(cfg.cmdline), VMM_CMDLINE_MAX - 1);
    memset(line + 13, '\\', VMM_CMDLINE_MAX - 2);    /* escaped backslashes: half as long */
    line[13 + VMM_CMDLINE_MAX - 2] = '"';
    line[13 + VMM_CMDLINE_MAX - 1] = '\0';
    expect_ok(line);
    assert_int_equal(strlen(cfg.cmdline), VMM_CMDLINE_MAX / 2 - 1);
}

/* Random lines from a small alphabet: any verdict, never a crash; accepted lines
 * give NUL-terminated fields within bounds. */
static void test_random_lines(void **state)
{
    (void)state;
    static const char alphabet[] = "vm =\"\tkeg1260x\\";
    char line[80];
    srand(777);
    unsigned accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = (size_t)(rand() % (int)(sizeof(line) - 1));
        for (size_t i = 0; i < n; i++)
            line[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
        line[n] = '\0';
        if (!vmm_config_parse(line, &cfg, &err)) {
            assert_non_null(err.what);
            assert_true(err.at >= line && err.at <= line + n);
            continue;
        }
        accepted++;
        assert_true(cfg.module_count <= VMM_MODULES_MAX);
        for (unsigned i = 0; i < cfg.module_count; i++) {
            assert_true(strlen(cfg.modules[i].key) > 0);
            assert_true(strlen(cfg.modules[i].name) > 0);
        }
        assert_true(cfg.mem_mib >= 2 && cfg.mem_mib <= VMM_MEM_MAX);
    }
    print_message("random lines: %u of 20000 accepted\n", accepted);
    assert_true(accepted > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multiboot_line),
        cmocka_unit_test(test_linux_line),
        cmocka_unit_test(test_mem),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_random_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
