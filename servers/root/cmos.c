/* SPDX-License-Identifier: MIT */
/* Vireo root server: the host's MC146818 clock, read once for the VMMs' RTC models. */
#include "calendar.h"
#include "cmos.h"
#include "vireo.h"

#define PORT_INDEX 0x70
#define PORT_DATA 0x71
#define NMI_OFF 0x80                    /* keep NMIs masked while the index is set */
#define REG_A 0x0a
#define REG_B 0x0b
#define A_UIP 0x80
#define B_BINARY 0x04
#define B_24H 0x02
#define HOUR_PM 0x80
#define REG_CENTURY 0x32
#define UIP_TRIES 100000                /* UIP lasts about 2 ms */
#define READ_TRIES 8

static uint8_t cmos_read(uint8_t reg)
{
    outb(PORT_INDEX, NMI_OFF | reg);
    return inb(PORT_DATA);
}

static unsigned field(uint8_t v, bool binary)
{
    return binary ? v : (v >> 4) * 10u + (v & 0xf);
}

/* Registers 0, 2, 4, 7, 8, 9 and the century, read while no update is in progress. */
static bool snapshot(uint8_t regs[7])
{
    static const uint8_t index[7] = { 0, 2, 4, 7, 8, 9, REG_CENTURY };
    unsigned tries = UIP_TRIES;
    while ((cmos_read(REG_A) & A_UIP) && --tries)
        ;
    if (!tries)
        return false;
    for (unsigned i = 0; i < 7; i++)
        regs[i] = cmos_read(index[i]);
    return true;
}

bool cmos_clock(uint64_t *seconds, uint64_t *tsc)
{
    uint8_t a[7], b[7];
    unsigned tries = READ_TRIES;
    do {                                /* twice the same: no update came in between */
        if (!snapshot(a) || !snapshot(b))
            return false;
    } while (memcmp(a, b, sizeof(a)) && --tries);
    if (!tries)
        return false;
    *tsc = rdtsc();
    uint8_t mode = cmos_read(REG_B);
    bool binary = mode & B_BINARY;
    unsigned hour = field(a[2] & (uint8_t)~HOUR_PM, binary);
    if (!(mode & B_24H))
        hour = hour % 12 + (a[2] & HOUR_PM ? 12 : 0);
    unsigned yy = field(a[5], binary) % 100, cc = field(a[6], binary);
    struct calendar_time t = {
        .year = cc >= 19 && cc <= 21 ? cc * 100 + yy : yy < 70 ? 2000 + yy : 1900 + yy,
        .month = field(a[4], binary), .day = field(a[3], binary), .hour = hour,
        .minute = field(a[1], binary), .second = field(a[0], binary),
    };
    *seconds = calendar_to_seconds(&t);
    return true;
}
