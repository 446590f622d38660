/* SPDX-License-Identifier: MIT */
/* Vireo: free physical memory = usable RAM minus reserved ranges. */
#include "memmap.h"
#include "lib.h"
#include "memory.h"

/*
 * A sweep over the boundaries of all entries and reserved ranges: between two
 * consecutive boundaries every byte has the same status, free iff an available entry
 * covers it and no other entry or reserved range does. Each step rescans the input, so
 * the cost is O(n^2) for n = count + nreserved (a few hundred at most); in exchange
 * nothing is sorted or copied, unsorted and overlapping input needs no special case,
 * and out[] only ever receives final ranges.
 *
 * Ranges that wrap past 2^64 (base + length overflows): an available entry that wraps
 * is malformed and ignored; a non-available entry, or a reserved range that wraps or
 * has end < start, is clamped to end at 2^64 - 1, so it withholds everything it might
 * describe. The top page is therefore never reported free.
 */

struct memmap_input {
    const struct mb2_mmap_entry *map;
    unsigned count;
    const struct mem_range *reserved;
    unsigned nreserved;
};

struct span {
    uint64_t start;             /* end exclusive */
    uint64_t end;
    bool usable;
};

/* Item i of map[] followed by reserved[]; false if it covers no byte. */
static bool span_at(const struct memmap_input *in, uint64_t i, struct span *sp)
{
    if (i >= in->count) {
        const struct mem_range *r = &in->reserved[i - in->count];
        *sp = (struct span){ r->start, r->end < r->start ? UINT64_MAX : r->end, false };
        return sp->start < sp->end;
    }
    const struct mb2_mmap_entry *e = &in->map[i];
    bool wraps = e->length > UINT64_MAX - e->base;
    bool usable = e->type == MB2_MEM_AVAILABLE;
    *sp = (struct span){ e->base, wraps ? UINT64_MAX : e->base + e->length, usable };
    return !(wraps && usable) && sp->start < sp->end;
}

/* 0 stands for "none": every boundary above some x is nonzero. */
static uint64_t lower_boundary(uint64_t best, uint64_t candidate)
{
    return best == 0 ? candidate : MIN(best, candidate);
}

/* Tells whether byte x is free and returns the first boundary above x (0: none). */
static uint64_t scan_at(const struct memmap_input *in, uint64_t x, bool *is_free)
{
    uint64_t total = (uint64_t)in->count + in->nreserved;
    uint64_t next = 0;
    bool usable = false;
    bool withheld = false;

    for (uint64_t i = 0; i < total; i++) {
        struct span sp;

        if (!span_at(in, i, &sp))
            continue;
        if (sp.start <= x && x < sp.end) {
            usable |= sp.usable;
            withheld |= !sp.usable;
        }
        if (sp.end > x)         /* start < end: the first of the two above x */
            next = lower_boundary(next, sp.start > x ? sp.start : sp.end);
    }
    *is_free = usable && !withheld;
    return next;
}

/* Appends the whole pages inside [start, end) as out[*n]; false if out[] holds max already. */
static bool emit(struct mem_range *out, unsigned max, unsigned *n, uint64_t start, uint64_t end)
{
    uint64_t last = ALIGN_DOWN(end, PAGE_SIZE);

    /* start > last first: it keeps ALIGN_UP from wrapping in the top page. */
    if (start > last || ALIGN_UP(start, PAGE_SIZE) >= last)
        return true;
    if (*n >= max)
        return false;
    out[(*n)++] = (struct mem_range){ ALIGN_UP(start, PAGE_SIZE), last };
    return true;
}

int memmap_free_ranges(const struct mb2_mmap_entry *map, unsigned count,
                       const struct mem_range *reserved, unsigned nreserved,
                       struct mem_range *out, unsigned max_out)
{
    struct memmap_input in = { map, count, reserved, nreserved };
    unsigned n = 0;
    uint64_t x = 0;
    uint64_t run_start = 0;
    bool in_run = false;

    do {
        bool is_free;
        uint64_t next = scan_at(&in, x, &is_free);

        /* Maximal runs are separated by a withheld byte: results never touch. */
        if (is_free && !in_run)
            run_start = x;
        else if (!is_free && in_run && !emit(out, max_out, &n, run_start, x))
            return -1;
        in_run = is_free;
        x = next;
    } while (x);
    return (int)n;
}
