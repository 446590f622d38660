/* SPDX-License-Identifier: MIT */
/* Guest "mmio": the IOAPIC's register window (82093AA datasheet, 3.0) by dword accesses. */
#include "guest.h"

const char guest_name[] = "mmio";

#define IOAPIC_BASE 0xfec00000u
#define IOREGSEL (IOAPIC_BASE + 0x00)
#define IOWIN (IOAPIC_BASE + 0x10)
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(pin) (0x10u + 2u * (pin))
#define REDIR_MASKED (1u << 16)

static uint32_t ioapic_read(uint32_t index)
{
    mmio_write32(IOREGSEL, index);
    return mmio_read32(IOWIN);
}

static void ioapic_write(uint32_t index, uint32_t v)
{
    mmio_write32(IOREGSEL, index);
    mmio_write32(IOWIN, v);
}

static bool redir_round_trip(uint32_t pin, uint32_t lo, uint32_t hi)
{
    ioapic_write(IOAPIC_REDTBL(pin), lo);
    ioapic_write(IOAPIC_REDTBL(pin) + 1, hi);
    uint32_t rlo = ioapic_read(IOAPIC_REDTBL(pin)), rhi = ioapic_read(IOAPIC_REDTBL(pin) + 1);
    if (rlo == lo && rhi == hi)
        return true;
    printf("mmio: pin %u wrote %08x:%08x read %08x:%08x\n", pin, hi, lo, rhi, rlo);
    return false;
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    uint32_t ver = ioapic_read(IOAPIC_VER);
    uint32_t version = ver & 0xff, max_redir = (ver >> 16) & 0xff;
    printf("mmio: IOAPIC version register 0x%08x\n", ver);
    check(version >= 0x11 && version <= 0x20, "mmio: IOAPIC version 0x%x in 0x11..0x20", version);
    check(max_redir >= 23, "mmio: IOAPIC max redirection entry %u >= 23", max_redir);
    check_eq("mmio: IOREGSEL reads back", mmio_read32(IOREGSEL), IOAPIC_VER);
    check_eq("mmio: version register reads the same twice", ioapic_read(IOAPIC_VER), ver);

    uint32_t pins[] = { 1, 13, 23 };
    for (unsigned i = 0; i < 3; i++) {
        uint32_t p = pins[i];
        uint32_t old_lo = ioapic_read(IOAPIC_REDTBL(p)), old_hi = ioapic_read(IOAPIC_REDTBL(p) + 1);
        bool ok = redir_round_trip(p, REDIR_MASKED | 0xa5, 0x0f000000) &&
                  redir_round_trip(p, REDIR_MASKED | 1u << 15 | 1u << 13 | 0x5a, 0x01000000);
        check(ok, "mmio: masked redirection entry %u round trips", p);
        ioapic_write(IOAPIC_REDTBL(p), old_lo | REDIR_MASKED);
        ioapic_write(IOAPIC_REDTBL(p) + 1, old_hi);
    }
    /* The window follows IOREGSEL: entry 23 and the version differ. */
    ioapic_write(IOAPIC_REDTBL(23), REDIR_MASKED | 0x77);
    check(ioapic_read(IOAPIC_VER) == ver && ioapic_read(IOAPIC_REDTBL(23)) == (REDIR_MASKED | 0x77),
          "mmio: IOWIN follows IOREGSEL");
    ioapic_write(IOAPIC_REDTBL(23), REDIR_MASKED);
}
