/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the one interface of every device model, and the platform it runs on. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A model knows nothing of the VMM: it sees the machine only through struct dev_platform
 * (time, interrupt lines, the console). The same source therefore builds into the VMM and
 * into a host cmocka test that drives it with a fake clock.
 */
struct dev_platform {
    void *ctx;
    uint64_t tsc_khz;                                   /* the unit of now() */
    uint64_t (*now)(void *ctx);                         /* the TSC */
    void (*irq)(void *ctx, unsigned line, bool level);  /* an ISA IRQ line / GSI */
    void (*console_out)(void *ctx, uint8_t byte);       /* a UART's transmitted bytes */
    /* Input for a UART: up to `max` bytes that have arrived, without waiting. A source
       that gets input must make the VMM advance its devices (recall or wake the vCPU). */
    size_t (*console_in)(void *ctx, uint8_t *buf, size_t max);
    /* The machine's reset line (the i8042's pulse, the reset control register at 0xcf9),
       with what pulled it; the VMM ends the guest. May be NULL: nothing happens. */
    void (*reset)(void *ctx, const char *source);
    /* Whether input was lost before it reached console_in since the last call (the
       source's buffer was full): the UART reports it as an overrun. May be NULL. */
    bool (*console_lost)(void *ctx);
};

/* Reads the platform's clock. */
static inline uint64_t dev_now(const struct dev_platform *p) { return p->now(p->ctx); }

/* The first TSC value at which a `hz` clock has counted `ticks`; and the ticks it has
   counted at TSC value `tsc`. */
uint64_t dev_ticks_to_tsc(const struct dev_platform *p, uint64_t ticks, uint64_t hz);
uint64_t dev_tsc_to_ticks(const struct dev_platform *p, uint64_t tsc, uint64_t hz);

#define DEV_NO_DEADLINE UINT64_MAX

enum dev_space { DEV_PIO, DEV_MMIO };

struct dev_range {
    uint8_t space;                      /* enum dev_space */
    uint64_t base, size;
};

/*
 * The operations. `addr` is the absolute port or guest-physical address, `bytes` 1, 2
 * or 4. read() returns false for an access the model does not claim (a width or offset
 * the chip does not decode): the bus then answers as for no device (all ones). save()
 * returns the bytes written, 0 if `len` is too small; restore() returns false, changing
 * nothing, for a buffer that is short, foreign or holds values the chip cannot have.
 * deadline() is the TSC at which the model next changes by itself (DEV_NO_DEADLINE:
 * only accesses change it); advance() brings it up to `now`, raising what fell due.
 * Models without a clock leave deadline and advance NULL.
 */
struct dev_ops {
    const char *name;
    bool (*read)(void *dev, uint64_t addr, unsigned bytes, uint32_t *value);
    bool (*write)(void *dev, uint64_t addr, unsigned bytes, uint32_t value);
    void (*reset)(void *dev);
    size_t (*save)(const void *dev, uint8_t *buf, size_t len);
    bool (*restore)(void *dev, const uint8_t *buf, size_t len);
    uint64_t (*deadline)(const void *dev);
    void (*advance)(void *dev, uint64_t now);
};

struct dev {
    const struct dev_ops *ops;
    void *state;
    const struct dev_range *ranges;
    unsigned range_count;
};

/*
 * Saved state: a header naming the model and the layout version, then the model's
 * state struct as it is in memory (the VMM restores only into the same build).
 */
struct dev_save_header {
    uint32_t magic;
    uint16_t version, size;
};

size_t dev_save_blob(uint32_t magic, uint16_t version, const void *state, size_t size,
                     uint8_t *buf, size_t len);
/* Copies the state out of `buf` into `scratch` (size bytes) if the header matches. */
bool dev_restore_blob(uint32_t magic, uint16_t version, void *scratch, size_t size,
                      const uint8_t *buf, size_t len);

/* BCD as the RTC and the PIT's BCD counting use it. */
static inline uint8_t dev_to_bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | v % 10); }
static inline unsigned dev_from_bcd(uint8_t v) { return (v >> 4) * 10u + (v & 0xf); }
