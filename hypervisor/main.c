/* SPDX-License-Identifier: MIT */
/* Vireo: the boot sequence of the bootstrap processor. */
#include "acpi.h"
#include "cmdline.h"
#include "cpu.h"
#include "intr.h"
#include "ioapic.h"
#include "lapic.h"
#include "mb2.h"
#include "memory.h"
#include "paging.h"
#include "pd.h"
#include "rootpd.h"
#include "pmm.h"
#include "serial.h"
#include "smp.h"
#include "vmx.h"
#include "x86.h"

#define BOOT_MAP_LIMIT (1ull << 30)     /* what boot/entry.asm maps at KERNEL_VMA */
#define BIOS_ROM_START 0xe0000ull
#define BIOS_ROM_SIZE 0x20000ull
#define EBDA_SEGMENT_PTR 0x40eull
#define EBDA_SCAN_SIZE 1024
/* Canonical, in the kernel half, never mapped: the top PML4 slot holds only the image and
   the MMIO window near its end. */
#define UNMAPPED_KERNEL_ADDRESS 0xffffff8000000000ull

struct cpu_stacks bsp_stacks __attribute__((aligned(PAGE_SIZE)));
static struct mb2_info boot_info;
static struct acpi_madt madt;

static const void *acpi_map(uint64_t pa, size_t len)
{
    return pa + len < pa || pa + len > paging_physmap_limit() ? NULL : phys_to_virt(pa);
}

static void parse_boot_info(uint32_t magic, uint64_t info_pa)
{
    if (magic != MB2_BOOTLOADER_MAGIC)
        boot_fail("not started by a multiboot2 loader (magic 0x%x)", magic);
    if (info_pa + (1ull << 20) > BOOT_MAP_LIMIT)
        boot_fail("multiboot2 information at 0x%lx lies beyond the first GiB", info_pa);
    const char *err = mb2_parse(magic, (const void *)(uintptr_t)(info_pa + KERNEL_VMA),
                                info_pa, &boot_info);
    if (err)
        boot_fail("%s", err);
}

/* Applies the command line; returns the deliberate crash it asks for, if any. */
static enum boot_crash apply_cmdline(void)
{
    struct boot_options opt = { .serial_port = COM1_PORT, .log_level = LOG_INFO };
    char err[160];
    if (cmdline_parse(boot_info.cmdline, &opt, err, sizeof(err)))
        boot_fail("%s", err);
    console_level = opt.log_level;
    if (opt.serial_port != COM1_PORT && !serial_init(opt.serial_port))
        boot_fail("serial=0x%x: no UART answers at that port", opt.serial_port);
    return opt.crash;
}

static void report_memory(void)
{
    uint64_t usable = 0;
    for (unsigned i = 0; i < boot_info.mmap_count; i++)
        if (boot_info.mmap[i].type == MB2_MEM_AVAILABLE)
            usable += boot_info.mmap[i].length;
    kprintf("memory: %lu MiB usable, %lu MiB free; %u module(s)\n", usable >> 20,
            pmm_free_pages() >> (20 - PAGE_SHIFT), boot_info.module_count);
    for (unsigned i = 0; i < boot_info.module_count; i++)
        kprintf("module %u: [0x%lx, 0x%lx) %s\n", i, boot_info.modules[i].start,
                boot_info.modules[i].end, boot_info.modules[i].cmdline);
}

static const void *find_rsdp(void)
{
    if (boot_info.rsdp_len)
        return boot_info.rsdp;
    /* ACPI 6.5 5.2.5.1: the first KiB of the EBDA, then the BIOS ROM area. */
    uint64_t ebda = (uint64_t)*(const uint16_t *)phys_to_virt(EBDA_SEGMENT_PTR) << 4;
    const void *r = ebda ? acpi_scan_rsdp(phys_to_virt(ebda), EBDA_SCAN_SIZE) : NULL;
    return r ? r : acpi_scan_rsdp(phys_to_virt(BIOS_ROM_START), BIOS_ROM_SIZE);
}

static void discover_cpus(void)
{
    const void *rsdp = find_rsdp();
    const char *err = NULL;
    /* The loader's copy has its length; an RSDP found in memory is read in place. */
    size_t len = boot_info.rsdp_len ? boot_info.rsdp_len : ACPI_RSDP_V2_LEN;
    uint64_t madt_pa = rsdp ? acpi_find_table(rsdp, len, acpi_map, "APIC", &err) : 0;
    if (!madt_pa)
        boot_fail("no usable ACPI MADT (%s): cannot find the CPUs and interrupt controllers",
                  err ? err : rsdp ? "no APIC table" : "no RSDP");
    err = acpi_parse_madt(madt_pa, acpi_map, &madt);
    if (err)
        boot_fail("%s", err);
    kprintf("acpi: %u CPU(s), %u I/O APIC(s), LAPIC at 0x%lx%s\n", madt.cpu_count,
            madt.ioapic_count, madt.lapic_addr,
            madt.cpus_ignored ? " (some CPUs ignored: too many)" : "");
}

NORETURN void kmain(uint32_t magic, uint64_t info_pa);
NORETURN void kmain(uint32_t magic, uint64_t info_pa)
{
    serial_init(COM1_PORT);
    struct cpu *bsp = &cpus[0];
    bsp->stacks = &bsp_stacks;
    cpu_count = 1;
    idt_init();
    cpu_load_tables(bsp);
    kprintf("\nvireo: x86-64 microhypervisor\n");
    parse_boot_info(magic, info_pa);
    enum boot_crash crash = apply_cmdline();
    pmm_check_modules(&boot_info);
    paging_init(pmm_ram_limit(&boot_info));
    pmm_init(&boot_info);
    report_memory();
    discover_cpus();
    lapic_init_bsp(madt.lapic_addr);
    bsp->apic_id = lapic_id();
    ioapic_init(&madt);
    pd_init_kernel(madt.cpu_count);
    cpu_bringup(bsp);
    if (bsp->vmx_on)
        vmx_print_caps();
    unsigned up = smp_boot(&madt);
    kprintf("vireo: %u of %u CPUs up at tsc %lu\n", up, madt.cpu_count, rdtsc());
    if (crash == CRASH_UD)
        __asm__ volatile("ud2");
    if (crash == CRASH_PF)
        (void)*(volatile uint64_t *)UNMAPPED_KERNEL_ADDRESS;
    root_start(&boot_info);
}
