/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the guest's PC: the device models of vmm/dev on one bus, wired to the VMM
   (clock = TSC, COM1's output as console lines, IRQ lines through the router to the
   8259 pair and the I/O APIC, which delivers to the local APIC; the 8259's INT reaches
   the CPU directly with the local APIC off, else through LINT0 in ExtINT mode; the reset
   line ending the guest), plus port 0xf4, whose write ends the guest with that status. */
#include <stdatomic.h>
#include "dev/acpi_pm.h"
#include "dev/bus.h"
#include "dev/i8042.h"
#include "dev/i8254.h"
#include "dev/i8259.h"
#include "dev/ioapic.h"
#include "dev/irq.h"
#include "dev/lapic.h"
#include "dev/mc146818.h"
#include "dev/ns16550.h"
#include "pcidev.h"
#include "dev/piix_rcr.h"
#include "firmware/firmware.h"
#include "vmm.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ 4
#define PIT_IRQ 0
#define RTC_IRQ 8
#define TEST_EXIT_PORT 0xf4
#define ACPI_PM_BASE 0x600
#define SCI_IRQ 9
#define CPUID_FEATURES 1
#define LINE 120
#define RAM_BELOW_4G_MAX 0xe0000000ull   /* where a PC's MMIO hole starts */

struct bus platform_bus;
static struct irq_router router;
static struct i8259 pic;
static struct i8254 pit;
static struct mc146818 rtc;
static struct ns16550 com1;
static struct ioapic ioapic;
static struct i8042 kbc;
static struct piix_rcr rcr;
static struct lapic lapic;
static struct acpi_pm pm;
static unsigned lapic_slot;             /* the local APIC's index on the bus */
static uint16_t intr_models;            /* the 8259's and the local APIC's bits on the bus */
static struct {
    char text[LINE];
    unsigned len;
} line;
bool platform_pic_changed;              /* the interrupt output may differ from the last look */
atomic_bool platform_input_news;        /* the input thread put bytes into the ring */

static uint64_t plat_now(void *ctx)
{
    (void)ctx;
    return rdtsc();
}

static void plat_irq(void *ctx, unsigned irq, bool level)
{
    (void)ctx;
    irq_router_set(&router, irq, level);
    platform_pic_changed = true;
}

/* COM1's bytes go to the console a line at a time (CR dropped), or what there is of the
   line when the guest idles (platform_console_flush). */
static void plat_console_out(void *ctx, uint8_t byte)
{
    (void)ctx;
    if (byte != '\n' && line.len < LINE - 1) {
        if (byte != '\r')
            line.text[line.len++] = (char)byte;
        return;
    }
    line.text[line.len] = '\0';
    vmm_print("%s\n", line.text);
    line.len = 0;
}

/* A PC resets; this VMM ends the guest instead, saying which line did it. */
static void plat_reset(void *ctx, const char *source)
{
    (void)ctx;
    vmm_stop("vmm: guest reset (%s)\n", source);
}

/* The unfinished line, when the guest idles: a shell's prompt and the echo of typed keys
   reach the console without waiting for a newline (it completes the line itself). */
void platform_console_flush(void)
{
    if (!line.len)
        return;
    line.text[line.len] = '\0';
    vmm_print("%s", line.text);
    line.len = 0;
}

static size_t plat_console_in(void *ctx, uint8_t *buf, size_t max)
{
    (void)ctx;
    return input_take(buf, max);
}

static bool plat_console_lost(void *ctx)
{
    (void)ctx;
    return input_lost();
}

static struct dev_platform plat = {
    .now = plat_now, .irq = plat_irq, .console_out = plat_console_out, .reset = plat_reset,
    .console_in = plat_console_in, .console_lost = plat_console_lost,
};

static bool exit_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    (void)dev, (void)addr, (void)bytes, (void)value;
    return false;                       /* reads as unclaimed: all ones */
}

static bool exit_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    (void)dev, (void)addr, (void)bytes;
    vmm_stop("vmm: guest exit status %u\n", value);
    return true;
}

static void exit_reset(void *dev) { (void)dev; }

static const struct dev_ops test_exit_ops = {
    .name = "test-exit", .read = exit_read, .write = exit_write, .reset = exit_reset,
};
static const struct dev_range test_exit_range[1] = { { DEV_PIO, TEST_EXIT_PORT, 4 } };

/* The I/O APIC's messages go to the one local APIC; its EOIs of level-triggered vectors
   come back to the I/O APIC. */
static bool to_lapic(void *ctx, const struct apic_msg *m)
{
    platform_pic_changed = true;
    return lapic_deliver(ctx, m);
}

static void lapic_eoi(void *ctx, uint8_t vector) { ioapic_eoi(ctx, vector); }

static void power_off(void *ctx)
{
    (void)ctx;
    vmm_stop("vmm: guest powered off (ACPI S5)\n");
}

bool platform_init(void)
{
    uint64_t below = MIN(vmm_boot.ram_size, RAM_BELOW_4G_MAX);
    struct mc146818_config clock = { vmm_boot.wall_seconds, vmm_boot.wall_tsc, below,
                                     vmm_boot.ram_size - below };
    plat.tsc_khz = vmm_boot.tsc_khz;
    router.pic = &pic;
    router.ioapic = &ioapic;
    ioapic_init(&ioapic, to_lapic, &lapic);
    lapic_init(&lapic, &plat, vmm_boot.tsc_khz * 1000 / vmm_tsc_crystal_ratio());
    lapic.eoi = lapic_eoi;
    lapic.eoi_ctx = &ioapic;
    acpi_pm_init(&pm, &plat, ACPI_PM_BASE, power_off, NULL);
    i8254_init(&pit, &plat, PIT_IRQ);
    mc146818_init(&rtc, &plat, RTC_IRQ, &clock);
    ns16550_init(&com1, &plat, COM1_BASE, COM1_IRQ);
    i8042_init(&kbc, &plat);
    piix_rcr_init(&rcr, &plat);
    const struct dev devs[] = {
        { &i8259_ops, &pic, i8259_ranges, ARRAY_SIZE(i8259_ranges) },
        { &i8254_ops, &pit, i8254_ranges, ARRAY_SIZE(i8254_ranges) },
        { &mc146818_ops, &rtc, mc146818_ranges, ARRAY_SIZE(mc146818_ranges) },
        { &ns16550_ops, &com1, com1.range, ARRAY_SIZE(com1.range) },
        { &ioapic_ops, &ioapic, ioapic_ranges, ARRAY_SIZE(ioapic_ranges) },
        { &lapic_ops, &lapic, lapic.range, ARRAY_SIZE(lapic.range) },
        { &acpi_pm_ops, &pm, pm.range, ARRAY_SIZE(pm.range) },
        { &test_exit_ops, NULL, test_exit_range, ARRAY_SIZE(test_exit_range) },
        { &exit_stats_ops, NULL, exit_stats_range, ARRAY_SIZE(exit_stats_range) },
        { &i8042_ops, &kbc, i8042_ranges, ARRAY_SIZE(i8042_ranges) },
        { &piix_rcr_ops, &rcr, piix_rcr_ranges, ARRAY_SIZE(piix_rcr_ranges) },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
        if (devs[i].state == &lapic)
            lapic_slot = platform_bus.count;
        if (devs[i].state == &lapic || devs[i].state == &pic)
            intr_models |= (uint16_t)(1u << platform_bus.count);
        if (!bus_add(&platform_bus, &devs[i]))
            return false;
    }
    if (!pcidev_init(&platform_bus, &plat))
        return false;
    bus_reset(&platform_bus);
    pcidev_set_lines(&platform_bus);
    return true;
}

/* The MP table and the ACPI tables that describe these devices (vmm/firmware). */
bool platform_write_firmware(void)
{
    struct cpuid id = cpuid(CPUID_FEATURES, 0);
    struct fw_config c = {
        .ram = GUEST_RAM, .ram_size = vmm_boot.ram_size,
        .lapic_addr = LAPIC_DEFAULT_BASE, .ioapic_addr = IOAPIC_BASE,
        .lapic_id = (uint8_t)(lapic.s.id >> 24), .lapic_version = LAPIC_VERSION,
        .ioapic_id = (uint8_t)(ioapic.s.id >> 24), .ioapic_version = IOAPIC_VERSION,
        .cpu_signature = id.eax, .cpu_features = id.edx,
        .pm_base = ACPI_PM_BASE, .sci_irq = SCI_IRQ,
    };
    c.pci_count = (uint8_t)pcidev_irqs(c.pci_dev, c.pci_irq, FW_PCI_MAX);
    return fw_write_mptable(&c) && fw_write_acpi(&c);
}

/* An access to the 8259 (masks, EOIs, polls) or the local APIC (EOI, TPR, ICR, LVTs) may
   change the interrupt output: the bus marks the model it reached stale, and
   platform_advance() looks at those bits before it clears them. The I/O APIC's
   deliveries say so themselves (to_lapic). */
uint32_t platform_pio_read(uint32_t port, unsigned bytes)
{
    return bus_pio_read(&platform_bus, port, bytes);
}

void platform_pio_write(uint32_t port, unsigned bytes, uint32_t value)
{
    bus_pio_write(&platform_bus, port, bytes, value);
}

uint32_t platform_mmio_read(uint64_t gpa, unsigned bytes)
{
    uint32_t v;
    return bus_mmio_read(&platform_bus, gpa, bytes, &v) ? v : 0xffffffffu;
}

void platform_mmio_write(uint64_t gpa, unsigned bytes, uint32_t value)
{
    bus_mmio_write(&platform_bus, gpa, bytes, value);
}

void platform_input_arrived(void) { atomic_store(&platform_input_news, true); }

/* The local APIC timer raises no line: its deadline passing may change the output. */
uint64_t platform_advance(uint64_t now)
{
    if (platform_bus.stale & intr_models)
        platform_pic_changed = true;
    if (atomic_load(&platform_input_news) && atomic_exchange(&platform_input_news, false))
        bus_kick(&platform_bus, &com1, now);
    if (now >= platform_bus.deadline[lapic_slot])
        platform_pic_changed = true;
    return bus_advance(&platform_bus, now);
}

uint64_t platform_refresh(void)
{
    if (platform_bus.stale & intr_models)
        platform_pic_changed = true;
    return bus_refresh(&platform_bus);
}

bool platform_intr_changed(void)
{
    bool changed = platform_pic_changed;
    platform_pic_changed = false;
    return changed;
}

/* SDM Vol. 3A 10.1: with the local APIC off the 8259's INT is the CPU's INTR pin; with it
   on, INT reaches the CPU through LINT0 in ExtINT mode, which bypasses IRR and PPR. */
static bool extint_pending(void)
{
    return (!lapic_hw_enabled(&lapic) || lapic_extint(&lapic)) && i8259_pending(&pic);
}

bool platform_intr_pending(void) { return extint_pending() || lapic_pending(&lapic) >= 0; }

uint8_t platform_intr_ack(void)
{
    if (extint_pending())
        return i8259_ack(&pic);
    int v = lapic_pending(&lapic);
    if (v < 0)
        return i8259_ack(&pic);         /* not reached: pending said otherwise */
    lapic_ack(&lapic, (uint8_t)v);
    return (uint8_t)v;
}

/* The local APIC's MSRs: the model changed its own deadline or its output. */
static void lapic_touched(void)
{
    platform_bus.stale |= (uint16_t)(1u << lapic_slot);
    platform_pic_changed = true;
}

uint64_t platform_apic_base(void) { return lapic.s.base; }

bool platform_set_apic_base(uint64_t value)
{
    lapic_touched();
    cpuid_forget();                     /* CPUID.1:EDX.APIC follows the enable bit */
    return lapic_set_base(&lapic, value);
}

uint64_t platform_tsc_deadline(void) { return lapic_tsc_deadline(&lapic); }

void platform_set_tsc_deadline(uint64_t tsc)
{
    lapic_touched();
    lapic_set_tsc_deadline(&lapic, tsc);
}

