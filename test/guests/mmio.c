/* SPDX-License-Identifier: MIT */
/* Guest "mmio": the IOAPIC's register window (82093AA datasheet, 3.0) by dword accesses,
   then by the other instruction forms a VMM must emulate, with paging off and on. */
#include "guest.h"

const char guest_name[] = "mmio";

#define IOAPIC_BASE 0xfec00000u
#define IOREGSEL (IOAPIC_BASE + 0x00)
#define IOWIN (IOAPIC_BASE + 0x10)
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(pin) (0x10u + 2u * (pin))
#define REDIR_MASKED (1u << 16)
#define SCRATCH IOAPIC_REDTBL(5)            /* a masked entry's low dword as a register */
#define ALIAS 0x80000000u                   /* the IOAPIC page again, through paging */

static uint32_t pd[1024] __attribute__((aligned(4096)));

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

/* Byte and word loads of IOREGSEL (an 8-bit register) zero- and sign-extended. */
static void extending_loads(uint32_t base)
{
    uint32_t zb, sb, zw, sw;
    mmio_write32(base, 0xfe);
    __asm__ volatile("movzbl (%4), %0\n\tmovsbl (%4), %1\n\tmovzwl (%4), %2\n\t"
                     "movswl (%4), %3"
                     : "=&r"(zb), "=&r"(sb), "=&r"(zw), "=&r"(sw) : "r"(base) : "memory");
    check(zb == 0xfe && sb == 0xfffffffe && zw == 0xfe && sw == 0xfe,
          "mmio: MOVZX/MOVSX byte and word of IOREGSEL (%x %x %x %x)", zb, sb, zw, sw);
}

/* Read-modify-write forms on IOWIN, the flags they leave, XCHG, BTS/BTR. */
static void rmw_forms(uint32_t base)
{
    volatile uint32_t *win = (volatile uint32_t *)(base + 0x10);
    mmio_write32(base, SCRATCH);
    *win = REDIR_MASKED | 0x20;
    __asm__ volatile("orl $5, (%0)" :: "r"(win) : "memory", "cc");
    uint32_t after_or = *win;
    __asm__ volatile("andl $0xffffffdf, (%0)" :: "r"(win) : "memory", "cc");
    uint32_t after_and = *win;
    *win = REDIR_MASKED | 0x05;
    uint8_t zf_clear, zf_set;
    __asm__ volatile("testl $4, (%2)\n\tsetz %0\n\tcmpl $0x10005, (%2)\n\tsetz %1"
                     : "=q"(zf_clear), "=q"(zf_set) : "r"(win) : "memory", "cc");
    check(after_or == (REDIR_MASKED | 0x25) && after_and == (REDIR_MASKED | 0x05) && !zf_clear &&
          zf_set,
          "mmio: OR, AND, TEST, CMP on IOWIN (0x%x 0x%x, ZF %u %u)", after_or, after_and,
          zf_clear, zf_set);
    uint32_t old = REDIR_MASKED | 0x31;
    __asm__ volatile("xchgl %0, (%1)" : "+r"(old) : "r"(win) : "memory");
    check(old == (REDIR_MASKED | 0x05) && *win == (REDIR_MASKED | 0x31),
          "mmio: XCHG with IOWIN (old 0x%x, now 0x%x)", old, *win);
    uint8_t cf_before, cf_after;
    __asm__ volatile("btsl $3, (%2)\n\tsetc %0\n\tbtrl $0, (%2)\n\tsetc %1"
                     : "=q"(cf_before), "=q"(cf_after) : "r"(win) : "memory", "cc");
    check(!cf_before && cf_after && *win == (REDIR_MASKED | 0x38),
          "mmio: BTS and BTR on IOWIN (CF %u %u, now 0x%x)", cf_before, cf_after, *win);
}

/* REP STOSL and REP MOVSL with IOREGSEL/IOWIN on one side, RAM on the other. */
static void string_forms(uint32_t base)
{
    uint32_t sel[2] = { SCRATCH, 0xdead }, copy = 0;
    uint32_t di = base, cx = 4, si;
    __asm__ volatile("cld\n\trep stosl" : "+D"(di), "+c"(cx) : "a"(SCRATCH) : "memory");
    uint32_t got = mmio_read32(base);
    check(di == base + 16 && cx == 0 && got == SCRATCH,
          "mmio: REP STOSL over IOREGSEL (edi +0x%x, ecx %u, IOREGSEL 0x%x)", di - base, cx, got);
    mmio_write32(base + 0x10, REDIR_MASKED | 0x42);
    mmio_write32(base, 1);
    si = (uint32_t)sel, di = base, cx = 2;
    __asm__ volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(cx) :: "memory");
    si = base + 0x10, di = (uint32_t)&copy, cx = 1;
    __asm__ volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(cx) :: "memory");
    check(copy == (REDIR_MASKED | 0x42) && si == base + 0x14 && cx == 0,
          "mmio: REP MOVSL RAM to IOREGSEL and IOWIN to RAM (0x%x)", copy);
    sel[1] = REDIR_MASKED | 0x43;
    si = (uint32_t)&sel[1], di = base + 0x10, cx = 2;
    __asm__ volatile("std\n\trep movsl\n\tcld" : "+S"(si), "+D"(di), "+c"(cx) :: "memory");
    mmio_write32(base, SCRATCH);
    got = mmio_read32(base + 0x10);
    check(got == (REDIR_MASKED | 0x43) && di == base + 0x08 && si == (uint32_t)sel - 4,
          "mmio: REP MOVSL going down (DF=1) into IOWIN (0x%x)", got);
}

static void forms(const char *how, uint32_t base)
{
    printf("mmio: instruction forms, %s\n", how);
    extending_loads(base);
    rmw_forms(base);
    string_forms(base);
    mmio_write32(base, SCRATCH);
    mmio_write32(base + 0x10, REDIR_MASKED);
}

/* The same through paging: the VMM walks the guest's tables for the fetch and for string
   operands; the alias maps the IOAPIC page at another linear address. */
static void forms_paged(uint32_t ver)
{
    paging_identity(pd, 64u << 20);
    pd[ALIAS >> 22] = IOAPIC_BASE | 0x9b;       /* P RW PWT PCD PS: 4 MiB from the IOAPIC */
    paging_on(pd);
    mmio_write32(ALIAS, IOAPIC_VER);
    uint32_t v = mmio_read32(ALIAS + 0x10);
    forms("paging on, through an alias", ALIAS);
    paging_off();
    check(v == ver, "mmio: the version register through a paged alias (0x%x)", v);
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
    forms("paging off", IOAPIC_BASE);
    forms_paged(ver);
}
