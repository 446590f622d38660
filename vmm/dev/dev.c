/* SPDX-License-Identifier: MIT */
/* Vireo VMM: helpers every device model shares (clock conversion, saved-state blobs). */
#include "dev.h"
#include "lib.h"

/* a * b / c, rounded down, or up with `round_up`; UINT64_MAX if it does not fit. One MUL
   and one DIV: this runs on every timer access, and a 128-bit division in C is a call. */
static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c, bool round_up)
{
    uint64_t lo, hi, q, r;
    __asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
    if (!c || hi >= c)
        return UINT64_MAX;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c) : "cc");
    return q + (round_up && r && q != UINT64_MAX);
}

uint64_t dev_ticks_to_tsc(const struct dev_platform *p, uint64_t ticks, uint64_t hz)
{
    return muldiv(ticks, p->tsc_khz * 1000u, hz, true);
}

uint64_t dev_tsc_to_ticks(const struct dev_platform *p, uint64_t tsc, uint64_t hz)
{
    return muldiv(tsc, hz, p->tsc_khz ? p->tsc_khz * 1000u : 1000u, false);
}

size_t dev_save_blob(uint32_t magic, uint16_t version, const void *state, size_t size,
                     uint8_t *buf, size_t len)
{
    struct dev_save_header h = { magic, version, (uint16_t)size };
    if (!buf || size > UINT16_MAX || len < sizeof(h) + size)
        return 0;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), state, size);
    return sizeof(h) + size;
}

bool dev_restore_blob(uint32_t magic, uint16_t version, void *scratch, size_t size,
                      const uint8_t *buf, size_t len)
{
    struct dev_save_header h;
    if (!buf || len < sizeof(h))
        return false;
    memcpy(&h, buf, sizeof(h));
    if (h.magic != magic || h.version != version || h.size != size || len - sizeof(h) < size)
        return false;
    memcpy(scratch, buf + sizeof(h), size);
    return true;
}
