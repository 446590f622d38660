/* SPDX-License-Identifier: MIT */
/* Vireo test program: a console client that takes input beside the root's echo, as a VMM's
   UART will. A thread of its own waits for input and prints each typed line; after the
   line "hold" it reads no more, so that its buffer at the console fills up. */
#include <vireo/sel.h>
#include "console.h"
#include "hc.h"
#include "layout.h"
#include "thread.h"
#include "vireo.h"

#define SEL_THREAD (VIREO_SEL_FIRST_FREE + 0)
#define SEL_THREAD_SC (VIREO_SEL_FIRST_FREE + 1)
#define SEL_IDLE (VIREO_SEL_FIRST_FREE + 2)     /* a semaphore nobody ups */
#define THREAD_UTCB (SERVER_UTCB - 0x1000)
#define THREAD_QPD VIREO_QPD(VIREO_PRIO_MAX / 2, 10000)
#define STACK_WORDS 1024
#define LINE 120

static uint64_t stack[STACK_WORDS] __attribute__((aligned(16)));

static void print(struct vireo_utcb *u, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void print(struct vireo_utcb *u, const char *fmt, ...)
{
    char text[LINE + 40];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    console_write(u, SERVER_SEL_CONSOLE, text, (size_t)MIN(n, (int)sizeof(text) - 1));
}

/* One typed line; false once it says to hold. */
static bool take_line(struct vireo_utcb *u, const char *line)
{
    if (strcmp(line, "hold")) {
        print(u, "reader: you typed '%s'\n", line);
        return true;
    }
    print(u, "reader: holding: reading no more input\n");
    return false;
}

static NORETURN void reader(struct vireo_utcb *u)
{
    char in[LINE], line[LINE];
    unsigned len = 0;
    for (bool reading = true; reading;) {
        console_wait(SERVER_SEL_INPUT, 0);
        struct console_input got = { 0, 0, 1 };
        while (reading && got.left &&
               !console_read(u, SERVER_SEL_CONSOLE, in, sizeof(in), &got)) {
            if (got.dropped)
                print(u, "reader: %lu byte(s) of input lost\n", got.dropped);
            for (size_t i = 0; i < got.got && reading; i++) {
                if (in[i] != '\r' && in[i] != '\n') {
                    if (len < LINE - 1)
                        line[len++] = in[i] ? in[i] : '?';
                    continue;
                }
                line[len] = '\0';
                len = 0;
                reading = !*line || take_line(u, line);
            }
        }
    }
    for (;;)
        hc_sm_down(SEL_IDLE, 0);
}

/* The root's first call sets it up; any later call just returns. */
NORETURN void main(uint64_t id);
NORETURN void main(uint64_t id)
{
    static bool set_up;
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    (void)id;
    if (!set_up) {
        set_up = true;
        uint64_t st = console_attach(u, SERVER_SEL_CONSOLE, SERVER_SEL_INPUT, "reader");
        if (!st)
            st = hc_create_sm(SEL_IDLE, VIREO_SEL_SELF_PD, 0);
        if (!st)
            st = thread_create(SEL_THREAD, SEL_THREAD_SC, THREAD_UTCB, stack, sizeof(stack),
                               reader, THREAD_QPD, 0);
        if (st)
            print(u, "reader: cannot take input: status %lu\n", st);
    }
    u->head.untyped = 0;
    u->head.typed = 0;
    hc_reply();
    __builtin_unreachable();
}
