/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the VMM's firmware tables (vmm/firmware): the MP table and ACPI
   tables are written into a fake guest RAM and read back: signatures, lengths, checksums,
   entries; the MADT also through the hypervisor's own ACPI parser (hypervisor/acpi.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "acpi.h"
#include "../../vmm/firmware/firmware.h"

#define RAM_SIZE 0x100000u
#define HDR_LEN 36
static uint8_t ram[RAM_SIZE];

static const struct fw_config config = {
    .ram = ram, .ram_size = RAM_SIZE, .lapic_addr = 0xfee00000u, .ioapic_addr = 0xfec00000u,
    .lapic_id = 0, .lapic_version = 0x14, .ioapic_id = 0, .ioapic_version = 0x11,
    .cpu_signature = 0x50654, .cpu_features = 0xbfebfbff, .pm_base = 0x600, .sci_irq = 9,
};

static uint32_t get(const uint8_t *p, unsigned bytes)
{
    uint32_t v = 0;
    memcpy(&v, p, bytes);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static const void *map(uint64_t pa, size_t len)
{
    if (pa > RAM_SIZE || len > RAM_SIZE - pa)
        return NULL;
    return ram + pa;
}

static int setup(void **state)
{
    (void)state;
    memset(ram, 0xcc, sizeof(ram));
    return 0;
}

/* The MP floating pointer as an OS finds it: a 16-byte boundary in 0xf0000-0xfffff. */
static const uint8_t *find_mpf(void)
{
    for (uint32_t a = 0xf0000; a < 0x100000; a += 16)
        if (!memcmp(ram + a, "_MP_", 4) && ram[a + 8] == 1 && !fw_sum(ram + a, 16))
            return ram + a;
    return NULL;
}

/* FW0001: the MP table: floating pointer and configuration table with right checksums,
   the entry count and base length agree with the entries walked; CPU (enabled, BSP),
   the ISA bus, the I/O APIC, ISA IRQs 0-15 but 2 with IRQ 0 on pin 2, ExtINT on LINT0
   and NMI on LINT1. */
static void fw_mptable(void **state)
{
    (void)state;
    assert_true(fw_write_mptable(&config));
    const uint8_t *f = find_mpf();
    assert_non_null(f);
    assert_int_equal(f[9], 4);
    assert_int_equal(f[11], 0);                 /* a table follows, not a default config */
    const uint8_t *t = ram + get(f + 4, 4);
    assert_memory_equal(t, "PCMP", 4);
    unsigned len = get(t + 4, 2), count = get(t + 34, 2);
    assert_int_equal(fw_sum(t, len), 0);
    assert_int_equal(get(t + 36, 4), 0xfee00000u);
    unsigned off = 44, seen[5] = { 0 }, pins[16], isa = 0;
    memset(pins, 0xff, sizeof(pins));
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = t + off;
        assert_true(e[0] <= 4);
        seen[e[0]]++;
        if (e[0] == 0) {
            assert_int_equal(e[3], 3);
            assert_int_equal(get(e + 4, 4), 0x50654);
        } else if (e[0] == 1) {
            assert_memory_equal(e + 2, "ISA   ", 6);
        } else if (e[0] == 2) {
            assert_int_equal(e[2], 0x11);
            assert_int_equal(get(e + 4, 4), 0xfec00000u);
        } else if (e[0] == 3) {
            assert_int_equal(e[1], 0);
            assert_true(e[5] < 16);
            pins[e[5]] = e[7];
            isa++;
        } else {
            assert_int_equal(e[6], 0xff);
            assert_int_equal(e[7], e[1] == 3 ? 0 : 1);
        }
        off += e[0] == 0 ? 20 : 8;
    }
    assert_int_equal(off, len);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 1);
    assert_int_equal(seen[4], 2);
    assert_int_equal(isa, 15);
    assert_int_equal(pins[0], 2);
    assert_int_equal(pins[2], 0xffffffffu);
    for (unsigned irq = 3; irq < 16; irq++)
        assert_int_equal(pins[irq], irq);
}

/* FW0005: with PCI devices: a PCI bus 0 entry before the ISA bus, an I/O interrupt entry
   per INTA# (bus 0, source IRQ device << 2, level and active high, on its line's pin),
   and no ISA entry for those lines. */
static void fw_mptable_pci(void **state)
{
    (void)state;
    struct fw_config c = config;
    c.pci_count = 2;
    c.pci_dev[0] = 1, c.pci_irq[0] = 10;
    c.pci_dev[1] = 3, c.pci_irq[1] = 5;
    assert_true(fw_write_mptable(&c));
    const uint8_t *f = find_mpf();
    assert_non_null(f);
    const uint8_t *t = ram + get(f + 4, 4);
    unsigned len = get(t + 4, 2), count = get(t + 34, 2), off = 44, isa = 0, pci = 0;
    assert_int_equal(fw_sum(t, len), 0);
    unsigned buses[2] = { 0xff, 0xff }, nbus = 0;
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = t + off;
        if (e[0] == 1 && nbus < 2)
            buses[nbus++] = e[1] | (memcmp(e + 2, "PCI   ", 6) == 0 ? 0x100 : 0);
        if (e[0] == 3 && e[4] == 1) {
            assert_true(e[5] != 5 && e[5] != 10);
            isa++;
        }
        if (e[0] == 3 && e[4] == 0) {
            assert_int_equal(get(e + 2, 2), 0xd);
            assert_int_equal(e[7], e[5] == 1 << 2 ? 10 : 5);
            pci++;
        }
        off += e[0] == 0 ? 20 : 8;
    }
    assert_int_equal(off, len);
    assert_int_equal(buses[0], 0x100);          /* PCI, bus 0 */
    assert_int_equal(buses[1], 1);              /* ISA, bus 1 */
    assert_int_equal(isa, 13);
    assert_int_equal(pci, 2);
}

static const uint8_t *table(const uint8_t *rsdp, const char *sig)
{
    uint64_t pa = acpi_find_table(rsdp, 36, map, sig, NULL);
    return pa ? ram + pa : NULL;
}

/* FW0002: ACPI: the RSDP in 0xe0000-0xfffff with both checksums, RSDT and XSDT listing
   the same tables with right lengths and checksums; the FADT's PM blocks and the DSDT. */
static void fw_acpi_tables(void **state)
{
    (void)state;
    assert_true(fw_write_acpi(&config));
    const uint8_t *rsdp = acpi_scan_rsdp(ram + 0xe0000, 0x20000);
    assert_non_null(rsdp);
    assert_int_equal(fw_sum(rsdp, 20), 0);
    assert_int_equal(fw_sum(rsdp, 36), 0);
    assert_int_equal(rsdp[15], 2);
    const uint8_t *rsdt = ram + get(rsdp + 16, 4), *xsdt = ram + get64(rsdp + 24);
    assert_memory_equal(rsdt, "RSDT", 4);
    assert_memory_equal(xsdt, "XSDT", 4);
    unsigned n = (get(rsdt + 4, 4) - HDR_LEN) / 4;
    assert_int_equal(n, (get(xsdt + 4, 4) - HDR_LEN) / 8);
    assert_int_equal(fw_sum(rsdt, get(rsdt + 4, 4)), 0);
    assert_int_equal(fw_sum(xsdt, get(xsdt + 4, 4)), 0);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(get(rsdt + HDR_LEN + 4 * i, 4), get64(xsdt + HDR_LEN + 8 * i));
    const uint8_t *fadt = table(rsdp, "FACP");
    assert_non_null(fadt);
    assert_int_equal(get(fadt + 4, 4), 244);
    assert_int_equal(get(fadt + 46, 2), 9);         /* SCI_INT */
    assert_int_equal(get(fadt + 48, 4), 0);         /* SMI_CMD: always ACPI mode */
    assert_int_equal(get(fadt + 56, 4), 0x600);     /* PM1a_EVT_BLK */
    assert_int_equal(get(fadt + 64, 4), 0x604);     /* PM1a_CNT_BLK */
    assert_int_equal(get(fadt + 76, 4), 0x608);     /* PM_TMR_BLK */
    assert_int_equal(fadt[91], 4);
    assert_int_equal(get64(fadt + 208 + 4), 0x608); /* X_PM_TMR_BLK */
    assert_int_equal(fadt[208], 1);                 /* system I/O */
    assert_int_equal(get(fadt + 112, 4) & (1u << 8), 0);    /* 24-bit timer */
    const uint8_t *facs = ram + get(fadt + 36, 4), *dsdt = ram + get(fadt + 40, 4);
    assert_memory_equal(facs, "FACS", 4);
    assert_int_equal(get(facs + 4, 4), 64);
    assert_int_equal((facs - ram) % 64, 0);
    assert_memory_equal(dsdt, "DSDT", 4);
    unsigned dlen = get(dsdt + 4, 4);
    assert_int_equal(fw_sum(dsdt, dlen), 0);
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12 };
    assert_memory_equal(dsdt + HDR_LEN, s5, sizeof(s5));
    assert_int_equal(dsdt[HDR_LEN + 6], dlen - HDR_LEN - 6);    /* PkgLength to the end */
}

/* FW0003: the MADT as the hypervisor's parser reads it: one CPU, one I/O APIC at GSI 0,
   IRQ 0 -> GSI 2 and the SCI level/high; PC-AT compatible. */
static void fw_acpi_madt(void **state)
{
    (void)state;
    assert_true(fw_write_acpi(&config));
    const uint8_t *rsdp = acpi_scan_rsdp(ram + 0xe0000, 0x20000);
    uint64_t pa = acpi_find_table(rsdp, 36, map, "APIC", NULL);
    assert_true(pa != 0);
    static struct acpi_madt m;
    assert_null(acpi_parse_madt(pa, map, &m));
    assert_int_equal(m.lapic_addr, 0xfee00000u);
    assert_true(m.pcat_compat);
    assert_int_equal(m.cpu_count, 1);
    assert_int_equal(m.cpus[0].apic_id, 0);
    assert_int_equal(m.ioapic_count, 1);
    assert_int_equal(m.ioapics[0].addr, 0xfec00000u);
    assert_int_equal(m.ioapics[0].gsi_base, 0);
    assert_int_equal(m.override_count, 2);
    assert_int_equal(m.overrides[0].irq, 0);
    assert_int_equal(m.overrides[0].gsi, 2);
    assert_int_equal(m.overrides[1].irq, 9);
    assert_int_equal(m.overrides[1].flags, 0xd);
}

/* FW0004: too little RAM for the BIOS area: nothing is written. */
static void fw_small_ram(void **state)
{
    (void)state;
    struct fw_config c = config;
    c.ram_size = 0xe0000;
    assert_false(fw_write_acpi(&c));
    assert_false(fw_write_mptable(&c));
    for (unsigned i = 0; i < RAM_SIZE; i++)
        assert_int_equal(ram[i], 0xcc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(fw_mptable, setup),
        cmocka_unit_test_setup(fw_mptable_pci, setup),
        cmocka_unit_test_setup(fw_acpi_tables, setup),
        cmocka_unit_test_setup(fw_acpi_madt, setup),
        cmocka_unit_test_setup(fw_small_ram, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
