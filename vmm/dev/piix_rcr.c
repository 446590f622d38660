/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the reset control register of Intel's PIIX3/PIIX4 south bridges (82371SB/AB
   datasheets, "RC - Reset Control Register", I/O 0CF9h; the ICH keeps it): a byte
   register in which bit 1 chooses a hard (system) reset over a soft one, bit 2 (RCPU)
   starts the reset on its 0-to-1 transition, and bit 3 (ICH: full reset) asks for power
   to be cycled. Every reset ends the guest here, so the kinds differ only in the message.
   Only byte accesses are decoded: 0xcf8 as a dword is the PCI configuration address,
   which a PCI model may claim as the one port 0xcf8 (the bus sends a wide access to the
   model at its first port) and leave this one alone. */
#include "piix_rcr.h"
#include "lib.h"

#define RCR_PORT 0xcf9
#define RCR_SYS_RESET 0x02
#define RCR_RESET_CPU 0x04
#define RCR_FULL_RESET 0x08
#define RCR_BITS (RCR_SYS_RESET | RCR_RESET_CPU | RCR_FULL_RESET)
#define SAVE_MAGIC 0x39464352u          /* "RCF9" */
#define SAVE_VERSION 1

const struct dev_range piix_rcr_ranges[1] = { { DEV_PIO, RCR_PORT, 1 } };

void piix_rcr_init(struct piix_rcr *rcr, const struct dev_platform *plat)
{
    memset(rcr, 0, sizeof(*rcr));
    rcr->plat = plat;
}

static bool rcr_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    const struct piix_rcr *rcr = dev;
    (void)addr;
    if (bytes != 1)
        return false;
    *value = rcr->s.value;
    return true;
}

static const char *kind(uint8_t v)
{
    if (v & RCR_FULL_RESET)
        return "reset control register 0xcf9: full reset";
    return v & RCR_SYS_RESET ? "reset control register 0xcf9: hard reset"
                             : "reset control register 0xcf9: soft reset";
}

static bool rcr_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct piix_rcr *rcr = dev;
    (void)addr;
    if (bytes != 1)
        return false;
    uint8_t old = rcr->s.value, v = (uint8_t)(value & RCR_BITS);
    rcr->s.value = v;
    if (!(old & RCR_RESET_CPU) && (v & RCR_RESET_CPU) && rcr->plat->reset)
        rcr->plat->reset(rcr->plat->ctx, kind(v));
    return true;
}

static void rcr_reset(void *dev)
{
    struct piix_rcr *rcr = dev;
    memset(&rcr->s, 0, sizeof(rcr->s));
}

static size_t rcr_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct piix_rcr *rcr = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &rcr->s, sizeof(rcr->s), buf, len);
}

static bool rcr_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct piix_rcr *rcr = dev;
    struct piix_rcr_state s;
    static const uint8_t zero[sizeof(s.reserved)];
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        (s.value & ~RCR_BITS) || memcmp(s.reserved, zero, sizeof(zero)))
        return false;
    rcr->s = s;
    return true;
}

const struct dev_ops piix_rcr_ops = {
    .name = "piix-rcr",
    .read = rcr_read,
    .write = rcr_write,
    .reset = rcr_reset,
    .save = rcr_save,
    .restore = rcr_restore,
};
