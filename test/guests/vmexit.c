/* SPDX-License-Identifier: MIT */
/* Guest "vmexit": the VM-exit benchmark. N round trips of each kind timed with RDTSC;
 * prints "vmexit_<kind>_ticks T", the average per round trip. */
#include "guest.h"
#include "timer.h"

const char guest_name[] = "vmexit";

#define N 1000u
#define N_HLT 100u
#define IOAPIC_BASE 0xfec00000u
#define IA32_SYSENTER_CS 0x174

static uint32_t msr_lo, msr_hi;

static void do_cpuid(void) { uint32_t r[4]; cpuid(0, r); }
static void do_vmcall(void) { uint32_t a = 0; __asm__ volatile("vmcall" : "+a"(a) :: "memory"); }
static void do_pio_in(void) { (void)inb(COM1_SCR); }
static void do_pio_out(void) { outb(COM1_SCR, 0x5a); }
static void do_mmio_read(void) { (void)mmio_read32(IOAPIC_BASE + 0x10); }
static void do_mmio_write(void) { mmio_write32(IOAPIC_BASE, 1); }
static void do_rdmsr(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(IA32_SYSENTER_CS));
}
static void do_wrmsr(void)
{
    __asm__ volatile("wrmsr" ::"a"(msr_lo), "d"(msr_hi), "c"(IA32_SYSENTER_CS));
}
static void do_hlt_wake(void) { pit_wait(1); }

/* LFENCE keeps RDTSC from running ahead of or behind the loop; it is no exit itself. */
static inline uint64_t tsc_fenced(void)
{
    __asm__ volatile("lfence" ::: "memory");
    uint64_t t = rdtsc();
    __asm__ volatile("lfence" ::: "memory");
    return t;
}

static void bench(const char *kind, void (*op)(void), uint32_t n)
{
    op();                                       /* warm up outside the timed region */
    uint64_t t0 = tsc_fenced();
    for (uint32_t i = 0; i < n; i++)
        op();
    uint64_t avg = udiv64(tsc_fenced() - t0, n);
    printf("vmexit_%s_ticks %llu\n", kind, avg);
    check(avg > 0, "vmexit: %s timed over %u round trips", kind, n);
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    __asm__ volatile("rdmsr" : "=a"(msr_lo), "=d"(msr_hi) : "c"(IA32_SYSENTER_CS));
    mmio_write32(IOAPIC_BASE, 1);               /* IOWIN shows the version register */
    bench("cpuid", do_cpuid, N);
    if (hypervisor_is_vireo())
        bench("vmcall", do_vmcall, N);
    else
        skip("vmexit_vmcall", "not under Vireo's VMM");
    bench("pio_in", do_pio_in, N);
    bench("pio_out", do_pio_out, N);
    bench("mmio_read", do_mmio_read, N);
    bench("mmio_write", do_mmio_write, N);
    bench("rdmsr", do_rdmsr, N);
    bench("wrmsr", do_wrmsr, N);
    pic_init();
    bench("hlt_wake", do_hlt_wake, N_HLT);
}
