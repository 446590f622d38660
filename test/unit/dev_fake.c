/* SPDX-License-Identifier: MIT */
/* Vireo: the fake platform of the device-model tests. */
#include <string.h>
#include "dev_fake.h"

struct fake_platform fake;

static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return fake.tsc;
}

static void fake_irq(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    if (line >= FAKE_LINES)
        return;
    fake.rises[line] += level && !fake.level[line];
    fake.level[line] = level;
}

static void fake_out(void *ctx, uint8_t byte)
{
    (void)ctx;
    if (fake.out_len < sizeof(fake.out))
        fake.out[fake.out_len++] = byte;
}

static size_t fake_in(void *ctx, uint8_t *buf, size_t max)
{
    (void)ctx;
    size_t n = 0;
    while (n < max && fake.in_pos < fake.in_len)
        buf[n++] = fake.in[fake.in_pos++];
    return n;
}

static bool fake_lost(void *ctx)
{
    (void)ctx;
    bool lost = fake.lost;
    fake.lost = false;
    return lost;
}

void fake_reset(uint64_t tsc)
{
    memset(&fake, 0, sizeof(fake));
    fake.plat = (struct dev_platform){ NULL, FAKE_TSC_KHZ, fake_now, fake_irq, fake_out,
                                       fake_in, NULL, fake_lost };
    fake.tsc = tsc;
}

void fake_input(const char *bytes, size_t n)
{
    memcpy(fake.in + fake.in_len, bytes, n);
    fake.in_len += n;
}

void fake_hostile(const struct dev_ops *ops, void *dev, uint64_t base, uint64_t size,
                  unsigned rounds)
{
    static const unsigned widths[] = { 0, 1, 2, 3, 4, 8 };
    uint32_t x = 0x12345678u;
    for (unsigned r = 0; r < rounds; r++)
        for (uint64_t a = base; a < base + size; a++)
            for (unsigned w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
                uint32_t v = 0;
                x = x * 1103515245u + 12345u;
                ops->write(dev, a, widths[w], x >> 3);
                ops->read(dev, a, widths[w], &v);
                fake.tsc += x % 5000;
                if (ops->advance)
                    ops->advance(dev, fake.tsc);
                if (ops->deadline)
                    (void)ops->deadline(dev);
            }
}
