/* SPDX-License-Identifier: MIT */
/* Vireo VMM: helpers every device model shares (clock conversion, saved-state blobs). */
#include "dev.h"
#include "lib.h"

uint64_t dev_ticks_to_tsc(const struct dev_platform *p, uint64_t ticks, uint64_t hz)
{
    unsigned __int128 t = ((unsigned __int128)ticks * p->tsc_khz * 1000u + hz - 1) / hz;
    return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

uint64_t dev_tsc_to_ticks(const struct dev_platform *p, uint64_t tsc, uint64_t hz)
{
    uint64_t khz = p->tsc_khz ? p->tsc_khz : 1;
    return (uint64_t)((unsigned __int128)tsc * hz / (khz * 1000u));
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
