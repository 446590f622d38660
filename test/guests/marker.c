/* SPDX-License-Identifier: MIT */
/* Guest "marker": for two guests at once. It writes its own marker at MARKER_PAGE and then
 * checks, round after round, that the page keeps it and that the other guest's marker
 * appears at the start of no page of its RAM nor of the first MiB above it. */
#include "guest.h"

const char guest_name[] = "marker";

#define MARKER_PAGE 0x200000u
#define MARKER_MAGIC 0x4b524d56u        /* "VMRK" */
#define DEFAULT_ROUNDS 0x40u
/* A gap between two page checks longer than any VM exit takes: something else had the
 * CPU (under Vireo on one CPU: the other guest's vCPU, whose quantum is 10 ms). */
#define PAUSE_TICKS 50000u

/* The pauses seen while checking: evidence that two guests really take turns. */
struct pauses {
    uint64_t first, last, longest;
    uint32_t count;
};

static void note_time(struct pauses *p)
{
    uint64_t now = rdtsc();
    if (now - p->last >= PAUSE_TICKS) {
        p->count++;
        p->longest = now - p->last > p->longest ? now - p->last : p->longest;
    }
    p->last = now;
}

/* A page starts with a marker when it holds MAGIC, value, ~value. */
static bool holds(uint32_t addr, uint32_t value)
{
    volatile const uint32_t *p = (volatile const uint32_t *)addr;
    return p[0] == MARKER_MAGIC && p[1] == value && p[2] == ~value;
}

/* The first page in [0, end) that starts with the marker, or 0 if none does (page 0 is
 * the real-mode IVT and cannot hold one). */
static uint32_t find(uint32_t end, uint32_t value, struct pauses *p)
{
    for (uint32_t a = 0x1000; a < end && a >= 0x1000; a += 0x1000) {
        note_time(p);
        if (holds(a, value))
            return a;
    }
    return 0;
}

void guest_main(const struct mb1_info *mbi)
{
    const char *cmdline = mbi->flags & MB1_INFO_CMDLINE ? (const char *)mbi->cmdline : "";
    uint32_t mine = 0, other = 0, rounds = DEFAULT_ROUNDS;
    bool args = cmdline_hex(cmdline, "marker", &mine) && cmdline_hex(cmdline, "other", &other);
    cmdline_hex(cmdline, "rounds", &rounds);
    if (!check(args, "marker: command line '%s' has marker=HEX and other=HEX", cmdline))
        return;
    if (!check(mbi->flags & MB1_INFO_MEM, "marker: multiboot info has the memory size"))
        return;
    uint32_t ram_end = 0x100000u + mbi->mem_upper * 1024u;
    check(ram_end > MARKER_PAGE + 0x1000, "marker: RAM ends at 0x%x, above the marker page",
          ram_end);
    printf("marker: mine %x, other %x, %u rounds over 0x%x bytes\n", mine, other, rounds,
           ram_end + 0x100000u);

    volatile uint32_t *page = (volatile uint32_t *)MARKER_PAGE;
    page[0] = MARKER_MAGIC;
    page[1] = mine;
    page[2] = ~mine;

    uint32_t lost = 0, seen = 0;
    struct pauses pauses = { .first = rdtsc() };
    pauses.last = pauses.first;
    for (uint32_t r = 0; r < rounds && !lost && !seen; r++) {
        if (!holds(MARKER_PAGE, mine))
            lost = r + 1;
        uint32_t at = find(ram_end + 0x100000u, other, &pauses);
        if (at) {
            seen = r + 1;
            printf("marker: round %u: the other marker at 0x%x\n", r, at);
        }
    }
    printf("marker: %u pauses of %u+ ticks (longest %llu) from tsc %llu to %llu\n",
           pauses.count, PAUSE_TICKS, pauses.longest, pauses.first, pauses.last);
    if (lost)
        check(false, "marker: own marker at 0x%x lost in round %u", MARKER_PAGE, lost);
    else
        check(true, "marker: own marker intact at 0x%x for %u rounds", MARKER_PAGE, rounds);
    if (seen)
        check(false, "marker: other marker seen in round %u", seen);
    else
        check(true, "marker: other marker in none of RAM + 1 MiB for %u rounds", rounds);
}
