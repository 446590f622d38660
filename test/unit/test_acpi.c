/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of ACPI discovery and MADT parsing on synthetic firmware tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "acpi.h"

/* Synthetic physical memory; map() hands out pointers into it and NULL outside. */
#define MEM_SIZE 0x10000u
static _Alignas(4096) uint8_t phys[MEM_SIZE];

#define RSDT_PA 0x1000u
#define XSDT_PA 0x1800u         /* entries at 0x1824: 4 mod 8, not 8-byte aligned */
#define FADT_PA 0x2000u
#define MADT_PA 0x3000u
#define MADT2_PA 0x5000u
#define BAD_PA 0x7000u
#define OUTSIDE_PA 0x100000000ull

#define HDR_LEN 36
#define HDR_CHECKSUM 9
#define MADT_HDR_LEN 44
#define LAPIC_ADDR 0xfee00000u
#define IOAPIC_ADDR 0xfec00000u
#define MADT_PCAT 1u
#define CPU_ENABLED 1u
#define CPU_ONLINE_CAPABLE 2u
#define INTI_LEVEL_HIGH 0xdu    /* MPS INTI: active high, level triggered */

static const void *map(uint64_t pa, size_t len)
{
    if (pa > MEM_SIZE || len > MEM_SIZE - pa)
        return NULL;
    return phys + pa;
}

static int reset_mem(void **state)
{
    (void)state;
    memset(phys, 0, sizeof(phys));
    return 0;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* ---- firmware table builders ---- */

/* Finishes a table at pa whose body has been written: header, length, checksum. */
static void seal_table(uint64_t pa, const char sig[4], uint32_t len)
{
    uint8_t *t = phys + pa;
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = 1;
    memcpy(t + 10, "VIREO ", 6);
    memcpy(t + 16, "TESTTBL ", 8);
    t[HDR_CHECKSUM] = 0;
    t[HDR_CHECKSUM] = (uint8_t)-sum(t, len);
}

static void make_dummy(uint64_t pa, const char sig[4], uint32_t len)
{
    memset(phys + pa + HDR_LEN, 0xa5, len - HDR_LEN);
    seal_table(pa, sig, len);
}

static void make_rsdt(const uint32_t *entries, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put32(phys + RSDT_PA + HDR_LEN + 4 * i, entries[i]);
    seal_table(RSDT_PA, "RSDT", HDR_LEN + 4 * n);
}

static void make_xsdt(const uint64_t *entries, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put64(phys + XSDT_PA + HDR_LEN + 8 * i, entries[i]);
    seal_table(XSDT_PA, "XSDT", HDR_LEN + 8 * n);
}

/* ACPI 6.5 5.2.5.3; rev 0 fills 20 bytes, rev 2 all 36. */
static void make_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    memset(r, 0, 36);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "VIREO ", 6);
    r[15] = rev;
    put32(r + 16, rsdt);
    r[8] = (uint8_t)-sum(r, 20);
    if (rev < 2)
        return;
    put32(r + 20, 36);
    put64(r + 24, xsdt);
    r[32] = (uint8_t)-sum(r, 36);
}

struct madt_b {
    uint64_t pa;
    uint32_t len;
};

static struct madt_b madt_begin(uint64_t pa, uint32_t lapic, uint32_t flags)
{
    put32(phys + pa + HDR_LEN, lapic);
    put32(phys + pa + HDR_LEN + 4, flags);
    return (struct madt_b){ pa, MADT_HDR_LEN };
}

/* Appends an entry claiming `len` bytes; the table always grows by at least its 2. */
static uint8_t *madt_raw(struct madt_b *b, uint8_t type, uint8_t len)
{
    uint8_t *e = phys + b->pa + b->len;
    e[0] = type;
    e[1] = len;
    b->len += len < 2 ? 2 : len;
    return e;
}

static void madt_lapic(struct madt_b *b, uint8_t uid, uint8_t id, uint32_t flags)
{
    uint8_t *e = madt_raw(b, 0, 8);
    e[2] = uid;
    e[3] = id;
    put32(e + 4, flags);
}

static void madt_ioapic(struct madt_b *b, uint8_t id, uint32_t addr, uint32_t gsi)
{
    uint8_t *e = madt_raw(b, 1, 12);
    e[2] = id;
    put32(e + 4, addr);
    put32(e + 8, gsi);
}

static void madt_iso(struct madt_b *b, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = madt_raw(b, 2, 10);
    e[2] = 0;
    e[3] = irq;
    put32(e + 4, gsi);
    put16(e + 8, flags);
}

static void madt_nmi(struct madt_b *b)      /* type 4, Local APIC NMI: not parsed */
{
    uint8_t *e = madt_raw(b, 4, 6);
    e[2] = 0xff;
    put16(e + 3, 0x5);
    e[5] = 1;
}

static void madt_lapic_addr(struct madt_b *b, uint64_t addr)
{
    put64(madt_raw(b, 5, 12) + 4, addr);
}

static void madt_x2apic(struct madt_b *b, uint32_t id, uint32_t flags, uint32_t uid)
{
    uint8_t *e = madt_raw(b, 9, 16);
    put32(e + 4, id);
    put32(e + 8, flags);
    put32(e + 12, uid);
}

static void madt_end(struct madt_b *b)
{
    seal_table(b->pa, "APIC", b->len);
}

/* QEMU's i440fx MADT with n CPUs: LAPICs, one IOAPIC, five overrides, one LAPIC NMI. */
static void make_qemu_madt(uint64_t pa, unsigned n)
{
    struct madt_b b = madt_begin(pa, LAPIC_ADDR, MADT_PCAT);
    for (unsigned i = 0; i < n; i++)
        madt_lapic(&b, (uint8_t)i, (uint8_t)i, CPU_ENABLED);
    madt_ioapic(&b, 0, IOAPIC_ADDR, 0);
    madt_iso(&b, 0, 2, 0);
    madt_iso(&b, 5, 5, INTI_LEVEL_HIGH);
    madt_iso(&b, 9, 9, INTI_LEVEL_HIGH);
    madt_iso(&b, 10, 10, INTI_LEVEL_HIGH);
    madt_iso(&b, 11, 11, INTI_LEVEL_HIGH);
    madt_nmi(&b);
    madt_end(&b);
}

/* Tables every discovery test starts from: a FADT-like dummy and a 2-CPU MADT. */
static void make_platform(void)
{
    make_dummy(FADT_PA, "FACP", 116);
    make_qemu_madt(MADT_PA, 2);
    const uint32_t r[] = { FADT_PA, MADT_PA };
    make_rsdt(r, 2);
    const uint64_t x[] = { FADT_PA, MADT_PA };
    make_xsdt(x, 2);
}

/* ---- acpi_scan_rsdp ---- */

static void scan_finds_rsdp_in_bios_area(void **state)
{
    (void)state;
    static uint8_t bios[0x20000];           /* stands for 0xe0000..0xfffff */
    memset(bios, 0, sizeof(bios));
    make_rsdp(bios + 0x100, 0, RSDT_PA, 0);
    bios[0x100 + 8] ^= 1;                   /* decoy with a bad checksum */
    make_rsdp(bios + 0x208, 0, RSDT_PA, 0); /* valid but not on a 16-byte boundary */
    make_rsdp(bios + 0x1230, 2, RSDT_PA, XSDT_PA);
    assert_ptr_equal(acpi_scan_rsdp(bios, sizeof(bios)), bios + 0x1230);
}

static void scan_rejects_invalid(void **state)
{
    (void)state;
    uint8_t area[256] = { 0 };
    make_rsdp(area, 0, RSDT_PA, 0);
    area[19] ^= 0x40;                       /* first checksum covers bytes 0..19 */
    make_rsdp(area + 0x40, 2, RSDT_PA, XSDT_PA);
    area[0x40 + 30] = 0x11;                 /* breaks only the extended checksum */
    make_rsdp(area + 0x80, 2, RSDT_PA, XSDT_PA);
    put32(area + 0x80 + 20, 20);            /* revision 2 claiming a v1 length */
    assert_null(acpi_scan_rsdp(area, sizeof(area)));
}

static void scan_checks_bounds(void **state)
{
    (void)state;
    uint8_t area[128] = { 0 };
    make_rsdp(area + 32, 2, RSDT_PA, XSDT_PA);
    assert_null(acpi_scan_rsdp(area, 0));
    assert_null(acpi_scan_rsdp(area, 19));
    assert_null(acpi_scan_rsdp(area, 32 + 19));
    /* Only the first 20 bytes fit: the extended checksum cannot be checked. */
    area[32 + 30] = 0x11;
    assert_ptr_equal(acpi_scan_rsdp(area, 32 + 20), area + 32);
    assert_null(acpi_scan_rsdp(area, sizeof(area)));
}

/* ---- acpi_find_table ---- */

static void find_via_rsdt(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    const char *err = NULL;
    make_platform();
    make_rsdp(rsdp, 0, RSDT_PA, 0);
    assert_int_equal(acpi_find_table(rsdp, 20, map, "APIC", &err), MADT_PA);
    assert_int_equal(acpi_find_table(rsdp, 20, map, "FACP", &err), FADT_PA);
    assert_int_equal(acpi_find_table(rsdp, 20, map, "HPET", &err), 0);
    assert_int_equal(acpi_find_table(rsdp, 20, map, "APIC", NULL), MADT_PA);
    assert_null(err);
}

static void find_via_xsdt(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    const char *err = NULL;
    make_platform();
    /* An RSDT that lacks the MADT shows that revision 2 reads the XSDT. */
    const uint32_t r[] = { FADT_PA };
    make_rsdt(r, 1);
    make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
    assert_int_equal(acpi_find_table(rsdp, sizeof(rsdp), map, "APIC", &err), MADT_PA);
    assert_int_equal(acpi_find_table(rsdp, sizeof(rsdp), map, "FACP", &err), FADT_PA);
    assert_int_equal(acpi_find_table(rsdp, sizeof(rsdp), map, "DMAR", &err), 0);
    assert_null(err);
}

static void find_falls_back_to_rsdt_without_xsdt(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    const char *err = NULL;
    make_platform();
    make_rsdp(rsdp, 2, RSDT_PA, 0);
    assert_int_equal(acpi_find_table(rsdp, sizeof(rsdp), map, "APIC", &err), MADT_PA);
    assert_null(err);
}

static void find_skips_invalid_entries(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    const char *err = NULL;
    make_platform();
    make_dummy(0x4000, "APIC", 64);
    phys[0x4000 + 40] ^= 1;                         /* bad checksum */
    make_dummy(0x4100, "APIC", 64);
    put32(phys + 0x4100 + 4, 0xf000);               /* length runs out of memory */
    make_dummy(0x4200, "APIC", 64);
    put32(phys + 0x4200 + 4, 20);                   /* length below the header */
    make_dummy(0x4300, "APIC", 64);
    put32(phys + 0x4300 + 4, 0x200000);             /* length above the 1 MiB cap */
    const uint64_t x[] = { 0, OUTSIDE_PA, MEM_SIZE - 8, 0x4000, 0x4100, 0x4200, 0x4300,
                           FADT_PA, MADT_PA };
    make_xsdt(x, 9);
    make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
    assert_int_equal(acpi_find_table(rsdp, sizeof(rsdp), map, "APIC", &err), MADT_PA);
    assert_null(err);
}

/* Runs acpi_find_table expecting 0 and the message `want`. */
static void expect_root_error(const uint8_t *rsdp, size_t len, const char *want)
{
    const char *err = NULL;
    assert_int_equal(acpi_find_table(rsdp, len, map, "APIC", &err), 0);
    assert_non_null(err);
    assert_string_equal(err, want);
}

static void find_rejects_bad_rsdp(void **state)
{
    (void)state;
    uint8_t rsdp[40];
    make_platform();
    make_rsdp(rsdp, 0, RSDT_PA, 0);
    expect_root_error(rsdp, 19, "ACPI: RSDP truncated");
    expect_root_error(NULL, 20, "ACPI: RSDP truncated");
    rsdp[10] ^= 1;
    expect_root_error(rsdp, 20, "ACPI: RSDP checksum mismatch");
    make_rsdp(rsdp, 0, RSDT_PA, 0);
    rsdp[0] = 'r';
    expect_root_error(rsdp, 20, "ACPI: RSDP signature mismatch");
    make_rsdp(rsdp, 0, 0, 0);
    expect_root_error(rsdp, 20, "ACPI: RSDP names no root table");
    make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
    expect_root_error(rsdp, 20, "ACPI: RSDP truncated");
    expect_root_error(rsdp, 35, "ACPI: RSDP truncated");
    put32(rsdp + 20, 40);                   /* length beyond the copy */
    expect_root_error(rsdp, 36, "ACPI: RSDP truncated");
    make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
    rsdp[33] = 7;
    expect_root_error(rsdp, 36, "ACPI: RSDP extended checksum mismatch");
    /* err may be NULL. */
    assert_int_equal(acpi_find_table(rsdp, 36, map, "APIC", NULL), 0);
}

static void find_rejects_bad_xsdt(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    make_platform();
    make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
    phys[XSDT_PA + HDR_LEN] ^= 1;
    expect_root_error(rsdp, 36, "ACPI: XSDT checksum mismatch");
    make_platform();
    memcpy(phys + XSDT_PA, "RSDT", 4);
    expect_root_error(rsdp, 36, "ACPI: XSDT signature mismatch");
    const uint32_t bad_len[] = { 0, 35, HDR_LEN + 4, HDR_LEN + 12, 0x100001, 0xffffffff };
    for (unsigned i = 0; i < 6; i++) {
        make_platform();
        put32(phys + XSDT_PA + 4, bad_len[i]);
        expect_root_error(rsdp, 36, "ACPI: XSDT length invalid");
    }
    make_platform();
    put32(phys + XSDT_PA + 4, 0x80004);     /* whole entries, but runs out of memory */
    expect_root_error(rsdp, 36, "ACPI: XSDT unmappable");
    make_rsdp(rsdp, 2, RSDT_PA, OUTSIDE_PA);
    expect_root_error(rsdp, 36, "ACPI: XSDT unmappable");
}

static void find_rejects_bad_rsdt(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    make_platform();
    make_rsdp(rsdp, 0, RSDT_PA, 0);
    phys[RSDT_PA + HDR_LEN + 1] ^= 1;
    expect_root_error(rsdp, 20, "ACPI: RSDT checksum mismatch");
    make_platform();
    put32(phys + RSDT_PA + 4, HDR_LEN + 6);
    expect_root_error(rsdp, 20, "ACPI: RSDT length invalid");
    make_rsdp(rsdp, 0, MEM_SIZE - 10, 0);
    expect_root_error(rsdp, 20, "ACPI: RSDT unmappable");
}

/* ---- acpi_parse_madt ---- */

static void madt_qemu_one_cpu(void **state)
{
    (void)state;
    struct acpi_madt m;
    make_qemu_madt(MADT_PA, 1);
    assert_null(acpi_parse_madt(MADT_PA, map, &m));
    assert_int_equal(m.lapic_addr, LAPIC_ADDR);
    assert_true(m.pcat_compat);
    assert_int_equal(m.cpu_count, 1);
    assert_int_equal(m.cpus_ignored, 0);
    assert_int_equal(m.cpus[0].apic_id, 0);
    assert_int_equal(m.ioapic_count, 1);
    assert_int_equal(m.ioapics[0].id, 0);
    assert_int_equal(m.ioapics[0].addr, IOAPIC_ADDR);
    assert_int_equal(m.ioapics[0].gsi_base, 0);
    assert_int_equal(m.override_count, 5);
    assert_int_equal(m.overrides[0].irq, 0);
    assert_int_equal(m.overrides[0].gsi, 2);
    assert_int_equal(m.overrides[0].flags, 0);
    assert_int_equal(m.overrides[4].irq, 11);
    assert_int_equal(m.overrides[4].gsi, 11);
    assert_int_equal(m.overrides[4].flags, INTI_LEVEL_HIGH);
}

static void madt_qemu_four_cpus(void **state)
{
    (void)state;
    struct acpi_madt m;
    make_qemu_madt(MADT_PA, 4);
    assert_null(acpi_parse_madt(MADT_PA, map, &m));
    assert_int_equal(m.cpu_count, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(m.cpus[i].apic_id, i);
        assert_int_equal(m.cpus[i].uid, i);
    }
}

/* Bochs' BIOS: no PCAT flag, sparse APIC ids, two overrides. */
static void madt_bochs_two_cpus(void **state)
{
    (void)state;
    struct acpi_madt m;
    struct madt_b b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
    madt_lapic(&b, 0, 0, CPU_ENABLED);
    madt_lapic(&b, 1, 2, CPU_ENABLED);
    madt_ioapic(&b, 2, IOAPIC_ADDR, 0);
    madt_iso(&b, 0, 2, 0);
    madt_iso(&b, 9, 9, INTI_LEVEL_HIGH);
    madt_end(&b);
    assert_null(acpi_parse_madt(MADT_PA, map, &m));
    assert_false(m.pcat_compat);
    assert_int_equal(m.cpu_count, 2);
    assert_int_equal(m.cpus[1].apic_id, 2);
    assert_int_equal(m.cpus[1].uid, 1);
    assert_int_equal(m.ioapic_count, 1);
    assert_int_equal(m.ioapics[0].id, 2);
    assert_int_equal(m.override_count, 2);
    assert_int_equal(m.overrides[1].irq, 9);
}

static void madt_x2apic_and_address_override(void **state)
{
    (void)state;
    struct acpi_madt m;
    struct madt_b b = madt_begin(MADT_PA, LAPIC_ADDR, MADT_PCAT);
    madt_x2apic(&b, 0x100, CPU_ENABLED, 10);
    madt_x2apic(&b, 0x101, 0, 11);                  /* disabled */
    madt_x2apic(&b, 0x102, CPU_ONLINE_CAPABLE, 12);
    madt_lapic_addr(&b, 0x1fee00000ull);
    madt_end(&b);
    assert_null(acpi_parse_madt(MADT_PA, map, &m));
    assert_int_equal(m.lapic_addr, 0x1fee00000ull);
    assert_int_equal(m.cpu_count, 2);
    assert_int_equal(m.cpus[0].apic_id, 0x100);
    assert_int_equal(m.cpus[0].uid, 10);
    assert_int_equal(m.cpus[1].apic_id, 0x102);
    assert_int_equal(m.cpus[1].uid, 12);
}

static void madt_skips_disabled_and_duplicates(void **state)
{
    (void)state;
    struct acpi_madt m;
    struct madt_b b = madt_begin(MADT_PA, LAPIC_ADDR, MADT_PCAT);
    madt_lapic(&b, 0, 0, CPU_ENABLED);
    madt_lapic(&b, 1, 1, 0);                        /* disabled, not online capable */
    madt_lapic(&b, 2, 2, CPU_ONLINE_CAPABLE);       /* hot-pluggable: counted */
    madt_lapic(&b, 3, 0, CPU_ENABLED);              /* duplicate id 0 */
    madt_x2apic(&b, 2, CPU_ENABLED, 9);             /* duplicate id 2 as x2APIC */
    madt_raw(&b, 0x7f, 3);                          /* unknown type: skipped */
    madt_end(&b);
    assert_null(acpi_parse_madt(MADT_PA, map, &m));
    assert_int_equal(m.cpu_count, 2);
    assert_int_equal(m.cpus[0].apic_id, 0);
    assert_int_equal(m.cpus[0].uid, 0);
    assert_int_equal(m.cpus[1].apic_id, 2);
    assert_int_equal(m.cpus[1].uid, 2);
}

static void madt_limits_counts(void **state)
{
    (void)state;
    struct acpi_madt m;
    struct madt_b b = madt_begin(MADT_PA, LAPIC_ADDR, MADT_PCAT);
    for (unsigned i = 0; i < ACPI_MAX_CPUS + 6; i++)
        madt_lapic(&b, (uint8_t)i, (uint8_t)i, CPU_ENABLED);
    for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
        madt_ioapic(&b, (uint8_t)i, IOAPIC_ADDR + 0x1000 * i, 24 * i);
    for (unsigned i = 0; i < ACPI_MAX_OVERRIDES + 3; i++)
        madt_iso(&b, (uint8_t)i, i, 0);
    madt_end(&b);
    assert_null(acpi_parse_madt(MADT_PA, map, &m));
    assert_int_equal(m.cpu_count, ACPI_MAX_CPUS);
    assert_int_equal(m.cpus_ignored, 6);
    assert_int_equal(m.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
    assert_int_equal(m.ioapic_count, ACPI_MAX_IOAPICS);
    assert_int_equal(m.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base, 24 * (ACPI_MAX_IOAPICS - 1));
    assert_int_equal(m.override_count, ACPI_MAX_OVERRIDES);
}

static void expect_madt_error(const char *want)
{
    struct acpi_madt m;
    const char *err = acpi_parse_madt(MADT_PA, map, &m);
    assert_non_null(err);
    assert_string_equal(err, want);
}

static void madt_rejects_bad_entries(void **state)
{
    (void)state;
    struct madt_b b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
    madt_lapic(&b, 0, 0, CPU_ENABLED);
    madt_raw(&b, 0, 0);                     /* would loop forever if trusted */
    madt_end(&b);
    expect_madt_error("ACPI: MADT entry length below 2");

    b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
    madt_lapic(&b, 0, 0, CPU_ENABLED);
    madt_raw(&b, 0x7f, 1);
    madt_end(&b);
    expect_madt_error("ACPI: MADT entry length below 2");

    b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
    madt_lapic(&b, 0, 0, CPU_ENABLED);
    madt_raw(&b, 1, 12);
    b.len -= 4;                             /* the IOAPIC entry crosses the end */
    madt_end(&b);
    expect_madt_error("ACPI: MADT entry runs past the table");

    b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
    madt_lapic(&b, 0, 0, CPU_ENABLED);
    b.len += 1;                             /* one stray byte after the last entry */
    madt_end(&b);
    expect_madt_error("ACPI: MADT entry runs past the table");
}

static void madt_rejects_short_entries(void **state)
{
    (void)state;
    const uint8_t types[] = { 0, 1, 2, 5, 9 };
    const uint8_t need[] = { 8, 12, 10, 12, 16 };
    for (unsigned i = 0; i < sizeof(types); i++) {
        reset_mem(NULL);
        struct madt_b b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
        madt_lapic(&b, 0, 0, CPU_ENABLED);
        madt_raw(&b, types[i], (uint8_t)(need[i] - 1));
        madt_end(&b);
        expect_madt_error("ACPI: MADT entry too short for its type");
    }
}

static void madt_rejects_no_cpu(void **state)
{
    (void)state;
    struct madt_b b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
    madt_ioapic(&b, 0, IOAPIC_ADDR, 0);
    madt_end(&b);
    expect_madt_error("ACPI: MADT lists no usable CPU");

    b = madt_begin(MADT_PA, LAPIC_ADDR, 0);
    madt_lapic(&b, 0, 0, 0);
    madt_x2apic(&b, 1, 0, 1);
    madt_end(&b);
    expect_madt_error("ACPI: MADT lists no usable CPU");
}

static void madt_rejects_bad_header(void **state)
{
    (void)state;
    struct acpi_madt m;
    make_qemu_madt(MADT_PA, 2);
    phys[MADT_PA + MADT_HDR_LEN + 3] ^= 1;
    expect_madt_error("ACPI: MADT checksum mismatch");
    make_qemu_madt(MADT_PA, 2);
    memcpy(phys + MADT_PA, "APIX", 4);
    expect_madt_error("ACPI: MADT signature mismatch");
    make_qemu_madt(MADT_PA, 2);
    put32(phys + MADT_PA + 4, MADT_HDR_LEN - 1);
    expect_madt_error("ACPI: MADT length invalid");
    put32(phys + MADT_PA + 4, 0xfffffff0);
    expect_madt_error("ACPI: MADT length invalid");
    put32(phys + MADT_PA + 4, 0xf0000);     /* under the cap, past the end of memory */
    expect_madt_error("ACPI: MADT unmappable");
    assert_string_equal(acpi_parse_madt(OUTSIDE_PA, map, &m), "ACPI: MADT unmappable");
    assert_string_equal(acpi_parse_madt(MEM_SIZE - 20, map, &m), "ACPI: MADT unmappable");
}

/* The MADT that acpi_find_table returns parses: the two halves fit together. */
static void find_then_parse(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    struct acpi_madt m;
    const char *err = NULL;
    make_platform();
    make_qemu_madt(MADT2_PA, 4);
    phys[MADT_PA + 50] ^= 1;                /* first MADT corrupt: use the second */
    const uint64_t x[] = { FADT_PA, MADT_PA, MADT2_PA, BAD_PA };
    make_xsdt(x, 4);
    make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
    uint64_t pa = acpi_find_table(rsdp, sizeof(rsdp), map, "APIC", &err);
    assert_int_equal(pa, MADT2_PA);
    assert_null(acpi_parse_madt(pa, map, &m));
    assert_int_equal(m.cpu_count, 4);
}

#define T(f) cmocka_unit_test_setup(f, reset_mem)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(scan_finds_rsdp_in_bios_area),
        T(scan_rejects_invalid),
        T(scan_checks_bounds),
        T(find_via_rsdt),
        T(find_via_xsdt),
        T(find_falls_back_to_rsdt_without_xsdt),
        T(find_skips_invalid_entries),
        T(find_rejects_bad_rsdp),
        T(find_rejects_bad_xsdt),
        T(find_rejects_bad_rsdt),
        T(find_then_parse),
        T(madt_qemu_one_cpu),
        T(madt_qemu_four_cpus),
        T(madt_bochs_two_cpus),
        T(madt_x2apic_and_address_override),
        T(madt_skips_disabled_and_duplicates),
        T(madt_limits_counts),
        T(madt_rejects_bad_entries),
        T(madt_rejects_short_entries),
        T(madt_rejects_no_cpu),
        T(madt_rejects_bad_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
