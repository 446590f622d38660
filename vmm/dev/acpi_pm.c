/* SPDX-License-Identifier: MIT */
/* Vireo VMM: ACPI PM1a event/control blocks and the PM timer (ACPI 6.4 4.8.3): a 24-bit
   counter at 3.579545 MHz computed from the clock (FADT TMR_VAL_EXT clear); PM1_STS bits
   are write-one-to-clear, PM1_EN is kept; PM1_CNT reads SCI_EN set (no SMI_CMD: always in
   ACPI mode), and SLP_EN with SLP_TYP 5 (\_S5) turns the machine off. No event raises the
   SCI: neither timer overflow (TMR_STS) nor buttons are modelled. */
#include "acpi_pm.h"
#include "lib.h"

#define OFF_STS 0
#define OFF_EN 2
#define OFF_CNT 4
#define OFF_TMR 8
#define STS_BITS 0x8d31u                /* TMR, BM, GBL, PWRBTN, SLPBTN, RTC, WAK */
#define EN_BITS 0x0521u                 /* TMR, GBL, PWRBTN, SLPBTN, RTC */
#define CNT_SCI_EN 1u
#define CNT_BITS 0x1c07u                /* SCI_EN, BM_RLD, GBL_RLS, SLP_TYP */
#define CNT_SLP_TYP(v) (((v) >> 10) & 7)
#define CNT_SLP_EN (1u << 13)
#define TMR_MASK 0xffffffu
#define SAVE_MAGIC 0x4d504341u          /* "ACPM" */
#define SAVE_VERSION 1

/* The twelve ports' bytes as they read now. */
static void image(const struct acpi_pm *pm, uint8_t r[ACPI_PM_PORTS])
{
    uint32_t tmr = (uint32_t)dev_tsc_to_ticks(pm->plat, dev_now(pm->plat), ACPI_PM_HZ) & TMR_MASK;
    memset(r, 0, ACPI_PM_PORTS);
    memcpy(r + OFF_STS, &pm->s.status, 2);
    memcpy(r + OFF_EN, &pm->s.enable, 2);
    uint16_t cnt = (uint16_t)(pm->s.control | CNT_SCI_EN);
    memcpy(r + OFF_CNT, &cnt, 2);
    memcpy(r + OFF_TMR, &tmr, 4);
}

static bool acpi_pm_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct acpi_pm *pm = dev;
    uint64_t off = addr - pm->range[0].base;
    uint8_t r[ACPI_PM_PORTS];
    if ((bytes != 1 && bytes != 2 && bytes != 4) || off >= ACPI_PM_PORTS ||
        bytes > ACPI_PM_PORTS - off)
        return false;
    image(pm, r);
    *value = 0;
    memcpy(value, r + off, bytes);
    return true;
}

static void write16(struct acpi_pm *pm, unsigned reg, uint16_t v)
{
    if (reg == OFF_STS) {
        pm->s.status &= (uint16_t)~v;
    } else if (reg == OFF_EN) {
        pm->s.enable = v & EN_BITS;
    } else if (reg == OFF_CNT) {
        pm->s.control = v & CNT_BITS;
        if ((v & CNT_SLP_EN) && CNT_SLP_TYP(v) == ACPI_PM_SLP_TYP_S5 && pm->power_off)
            pm->power_off(pm->ctx);
    }
}

/* Bytes of one 16-bit register are merged with its other byte (write-one-to-clear status
   bytes with zero, which clears nothing). */
static bool acpi_pm_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct acpi_pm *pm = dev;
    uint64_t off = addr - pm->range[0].base;
    if ((bytes != 1 && bytes != 2 && bytes != 4) || off >= ACPI_PM_PORTS ||
        bytes > ACPI_PM_PORTS - off)
        return false;
    for (unsigned reg = OFF_STS; reg <= OFF_CNT; reg += 2) {
        if (off + bytes <= reg || off >= reg + 2u)
            continue;
        uint16_t cur = reg == OFF_STS ? 0 : reg == OFF_EN ? pm->s.enable : pm->s.control;
        uint8_t b[2];
        memcpy(b, &cur, 2);
        for (unsigned i = 0; i < 2; i++)
            if (reg + i >= off && reg + i < off + bytes)
                b[i] = (uint8_t)(value >> (8 * (reg + i - off)));
        uint16_t v;
        memcpy(&v, b, 2);
        write16(pm, reg, v);
    }
    return true;
}

static void acpi_pm_reset(void *dev)
{
    struct acpi_pm *pm = dev;
    pm->s = (struct acpi_pm_state){ 0 };
}

static size_t acpi_pm_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct acpi_pm *pm = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &pm->s, sizeof(pm->s), buf, len);
}

static bool acpi_pm_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct acpi_pm_state s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        (s.status & ~STS_BITS) || (s.enable & ~EN_BITS) || (s.control & ~CNT_BITS))
        return false;
    ((struct acpi_pm *)dev)->s = s;
    return true;
}

void acpi_pm_init(struct acpi_pm *pm, const struct dev_platform *p, uint16_t base,
                  void (*power_off)(void *), void *ctx)
{
    memset(pm, 0, sizeof(*pm));
    pm->plat = p;
    pm->range[0] = (struct dev_range){ DEV_PIO, base, ACPI_PM_PORTS };
    pm->power_off = power_off;
    pm->ctx = ctx;
}

const struct dev_ops acpi_pm_ops = {
    .name = "acpi-pm",
    .read = acpi_pm_read,
    .write = acpi_pm_write,
    .reset = acpi_pm_reset,
    .save = acpi_pm_save,
    .restore = acpi_pm_restore,
};
