/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the ring-0 printf (hypervisor/printf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "printf.h"

/* Malformed formats and NULL strings are exercised on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"

static char buf[128];

#define EXPECT(expected, ...)                                                         \
    do {                                                                              \
        int n_ = ksnprintf(buf, sizeof(buf), __VA_ARGS__);                            \
        assert_string_equal(buf, expected);                                           \
        assert_int_equal(n_, (int)strlen(expected));                                  \
    } while (0)

static void prt0001_integers(void **state)
{
    (void)state;
    EXPECT("0 -1 42 4294967295", "%d %i %u %u", 0, -1, 42u, 4294967295u);
    EXPECT("-9223372036854775808", "%ld", (long)INT64_MIN);
    EXPECT("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
    EXPECT("ffffffffffffffff FF", "%llx %X", (unsigned long long)UINT64_MAX, 255u);
    EXPECT("-1 255", "%hhd %hhu", -1, 255);
    EXPECT("65535 123", "%hu %zu", 65535, (size_t)123);
}

static void prt0002_width_and_padding(void **state)
{
    (void)state;
    EXPECT("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
    EXPECT("-0042", "%05d", -42);
    EXPECT("  -42", "%5d", -42);
    EXPECT("0000beef", "%08x", 0xbeefu);
    EXPECT("ab   |  cd", "%-5s|%4s", "ab", "cd");
    EXPECT("toolong", "%3s", "toolong");
}

static void prt0003_strings_chars_pointers(void **state)
{
    (void)state;
    EXPECT("x(null)y", "x%sy", (char *)NULL);
    EXPECT("[a]", "[%c]", 'a');
    EXPECT("0x00000000deadbeef", "%p", (void *)0xdeadbeefull);
    EXPECT("100%", "100%%");
}

static void prt0004_truncation_keeps_terminator(void **state)
{
    (void)state;
    char small[6];
    memset(small, 'X', sizeof(small));
    int n = ksnprintf(small, sizeof(small), "%s-%d", "hello", 12345);
    assert_int_equal(n, 11);
    assert_string_equal(small, "hello");
    assert_int_equal(ksnprintf(NULL, 0, "%d", 123), 3);
    n = ksnprintf(small, 1, "abc");
    assert_int_equal(small[0], '\0');
    assert_int_equal(n, 3);
}

static void prt0005_malformed_format(void **state)
{
    (void)state;
    EXPECT("abc", "abc%");
    EXPECT("?q", "?%q");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prt0001_integers),
        cmocka_unit_test(prt0002_width_and_padding),
        cmocka_unit_test(prt0003_strings_chars_pointers),
        cmocka_unit_test(prt0004_truncation_keeps_terminator),
        cmocka_unit_test(prt0005_malformed_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
