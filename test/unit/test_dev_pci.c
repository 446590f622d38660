/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of PCI bus 0 (vmm/dev/pci.c): configuration mechanism #1 as Linux
   probes it, BAR sizing and routing, capabilities, INTx, save/restore, garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
#include "pci.h"

#define CF8 0xcf8
#define CFC 0xcfc
#define WINDOW 0xe0000000ull
#define WINDOW_SIZE 0x1000000ull
#define IRQ 10

static struct pci_bus bus;
static struct pci_func fn;
static uint8_t regs[0x1000];
static unsigned bar_reads, bar_writes, resets;

static bool fn_read(void *dev, unsigned bar, uint64_t off, unsigned bytes, uint32_t *value)
{
    assert_ptr_equal(dev, regs);
    assert_int_equal(bar, 0);
    assert_true(off + bytes <= sizeof(regs));
    bar_reads++;
    *value = pci_get(regs + off, bytes);
    return true;
}

static bool fn_write(void *dev, unsigned bar, uint64_t off, unsigned bytes, uint32_t value)
{
    (void)dev;
    assert_int_equal(bar, 0);
    assert_true(off + bytes <= sizeof(regs));
    bar_writes++;
    pci_put(regs + off, bytes, value);
    return true;
}

static void fn_reset(void *dev) { (void)dev; resets++; }

static const struct pci_func_ops fn_ops = {
    .bar_read = fn_read, .bar_write = fn_write, .reset = fn_reset,
};

static void addr(unsigned slot, unsigned reg)
{
    assert_true(pci_bus_ops.write(&bus, CF8, 4, 0x80000000u | slot << 11 | reg));
}

static uint32_t cfg_in(unsigned slot, unsigned reg, unsigned bytes)
{
    uint32_t v = 0;
    addr(slot, reg & ~3u);
    assert_true(pci_bus_ops.read(&bus, CFC + (reg & 3), bytes, &v));
    return v;
}

static void cfg_out(unsigned slot, unsigned reg, unsigned bytes, uint32_t v)
{
    addr(slot, reg & ~3u);
    assert_true(pci_bus_ops.write(&bus, CFC + (reg & 3), bytes, v));
}

static uint32_t mmio_in(uint64_t gpa, unsigned bytes)
{
    uint32_t v = 0;
    return pci_bus_ops.read(&bus, gpa, bytes, &v) ? v : 0xffffffffu;
}

static int setup(void **state)
{
    (void)state;
    fake_reset(1000);
    memset(regs, 0, sizeof(regs));
    bar_reads = bar_writes = resets = 0;
    pci_bus_init(&bus, &fake.plat, WINDOW, WINDOW_SIZE);
    pci_func_init(&fn, 0x1af4, 0x1042, 0x018000, 1, &fn_ops, regs);
    pci_func_bar(&fn, 0, 0x1000);
    assert_true(pci_bus_attach(&bus, &fn, 3, IRQ));
    assert_true(pci_bus_assign(&bus));
    pci_bus_ops.reset(&bus);
    return 0;
}

/* PCI0001: Linux's pci_check_type1(): CONFIG_ADDRESS holds a dword, byte writes to 0xcfb
   are not it; then pci_sanity_check() finds a host bridge by class. */
static void pci_linux_probe(void **state)
{
    (void)state;
    uint32_t v = 0;
    assert_false(pci_bus_ops.write(&bus, 0xcfb, 1, 1));
    assert_true(pci_bus_ops.write(&bus, CF8, 4, 0x80000000u));
    assert_true(pci_bus_ops.read(&bus, CF8, 4, &v));
    assert_int_equal(v, 0x80000000u);
    assert_false(pci_bus_ops.read(&bus, CF8, 1, &v));
    assert_int_equal(cfg_in(0, 0x0a, 2), 0x0600);
    assert_int_equal(cfg_in(0, 0x00, 4), 0x00081b36u);
    assert_int_equal(cfg_in(0, 0x0e, 1), 0);
    assert_int_equal(cfg_in(3, 0x00, 2), 0x1af4);
    assert_int_equal(cfg_in(3, 0x02, 2), 0x1042);
    assert_int_equal(cfg_in(3, 0x08, 4), 0x01800001u);
}

/* PCI0002: empty slots, other functions and buses, and a disabled address read all ones
   at every width; writes to them change nothing. */
static void pci_absent(void **state)
{
    (void)state;
    uint32_t v = 0;
    assert_int_equal(cfg_in(5, 0, 4), 0xffffffffu);
    assert_int_equal(cfg_in(31, 2, 2), 0xffff);
    assert_int_equal(cfg_in(7, 3, 1), 0xff);
    assert_true(pci_bus_ops.write(&bus, CF8, 4, 0x80000000u | 3 << 11 | 1 << 8));
    assert_true(pci_bus_ops.read(&bus, CFC, 4, &v));
    assert_int_equal(v, 0xffffffffu);
    assert_true(pci_bus_ops.write(&bus, CF8, 4, 0x80010000u | 3 << 11));
    assert_true(pci_bus_ops.read(&bus, CFC, 4, &v));
    assert_int_equal(v, 0xffffffffu);
    assert_true(pci_bus_ops.write(&bus, CF8, 4, 3 << 11));
    assert_true(pci_bus_ops.read(&bus, CFC, 2, &v));
    assert_int_equal(v, 0xffff);
    assert_true(pci_bus_ops.write(&bus, CFC, 4, 0));
    assert_int_equal(cfg_in(3, 0, 4), 0x10421af4u);
    /* CONFIG_DATA wider than what is left of its dword is not decoded */
    assert_false(pci_bus_ops.read(&bus, CFC + 2, 4, &v));
}

/* PCI0003: read-only IDs; the BAR sizing dance (6.2.5.1); the firmware's placement. */
static void pci_bar_sizing(void **state)
{
    (void)state;
    cfg_out(3, 0, 4, 0);
    assert_int_equal(cfg_in(3, 0, 4), 0x10421af4u);
    uint32_t base = cfg_in(3, 0x10, 4);
    assert_int_equal(base, WINDOW);
    assert_int_equal(fn.cfg[PCI_COMMAND] & PCI_CMD_MEM, PCI_CMD_MEM);
    cfg_out(3, 0x10, 4, 0xffffffffu);
    assert_int_equal(cfg_in(3, 0x10, 4), 0xfffff000u);
    cfg_out(3, 0x10, 4, base);
    assert_int_equal(cfg_in(3, 0x10, 4), base);
    for (unsigned b = 1; b < PCI_BARS; b++) {
        cfg_out(3, 0x10 + 4 * b, 4, 0xffffffffu);
        assert_int_equal(cfg_in(3, 0x10 + 4 * b, 4), 0);
    }
    cfg_out(3, PCI_INT_LINE, 1, 0x55);
    assert_int_equal(cfg_in(3, PCI_INT_LINE, 1), 0x55);
    assert_int_equal(cfg_in(3, PCI_INT_PIN, 1), 1);
}

/* PCI0004: MMIO reaches the BAR where the guest puts it, and nowhere once memory decode is
   off; an access running past the BAR's end is nobody's. */
static void pci_bar_routing(void **state)
{
    (void)state;
    regs[4] = 0x5a;
    assert_int_equal(mmio_in(WINDOW + 4, 1), 0x5a);
    assert_true(pci_bus_ops.write(&bus, WINDOW + 8, 4, 0xcafef00d));
    assert_int_equal(pci_get(regs + 8, 4), 0xcafef00du);
    assert_int_equal(mmio_in(WINDOW + 0xffe, 4), 0xffffffffu);
    cfg_out(3, 0x10, 4, (uint32_t)WINDOW + 0x10000);
    assert_int_equal(mmio_in(WINDOW + 4, 1), 0xffffffffu);
    assert_int_equal(mmio_in(WINDOW + 0x10004, 1), 0x5a);
    cfg_out(3, PCI_COMMAND, 2, 0);
    unsigned reads = bar_reads;
    assert_int_equal(mmio_in(WINDOW + 0x10004, 1), 0xffffffffu);
    assert_int_equal(bar_reads, reads);
    cfg_out(3, PCI_COMMAND, 2, PCI_CMD_MEM);
    assert_int_equal(mmio_in(WINDOW + 0x10004, 1), 0x5a);
    /* a BAR moved out of the window is not reached through it (nor anywhere) */
    cfg_out(3, 0x10, 4, 0x10000000);
    assert_int_equal(mmio_in(WINDOW + 0x10004, 1), 0xffffffffu);
    /* reset: the firmware's assignment again, and the function's own reset */
    pci_bus_ops.reset(&bus);
    assert_int_equal(resets, 2);
    assert_int_equal(mmio_in(WINDOW + 4, 1), 0x5a);
}

/* PCI0005: capabilities chain from 0x34, status bit 4 says there are some. */
static void pci_caps(void **state)
{
    (void)state;
    uint8_t body[20] = { 0, 0, 0, 0xaa };
    unsigned a = pci_func_cap(&fn, 0x09, body, 16);
    unsigned b = pci_func_cap(&fn, 0x09, body, 20);
    assert_int_equal(a, PCI_CAP_FIRST);
    assert_int_equal(b, PCI_CAP_FIRST + 16);
    assert_int_equal(cfg_in(3, PCI_STATUS, 2) & PCI_STATUS_CAP, PCI_STATUS_CAP);
    assert_int_equal(cfg_in(3, PCI_CAP_PTR, 1), a);
    assert_int_equal(cfg_in(3, a, 4), 0xaa100000u | b << 8 | 0x09);
    assert_int_equal(cfg_in(3, b + 1, 1), 0);
    for (unsigned i = 0; i < 20; i++)
        pci_func_cap(&fn, 0x09, body, 16);
    assert_int_equal(pci_func_cap(&fn, 0x09, body, 16), 0);
}

/* PCI0006: INTA# drives its ISA line (level), the status bit follows it, and the
   command register's INTx disable masks it. */
static void pci_intx(void **state)
{
    (void)state;
    pci_func_intx(&fn, true);
    assert_true(fake.level[IRQ]);
    assert_int_equal(cfg_in(3, PCI_STATUS, 2) & PCI_STATUS_INTX, PCI_STATUS_INTX);
    cfg_out(3, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_INTX_DISABLE);
    assert_false(fake.level[IRQ]);
    assert_int_equal(cfg_in(3, PCI_STATUS, 2) & PCI_STATUS_INTX, PCI_STATUS_INTX);
    cfg_out(3, PCI_COMMAND, 2, PCI_CMD_MEM);
    assert_true(fake.level[IRQ]);
    pci_func_intx(&fn, false);
    assert_false(fake.level[IRQ]);
    assert_int_equal(cfg_in(3, PCI_STATUS, 2) & PCI_STATUS_INTX, 0);
}

/* PCI0007: every width at every CONFIG_DATA byte; a dword reads back as bytes. */
static void pci_widths(void **state)
{
    (void)state;
    uint32_t id = cfg_in(3, 0, 4);
    for (unsigned k = 0; k < 4; k++)
        assert_int_equal(cfg_in(3, k, 1), (id >> (8 * k)) & 0xff);
    assert_int_equal(cfg_in(3, 2, 2), id >> 16);
    cfg_out(3, 0x3c, 1, 0x0b);
    assert_int_equal(cfg_in(3, 0x3c, 4) & 0xffff, 0x010b);
}

/* PCI0008: save and restore; a buffer that changes a read-only bit is refused. */
static void pci_save_restore(void **state)
{
    (void)state;
    static uint8_t buf[16384];
    cfg_out(3, 0x10, 4, (uint32_t)WINDOW + 0x20000);
    addr(3, 0x3c);
    size_t n = pci_bus_ops.save(&bus, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(pci_bus_ops.save(&bus, buf, 16), 0);
    pci_bus_ops.reset(&bus);
    assert_int_equal(cfg_in(3, 0x10, 4), WINDOW);
    assert_true(pci_bus_ops.restore(&bus, buf, n));
    uint32_t v = 0;
    assert_true(pci_bus_ops.read(&bus, CFC, 1, &v));
    assert_int_equal(v, IRQ);
    assert_int_equal(cfg_in(3, 0x10, 4), WINDOW + 0x20000);
    buf[8 + 4 + 3 * PCI_CFG_SIZE] ^= 1;           /* slot 3's vendor ID */
    assert_false(pci_bus_ops.restore(&bus, buf, n));
    assert_false(pci_bus_ops.restore(&bus, buf, n - 1));
    assert_false(pci_bus_ops.restore(&bus, buf, 3));
}

/* PCI0009: garbage at every port, width and window address changes nothing it must not. */
static void pci_hostile(void **state)
{
    (void)state;
    fake_hostile(&pci_bus_ops, &bus, CF8, 8, 200);
    fake_hostile(&pci_bus_ops, &bus, WINDOW, 0x40, 4);
    fake_hostile(&pci_bus_ops, &bus, WINDOW + WINDOW_SIZE - 8, 8, 4);
    for (uint32_t a = 0; a < 0x100000; a += 0x3f7) {
        pci_bus_ops.write(&bus, CF8, 4, 0x80000000u | a);
        pci_bus_ops.write(&bus, CFC + (a & 3), 4 - (a & 3), ~a);
    }
    assert_int_equal(cfg_in(0, 0, 4), 0x00081b36u);
    assert_int_equal(cfg_in(3, 0, 4), 0x10421af4u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(pci_linux_probe, setup),
        cmocka_unit_test_setup(pci_absent, setup),
        cmocka_unit_test_setup(pci_bar_sizing, setup),
        cmocka_unit_test_setup(pci_bar_routing, setup),
        cmocka_unit_test_setup(pci_caps, setup),
        cmocka_unit_test_setup(pci_intx, setup),
        cmocka_unit_test_setup(pci_widths, setup),
        cmocka_unit_test_setup(pci_save_restore, setup),
        cmocka_unit_test_setup(pci_hostile, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
