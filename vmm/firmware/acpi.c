/* SPDX-License-Identifier: MIT */
/* Vireo VMM: ACPI tables (ACPI 6.4 chapter 5): an RSDP (revision 2) pointing at an RSDT
   and an XSDT that list the FADT and the MADT; the FADT (revision 4) names the FACS, the
   DSDT, the PM1a event and control blocks and the 24-bit PM timer of vmm/dev/acpi_pm.c,
   with SMI_CMD 0 (the machine is always in ACPI mode); the MADT has the local APIC, the
   I/O APIC, the override of ISA IRQ 0 to GSI 2 and of the SCI (level, active high), and
   LINT1 as NMI. The DSDT's AML defines only \_S5 (soft off, SLP_TYP 5). */
#include "firmware.h"

#define HDR_LEN 36
#define RSDP_LEN 36
#define RSDP_V1_LEN 20
#define RSDT_AT 0x040u                  /* offsets from FW_ACPI_BASE */
#define XSDT_AT 0x080u
#define FADT_AT 0x100u
#define FACS_AT 0x200u                  /* 64-byte aligned */
#define MADT_AT 0x240u
#define DSDT_AT 0x300u
#define FADT_LEN 244
#define FADT_REV 4
#define FACS_LEN 64
#define TABLES 2                        /* FADT, MADT */
#define PM1_EVT_LEN 4
#define PM1_CNT_LEN 2
#define PM_TMR_LEN 4
#define PM_CNT_AT 4
#define PM_TMR_AT 8
#define PROFILE_DESKTOP 1
#define BOOT_ARCH_LEGACY 1u             /* ISA devices; no 8042 (none is modelled) */
#define FADT_WBINVD (1u << 0)
#define FADT_C1 (1u << 2)
#define FADT_PWR_BUTTON (1u << 4)       /* no fixed-feature power button */
#define FADT_SLP_BUTTON (1u << 5)
#define C2_NONE 101
#define C3_NONE 1001
#define CENTURY 0x32
#define GAS_IO 1
#define GAS_BYTE 1
#define GAS_WORD 2
#define GAS_DWORD 3
#define MADT_PCAT 1u
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_NMI 4
#define LAPIC_ENABLED 1u
#define ISO_LEVEL_HIGH 0x000du          /* polarity 01 active high, trigger 11 level */
#define ALL_CPUS 0xff
#define PIT_IRQ 0
#define PIT_GSI 2

/* DefName(\_S5_, Package(4) { 5, 5, 0, 0 }): SLP_TYP for PM1a and PM1b, two reserved. */
static const uint8_t dsdt_aml[] = {
    0x08, '_', 'S', '5', '_',           /* NameOp, NameSeg */
    0x12, 0x08, 0x04,                   /* PackageOp, PkgLength 8, NumElements 4 */
    0x0a, 0x05, 0x0a, 0x05,             /* BytePrefix 5, BytePrefix 5 */
    0x00, 0x00,                         /* ZeroOp, ZeroOp */
};

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    for (unsigned i = 0; i < 4; i++)
        t[i] = (uint8_t)sig[i];
    fw_put(t, 4, len, 4);
    t[8] = rev;
    for (unsigned i = 0; i < 6; i++)
        t[10 + i] = (uint8_t)"VIREO "[i];
    for (unsigned i = 0; i < 8; i++)
        t[16 + i] = (uint8_t)"VIREOVMM"[i];
    fw_put(t, 24, 1, 4);                /* OEM revision */
    for (unsigned i = 0; i < 4; i++)
        t[28 + i] = (uint8_t)"VIRE"[i];
    fw_put(t, 32, 1, 4);                /* creator revision */
}

static void checksum(uint8_t *t, unsigned at, unsigned len)
{
    t[at] = 0;
    t[at] = (uint8_t)-fw_sum(t, len);
}

/* A Generic Address Structure for a block of I/O ports. */
static void gas_io(uint8_t *p, unsigned off, uint16_t port, uint8_t bytes, uint8_t access)
{
    p[off] = GAS_IO;
    p[off + 1] = (uint8_t)(bytes * 8);
    p[off + 2] = 0;
    p[off + 3] = access;
    fw_put(p, off + 4, port, 8);
}

static void fadt(const struct fw_config *c, uint8_t *t)
{
    uint16_t evt = c->pm_base, cnt = (uint16_t)(c->pm_base + PM_CNT_AT);
    uint16_t tmr = (uint16_t)(c->pm_base + PM_TMR_AT);
    header(t, "FACP", FADT_LEN, FADT_REV);
    fw_put(t, 36, FW_ACPI_BASE + FACS_AT, 4);
    fw_put(t, 40, FW_ACPI_BASE + DSDT_AT, 4);
    t[45] = PROFILE_DESKTOP;
    fw_put(t, 46, c->sci_irq, 2);
    fw_put(t, 56, evt, 4);
    fw_put(t, 64, cnt, 4);
    fw_put(t, 76, tmr, 4);
    t[88] = PM1_EVT_LEN;
    t[89] = PM1_CNT_LEN;
    t[91] = PM_TMR_LEN;
    fw_put(t, 96, C2_NONE, 2);
    fw_put(t, 98, C3_NONE, 2);
    t[108] = CENTURY;
    fw_put(t, 109, BOOT_ARCH_LEGACY, 2);
    fw_put(t, 112, FADT_WBINVD | FADT_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON, 4);
    gas_io(t, 148, evt, PM1_EVT_LEN, GAS_WORD);
    gas_io(t, 172, cnt, PM1_CNT_LEN, GAS_WORD);
    gas_io(t, 208, tmr, PM_TMR_LEN, GAS_DWORD);
    checksum(t, 9, FADT_LEN);
}

static unsigned madt(const struct fw_config *c, uint8_t *t)
{
    unsigned off = 44;
    fw_put(t, 36, c->lapic_addr, 4);
    fw_put(t, 40, MADT_PCAT, 4);
    uint8_t lapic[8] = { MADT_LAPIC, 8, 0, c->lapic_id, LAPIC_ENABLED };
    uint8_t ioapic[12] = { MADT_IOAPIC, 12, c->ioapic_id };
    fw_put(ioapic, 4, c->ioapic_addr, 4);               /* GSI base 0 */
    uint8_t pit[10] = { MADT_OVERRIDE, 10, 0, PIT_IRQ };
    fw_put(pit, 4, PIT_GSI, 4);                         /* flags 0: as the bus has it */
    uint8_t sci[10] = { MADT_OVERRIDE, 10, 0, c->sci_irq };
    fw_put(sci, 4, c->sci_irq, 4);
    fw_put(sci, 8, ISO_LEVEL_HIGH, 2);
    uint8_t nmi[6] = { MADT_LAPIC_NMI, 6, ALL_CPUS, 0, 0, 1 };  /* LINT1 */
    const struct { const uint8_t *p; unsigned len; } parts[] = {
        { lapic, sizeof(lapic) }, { ioapic, sizeof(ioapic) }, { pit, sizeof(pit) },
        { sci, sizeof(sci) }, { nmi, sizeof(nmi) },
    };
    for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        for (unsigned j = 0; j < parts[i].len; j++)
            t[off++] = parts[i].p[j];
    header(t, "APIC", off, 5);
    checksum(t, 9, off);
    return off;
}

static void sdts(uint8_t *a)
{
    const uint32_t tables[TABLES] = { FW_ACPI_BASE + FADT_AT, FW_ACPI_BASE + MADT_AT };
    uint8_t *rsdt = a + RSDT_AT, *xsdt = a + XSDT_AT;
    header(rsdt, "RSDT", HDR_LEN + 4 * TABLES, 1);
    header(xsdt, "XSDT", HDR_LEN + 8 * TABLES, 1);
    for (unsigned i = 0; i < TABLES; i++) {
        fw_put(rsdt, HDR_LEN + 4 * i, tables[i], 4);
        fw_put(xsdt, HDR_LEN + 8 * i, tables[i], 8);
    }
    checksum(rsdt, 9, HDR_LEN + 4 * TABLES);
    checksum(xsdt, 9, HDR_LEN + 8 * TABLES);
}

static void rsdp(uint8_t *p)
{
    for (unsigned i = 0; i < 8; i++)
        p[i] = (uint8_t)"RSD PTR "[i];
    for (unsigned i = 0; i < 6; i++)
        p[9 + i] = (uint8_t)"VIREO "[i];
    p[15] = 2;                          /* revision: ACPI 2.0 and later */
    fw_put(p, 16, FW_ACPI_BASE + RSDT_AT, 4);
    fw_put(p, 20, RSDP_LEN, 4);
    fw_put(p, 24, FW_ACPI_BASE + XSDT_AT, 8);
    checksum(p, 8, RSDP_V1_LEN);
    checksum(p, 32, RSDP_LEN);
}

bool fw_write_acpi(const struct fw_config *c)
{
    if (c->ram_size < FW_ACPI_BASE + FW_ACPI_SIZE)
        return false;
    uint8_t *a = c->ram + FW_ACPI_BASE;
    for (unsigned i = 0; i < FW_ACPI_SIZE; i++)
        a[i] = 0;
    rsdp(a);
    sdts(a);
    fadt(c, a + FADT_AT);
    uint8_t *facs = a + FACS_AT;
    for (unsigned i = 0; i < 4; i++)
        facs[i] = (uint8_t)"FACS"[i];
    fw_put(facs, 4, FACS_LEN, 4);
    facs[32] = 2;                       /* version */
    madt(c, a + MADT_AT);
    uint8_t *dsdt = a + DSDT_AT;
    header(dsdt, "DSDT", HDR_LEN + sizeof(dsdt_aml), 2);
    for (unsigned i = 0; i < sizeof(dsdt_aml); i++)
        dsdt[HDR_LEN + i] = dsdt_aml[i];
    checksum(dsdt, 9, HDR_LEN + sizeof(dsdt_aml));
    return true;
}
