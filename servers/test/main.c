/* SPDX-License-Identifier: MIT */
/* Vireo test server: runs every in-system test as the root server and sums up on COM1. */
#include <vireo/hip.h>
#include "test.h"

#define CPU_PROBE_MAX 64u
#define MSG_MAX 200
#define WHAT_MAX 72

struct vireo_utcb *my_utcb;
const struct vireo_hip *hip;
uint64_t tsc_per_ms;
unsigned cpu_count;

const char test_skipped[] = "skipped";
static char message[MSG_MAX];
static char skip_reason[MSG_MAX];
static unsigned passed, failed, skipped;

static const char *const status_names[VIREO_STATUS_COUNT] = {
    [VIREO_SUCCESS] = "SUCCESS", [VIREO_TIMEOUT] = "TIMEOUT", [VIREO_ABORTED] = "ABORTED",
    [VIREO_BAD_HYP] = "BAD_HYP", [VIREO_BAD_CAP] = "BAD_CAP", [VIREO_BAD_PAR] = "BAD_PAR",
    [VIREO_BAD_FTR] = "BAD_FTR", [VIREO_BAD_CPU] = "BAD_CPU", [VIREO_BAD_DEV] = "BAD_DEV",
    [VIREO_NO_MEM] = "NO_MEM",
};

const char *status_name(uint64_t status)
{
    static char unknown[32];
    if (status < VIREO_STATUS_COUNT)
        return status_names[status];
    ksnprintf(unknown, sizeof(unknown), "unknown status %lu", status);
    return unknown;
}

const char *test_failf(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    int n = ksnprintf(message, sizeof(message), "%s:%d: ", file, line);
    va_start(ap, fmt);
    kvsnprintf(message + n, sizeof(message) - (size_t)n, fmt, ap);
    va_end(ap);
    return message;
}

/* `what` is the expression's text, cut short: the line number says where it is. */
const char *test_status_fail(const char *file, int line, const char *what, uint64_t got,
                             uint64_t want)
{
    char short_what[WHAT_MAX];
    size_t n = strnlen(what, sizeof(short_what) - 1);
    memcpy(short_what, what, n);
    short_what[n] = 0;
    if (n == sizeof(short_what) - 1)
        memcpy(short_what + n - 3, "...", 3);
    const char *g = status_name(got);
    char got_name[32];
    ksnprintf(got_name, sizeof(got_name), "%s", g);
    return test_failf(file, line, "%s: got status %s, wanted %s", short_what, got_name,
                      status_name(want));
}

const char *expect_status(const char *file, int line, const char *what, uint64_t got,
                          uint64_t want)
{
    return got == want ? NULL : test_status_fail(file, line, what, got, want);
}

const char *test_append(const char *m, const char *fmt, ...)
{
    if (m != message)
        return m;
    size_t n = strlen(message);
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(message + n, sizeof(message) - n, fmt, ap);
    va_end(ap);
    return message;
}

const char *test_skip(const char *why)
{
    ksnprintf(skip_reason, sizeof(skip_reason), "%s", why);
    return test_skipped;
}

uint64_t deadline_us(uint64_t us)
{
    return rdtsc() + us * tsc_per_ms / 1000;
}

uint64_t ticks_left(uint64_t deadline)
{
    uint64_t now = rdtsc();
    return now < deadline ? deadline - now : 0;
}

void spin_us(uint64_t us)
{
    uint64_t end = deadline_us(us);
    while (rdtsc() < end)
        __asm__ volatile("pause");
}

uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void run_area(const struct test_area *a)
{
    for (unsigned i = 0; i < a->count; i++) {
        const struct test *t = &a->tests[i];
        uint64_t mark = sel_mark();
        const char *m = t->fn();
        my_utcb->head = (struct vireo_utcb_head){ 0 };
        sel_release(mark);
        if (!m) {
            passed++;
            uart_printf("PASS: %s %s\n", t->id, t->title);
        } else if (m == test_skipped) {
            skipped++;
            uart_printf("SKIP: %s %s: %s\n", t->id, t->title, skip_reason);
        } else {
            failed++;
            uart_printf("FAIL: %s %s: %s\n", t->id, t->title, m);
        }
    }
}

static const struct test_area *const areas[] = {
    &cap_area, &sm_area, &ipc_area, &sch_area, &hyp_area, &hyp_caps_area, &storm_area,
};

/* The kernel starts the root server with RDI = its UTCB and RSI = the HIP. */
NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *h);
NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *h)
{
    my_utcb = utcb;
    hip = h && h->magic == VIREO_HIP_MAGIC ? h : NULL;
    if (!hip || !hip->tsc_khz || !hip->cpu_count) {   /* every timed test needs it */
        uart_printf("FAIL: HIP0000 the hypervisor information page is missing\n");
        uart_printf("test server: 0 passed, 1 failed\n");
        for (;;)
            __asm__ volatile("pause");
    }
    tsc_per_ms = hip->tsc_khz;
    cpu_count = hip->cpu_count;
    /* Workers end by waiting here for good; if this fails, so do the worker tests. */
    uint64_t park = hc_create_sm(SEL_PARK, VIREO_SEL_SELF_PD, 0);
    uart_printf("test server: UTCB %p, HIP %s, TSC %lu kHz, CPUs %u (0: unknown), park SM %s\n",
                (void *)utcb, hip ? "ok" : "missing", tsc_per_ms, cpu_count, status_name(park));
    for (unsigned i = 0; i < ARRAY_SIZE(areas); i++)
        run_area(areas[i]);
    if (skipped)
        uart_printf("test server: %u skipped\n", skipped);
    uart_printf("test server: %u passed, %u failed\n", passed, failed);
    for (;;)
        __asm__ volatile("pause");
}
