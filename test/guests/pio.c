/* SPDX-License-Identifier: MIT */
/* Guest "pio": IN/OUT of each size and REP INS/OUTS, on COM1's scratch register and on a
 * port nobody claims (which must read as all ones). */
#include "guest.h"

const char guest_name[] = "pio";

#define UNCLAIMED_PORT 0xe0

static uint8_t buf[64];

/* REP INS/OUTS of size 1, 2 or 4; returns the final EDI/ESI and leaves ECX in *left. */
#define REP_IO(insn, ptrreg, ptr, count, port)                                         \
    __asm__ volatile("rep " insn : "+" ptrreg(ptr), "+c"(count) : "d"(port) : "memory")

static void scratch(void)
{
    static const uint8_t pat[] = { 0x00, 0x55, 0xaa, 0xff, 0x5a, 0x01 };
    bool ok = true;
    for (unsigned i = 0; i < sizeof(pat); i++) {
        outb(COM1_SCR, pat[i]);
        uint8_t got = inb(COM1_SCR);
        if (got != pat[i]) {
            printf("pio: scratch wrote 0x%x read 0x%x\n", pat[i], got);
            ok = false;
        }
    }
    check(ok, "pio: COM1 scratch register byte round trips");

    for (unsigned i = 0; i < 16; i++)
        buf[i] = (uint8_t)(0x30 + i);
    uint8_t *p = buf;
    uint32_t n = 16;
    REP_IO("outsb", "S", p, n, COM1_SCR);
    check(p == buf + 16 && n == 0, "pio: rep outsb advanced ESI by 16, ECX 0 (ESI +%u, ECX %u)",
          (uint32_t)(p - buf), n);
    check_eq("pio: scratch holds the last byte of rep outsb", inb(COM1_SCR), 0x3f);

    memset(buf, 0, sizeof(buf));
    p = buf;
    n = 8;
    REP_IO("insb", "D", p, n, COM1_SCR);
    bool all = true;
    for (unsigned i = 0; i < 8; i++)
        all &= buf[i] == 0x3f;
    check(p == buf + 8 && n == 0 && all && buf[8] == 0, "pio: rep insb from scratch, 8 bytes");

    /* Direction flag set: the string goes down. */
    outb(COM1_SCR, 0x77);
    memset(buf, 0, sizeof(buf));
    p = buf + 7;
    n = 4;
    __asm__ volatile("std; rep insb; cld" : "+D"(p), "+c"(n) : "d"(COM1_SCR) : "memory");
    check(p == buf + 3 && buf[4] == 0x77 && buf[7] == 0x77 && buf[3] == 0,
          "pio: rep insb with DF=1 fills downwards");
}

static void unclaimed(void)
{
    check_eq("pio: inb of an unclaimed port", inb(UNCLAIMED_PORT), 0xff);
    check_eq("pio: inw of an unclaimed port", inw(UNCLAIMED_PORT), 0xffff);
    check_eq("pio: inl of an unclaimed port", inl(UNCLAIMED_PORT), 0xffffffff);
    outb(UNCLAIMED_PORT, 0x12);
    outw(UNCLAIMED_PORT, 0x1234);
    outl(UNCLAIMED_PORT, 0x12345678);
    check_eq("pio: writes to an unclaimed port are dropped", inl(UNCLAIMED_PORT), 0xffffffff);

    memset(buf, 0, sizeof(buf));
    uint16_t *w = (uint16_t *)buf;
    uint32_t n = 4;
    REP_IO("insw", "D", w, n, UNCLAIMED_PORT);
    check(w == (uint16_t *)buf + 4 && n == 0 && buf[7] == 0xff && buf[8] == 0,
          "pio: rep insw from an unclaimed port, 4 words of ones");
    memset(buf, 0, sizeof(buf));
    uint32_t *l = (uint32_t *)buf;
    n = 4;
    REP_IO("insl", "D", l, n, UNCLAIMED_PORT);
    check(l == (uint32_t *)buf + 4 && n == 0 && buf[15] == 0xff && buf[16] == 0,
          "pio: rep insl from an unclaimed port, 4 dwords of ones");
    const uint32_t *s = (const uint32_t *)buf;
    n = 4;
    REP_IO("outsl", "S", s, n, UNCLAIMED_PORT);
    check(s == (const uint32_t *)buf + 4 && n == 0, "pio: rep outsl to an unclaimed port");
    const uint16_t *sw = (const uint16_t *)buf;
    n = 3;
    REP_IO("outsw", "S", sw, n, UNCLAIMED_PORT);
    check(sw == (const uint16_t *)buf + 3 && n == 0, "pio: rep outsw to an unclaimed port");
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    scratch();
    unclaimed();
}
