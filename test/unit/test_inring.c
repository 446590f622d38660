/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the VMM's console input ring (vmm/inring.c): order, wrap-around,
   a full ring, the producer's wake-up when room frees, the lost-bytes flag. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "inring.h"

static struct inring ring;

static int setup(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof(ring));
    return 0;
}

/* INRING0001: bytes come out in order across many wrap-arounds, in odd-sized pieces. */
static void inring_order(void **state)
{
    (void)state;
    uint8_t in[37], out[64];
    unsigned next_in = 0, next_out = 0;
    bool wake;
    for (unsigned round = 0; round < 200; round++) {
        size_t n = sizeof(in) < inring_room(&ring) ? sizeof(in) : inring_room(&ring);
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)next_in++;
        inring_put(&ring, in, n);
        size_t got = inring_take(&ring, out, 1 + round % 50, &wake);
        assert_false(wake);
        for (size_t i = 0; i < got; i++)
            assert_int_equal(out[i], (uint8_t)next_out++);
    }
    while (inring_take(&ring, out, sizeof(out), &wake))
        ;
    assert_int_equal(inring_room(&ring), INRING_SIZE);
}

/* INRING0002: a full ring takes nothing more (a put beyond the room is cut short); the
   consumer's first take after the producer asked for room says to wake it, once. */
static void inring_full(void **state)
{
    (void)state;
    uint8_t buf[INRING_SIZE + 10];
    bool wake = true;
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(inring_take(&ring, buf, 4, &wake), 0);
    assert_false(wake);
    inring_put(&ring, buf, sizeof(buf));
    assert_int_equal(inring_room(&ring), 0);
    buf[0] = 'y';
    inring_put(&ring, buf, 1);
    atomic_store(&ring.want_room, true);
    assert_int_equal(inring_take(&ring, buf, 3, &wake), 3);
    assert_true(wake);
    assert_int_equal(inring_take(&ring, buf, 3, &wake), 3);
    assert_false(wake);
    assert_int_equal(inring_room(&ring), 6);
    size_t n = 0, got;
    while ((got = inring_take(&ring, buf, sizeof(buf), &wake)))
        n += got;
    assert_int_equal(n, INRING_SIZE - 6);
    assert_null(memchr(buf, 'y', n));
}

/* INRING0003: lost bytes show as one flag, cleared by the look. */
static void inring_lost_flag(void **state)
{
    (void)state;
    assert_false(inring_take_lost(&ring));
    inring_lost(&ring, 5);
    inring_lost(&ring, 7);
    assert_true(inring_take_lost(&ring));
    assert_false(inring_take_lost(&ring));
}

/* INRING0004: free-running counters that wrap around change nothing. */
static void inring_counter_wrap(void **state)
{
    (void)state;
    atomic_store(&ring.head, UINT_FAST32_MAX - 2);
    atomic_store(&ring.tail, UINT_FAST32_MAX - 2);
    uint8_t buf[8] = "abcdefg", out[8] = { 0 };
    bool wake;
    inring_put(&ring, buf, 7);
    assert_int_equal(inring_room(&ring), INRING_SIZE - 7);
    assert_int_equal(inring_take(&ring, out, sizeof(out), &wake), 7);
    assert_memory_equal(out, "abcdefg", 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(inring_order, setup),
        cmocka_unit_test_setup(inring_full, setup),
        cmocka_unit_test_setup(inring_lost_flag, setup),
        cmocka_unit_test_setup(inring_counter_wrap, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
