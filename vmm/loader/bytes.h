/* SPDX-License-Identifier: MIT */
/* Vireo VMM loaders: little-endian fields and plain byte copies on guest images and guest
   RAM. Byte at a time, so that an image's fields need no alignment and the loaders build
   the same on the host (unit tests) as in the VMM. */
#pragma once
#include <stddef.h>
#include <stdint.h>

static inline uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static inline void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v);
    wr16(p + 2, v >> 16);
}

static inline void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static inline void copy(uint8_t *d, const uint8_t *s, size_t n)
{
    while (n--)
        *d++ = *s++;
}

static inline void fill(uint8_t *d, uint8_t c, size_t n)
{
    while (n--)
        *d++ = c;
}

/* Length of s, or max + 1 if it is longer than max. */
static inline size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n])
        n++;
    return n;
}
