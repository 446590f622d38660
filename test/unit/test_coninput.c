/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the console server's shared input (servers/console/input.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "input.h"

#define ESC "\x1d"
#define MAX_SAID 16

static struct input in;
static unsigned wakes[INPUT_CLIENTS];
static char said[MAX_SAID][INPUT_LINE];
static unsigned said_count;

static void on_wake(void *ctx, unsigned client)
{
    assert_ptr_equal(ctx, &in);
    assert_true(client < INPUT_CLIENTS);
    wakes[client]++;
}

static void on_say(void *ctx, const char *line)
{
    assert_ptr_equal(ctx, &in);
    assert_true(strlen(line) < INPUT_LINE);
    assert_null(strchr(line, '\n'));
    if (said_count < MAX_SAID)
        strcpy(said[said_count], line);
    said_count++;
}

static int setup(void **state)
{
    (void)state;
    struct input_ops ops = { on_wake, on_say, &in };
    input_init(&in, &ops);
    memset(wakes, 0, sizeof(wakes));
    said_count = 0;
    return 0;
}

static void type(const char *text)
{
    input_take(&in, (const uint8_t *)text, strlen(text));
}

/* Reads everything client c has (at most 4 KiB) as a string. */
static const char *read_all(unsigned c, uint64_t *dropped)
{
    static char buf[4096 + 1];
    uint64_t left = 0, lost = 0;
    size_t n = input_read(&in, c, (uint8_t *)buf, sizeof(buf) - 1, &lost, &left);
    buf[n] = '\0';
    assert_int_equal(left, 0);
    if (dropped)
        *dropped = lost;
    return buf;
}

static void attach(unsigned c, const char *name)
{
    assert_true(input_attach(&in, c, name, strlen(name)));
}

static void test_first_client_gets_focus(void **state)
{
    (void)state;
    type("lost");                       /* nobody takes input yet: gone, nobody woken */
    for (unsigned c = 0; c < INPUT_CLIENTS; c++)
        assert_int_equal(wakes[c], 0);
    attach(INPUT_ROOT, "root");
    assert_int_equal(in.focus, INPUT_ROOT);
    assert_int_equal(said_count, 1);
    assert_string_equal(said[0], "console: input goes to 0 'root' (Ctrl-] then n or a digit "
                        "moves it)");
    type("hello\r");
    assert_int_equal(wakes[0], 1);      /* once per batch, not per byte */
    assert_string_equal(read_all(0, NULL), "hello\r");
}

static void test_vmm_takes_focus_from_root(void **state)
{
    (void)state;
    attach(INPUT_ROOT, "root");
    attach(3, "vmm");
    assert_int_equal(in.focus, 3);
    assert_int_equal(said_count, 2);
    assert_string_equal(said[1], "console: input goes to 3 'vmm' (Ctrl-] then n or a digit "
                        "moves it)");
    attach(5, "vmm2");                  /* the first VMM keeps it */
    attach(INPUT_ROOT, "root");         /* attaching again: no change, no notice */
    assert_int_equal(in.focus, 3);
    assert_int_equal(said_count, 2);
    type("ls\r");
    assert_string_equal(read_all(3, NULL), "ls\r");
    assert_string_equal(read_all(0, NULL), "");
    assert_int_equal(wakes[0], 0);
    assert_int_equal(wakes[5], 0);
}

static void test_escape_moves_focus(void **state)
{
    (void)state;
    attach(INPUT_ROOT, "root");
    attach(2, "vmm");
    type("a" ESC "n" "b" ESC "2" "c" ESC "0" "d");
    assert_string_equal(read_all(2, NULL), "ac");
    assert_string_equal(read_all(0, NULL), "bd");
    assert_int_equal(wakes[0], 1);      /* each client once for the batch */
    assert_int_equal(wakes[2], 1);
    assert_int_equal(said_count, 5);    /* two attaches, three moves */
    assert_string_equal(said[2], "console: input goes to 0 'root' (Ctrl-] then n or a digit "
                        "moves it)");
    assert_string_equal(said[3], "console: input goes to 2 'vmm' (Ctrl-] then n or a digit "
                        "moves it)");
    /* The user's choice sticks: a VMM attaching later does not take the focus. */
    attach(4, "late");
    assert_int_equal(in.focus, INPUT_ROOT);
    assert_int_equal(said_count, 5);
}

static void test_escape_split_across_batches(void **state)
{
    (void)state;
    attach(INPUT_ROOT, "root");
    attach(1, "vmm");
    type("x" ESC);
    assert_int_equal(in.focus, 1);
    type("0y");
    assert_int_equal(in.focus, INPUT_ROOT);
    assert_string_equal(read_all(1, NULL), "x");
    assert_string_equal(read_all(0, NULL), "y");
}

static void test_escape_twice_types_it(void **state)
{
    (void)state;
    attach(1, "vmm");
    type(ESC ESC "z");
    assert_string_equal(read_all(1, NULL), ESC "z");
    assert_int_equal(said_count, 1);
}

static void test_unknown_command_lists_clients(void **state)
{
    (void)state;
    type(ESC "?");                      /* nobody attached: still a help line */
    assert_int_equal(said_count, 1);
    assert_non_null(strstr(said[0], "input clients: none"));
    attach(INPUT_ROOT, "root");
    attach(7, "vmm");
    type(ESC "9" ESC "x" ESC "n");      /* 9: nobody there; x: no command; n: next */
    assert_int_equal(said_count, 6);
    assert_non_null(strstr(said[3], "Ctrl-] then n: next client"));
    assert_non_null(strstr(said[3], "input clients: 0 'root' 7 'vmm'"));
    assert_non_null(strstr(said[4], "input clients: 0 'root' 7 'vmm'"));
    assert_non_null(strstr(said[5], "input goes to 0 'root'"));     /* wraps around */
    assert_int_equal(in.focus, INPUT_ROOT);
    assert_string_equal(read_all(7, NULL), "");
    assert_string_equal(read_all(0, NULL), "");
}

static void test_next_with_one_client(void **state)
{
    (void)state;
    attach(6, "only");
    type(ESC "n" "k");
    assert_int_equal(in.focus, 6);
    assert_int_equal(said_count, 2);
    assert_string_equal(read_all(6, NULL), "k");
}

/* A full ring drops what does not fit, counts it for the client's next read and tells
   the user once, when the focus moves away or the client reads. */
static void test_overflow_drops_and_counts(void **state)
{
    (void)state;
    static char flood[INPUT_RING + 300 + 1];
    attach(INPUT_ROOT, "root");
    attach(1, "vmm");
    memset(flood, 'f', sizeof(flood) - 1);
    type(flood);
    assert_int_equal(in.client[1].tail - in.client[1].head, INPUT_RING);
    assert_int_equal(said_count, 2);
    type(ESC "0" "ok");
    assert_int_equal(said_count, 4);
    assert_string_equal(said[2], "console: 300 byte(s) of input for 1 'vmm' dropped: its "
                        "buffer was full");
    assert_string_equal(read_all(0, NULL), "ok");
    uint64_t dropped = 0;
    const char *got = read_all(1, &dropped);
    assert_int_equal(strlen(got), INPUT_RING);
    assert_int_equal(dropped, 300);
    assert_int_equal(said_count, 4);    /* already said at the move */
    read_all(1, &dropped);
    assert_int_equal(dropped, 0);       /* reported once */
    /* Dropped while it has the focus, then read: said at the read. */
    type(ESC "1");
    type(flood);
    type(flood);
    read_all(1, &dropped);
    assert_int_equal(dropped, 300 + sizeof(flood) - 1);
    assert_int_equal(said_count, 6);
    assert_string_equal(said[5], "console: 1624 byte(s) of input for 1 'vmm' dropped: its "
                        "buffer was full");
}

/* Partial reads and the ring's wrap-around keep the order of the bytes. */
static void test_partial_reads_wrap(void **state)
{
    (void)state;
    attach(2, "vmm");
    uint8_t want = 0, got[7];
    uint8_t next = 0;
    for (unsigned round = 0; round < 1000; round++) {
        uint8_t chunk[5];
        for (unsigned i = 0; i < sizeof(chunk); i++, next++)
            chunk[i] = next == INPUT_ESCAPE ? (uint8_t)(next = INPUT_ESCAPE + 1) : next;
        input_take(&in, chunk, sizeof(chunk));
        uint64_t dropped = 1, left = 0;
        size_t n = input_read(&in, 2, got, round % 3 ? sizeof(got) : 3, &dropped, &left);
        assert_int_equal(dropped, 0);
        for (size_t i = 0; i < n; i++, want++) {
            if (want == INPUT_ESCAPE)
                want++;
            assert_int_equal(got[i], want);
        }
    }
    assert_int_equal(said_count, 1);
}

static void test_hostile_ids_and_names(void **state)
{
    (void)state;
    uint8_t buf[4];
    uint64_t dropped = 7, left = 7;
    assert_false(input_attach(&in, INPUT_CLIENTS, "x", 1));
    assert_false(input_attach(&in, UINT32_MAX, "x", 1));
    assert_int_equal(input_read(&in, INPUT_CLIENTS, buf, sizeof(buf), &dropped, &left), 0);
    assert_int_equal(dropped, 0);
    assert_int_equal(left, 0);
    assert_int_equal(in.focus, INPUT_NOBODY);
    assert_true(input_attach(&in, 1, "a\nb'c\x7f" "defghijklmnopqrstuvwxyz", 26));
    assert_string_equal(in.client[1].name, "a?b?c?defghijkl");
    assert_true(input_attach(&in, 2, "", 0));
    assert_string_equal(in.client[2].name, "client");
    assert_true(input_attach(&in, 3, "vm\0hidden", 9));
    assert_string_equal(in.client[3].name, "vm");
    assert_int_equal(input_read(&in, 1, buf, 0, &dropped, &left), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_first_client_gets_focus, setup),
        cmocka_unit_test_setup(test_vmm_takes_focus_from_root, setup),
        cmocka_unit_test_setup(test_escape_moves_focus, setup),
        cmocka_unit_test_setup(test_escape_split_across_batches, setup),
        cmocka_unit_test_setup(test_escape_twice_types_it, setup),
        cmocka_unit_test_setup(test_unknown_command_lists_clients, setup),
        cmocka_unit_test_setup(test_next_with_one_client, setup),
        cmocka_unit_test_setup(test_overflow_drops_and_counts, setup),
        cmocka_unit_test_setup(test_partial_reads_wrap, setup),
        cmocka_unit_test_setup(test_hostile_ids_and_names, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
