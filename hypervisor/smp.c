/* SPDX-License-Identifier: MIT */
/* Vireo: INIT-SIPI-SIPI start-up of the application processors (SDM Vol. 3A 8.4.4.1). */
#include "cpu.h"
#include "lapic.h"
#include "memory.h"
#include "paging.h"
#include "pd.h"
#include "ec.h"
#include "pmm.h"
#include "printf.h"
#include "smp.h"
#include "vmx.h"
#include "x86.h"

#define TRAMP_BASE 0x8000ull
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
#define ONLINE_TIMEOUT_US 2000000
#define TIMER_SELFTEST_US 1000
#define STACK_ORDER 3                   /* 32 KiB holds struct cpu_stacks */

_Static_assert(sizeof(struct cpu_stacks) <= (PAGE_SIZE << STACK_ORDER), "stack order");

extern const char ap_tramp_start[], ap_tramp_end[], ap_tramp_cr3[], ap_tramp_stack[],
    ap_tramp_entry[];

static struct cpu *volatile starting_cpu;

static void *tramp_field(const char *field)
{
    return phys_to_virt(TRAMP_BASE + (uint64_t)(field - ap_tramp_start));
}

void cpu_bringup(struct cpu *c)
{
    cpu_move_tss(c);
    cpu_load_syscall();
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    lapic_init_cpu();
    const char *timer = lapic_timer_selftest(TIMER_SELFTEST_US) ? "ok" : "NO INTERRUPT";
    kprintf("cpu%u: online (apic %u), timer %s\n", c->id, c->apic_id, timer);
    const char *why = vmx_enable_cpu();
    kprintf("cpu%u: %s%s\n", c->id, why ? "no VMX: " : "VMXON ok", why ? why : "");
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
}

static NORETURN void ap_main(void)
{
    struct cpu *c = starting_cpu;
    cpu_load_tables(c);
    write_cr3(read_cr3());              /* drop the trampoline's identity translation */
    cpu_bringup(c);
    cpu_idle();
}

static bool start_one(struct cpu *c)
{
    uint64_t stacks = page_alloc_zeroed(STACK_ORDER);
    if (!stacks) {
        kprintf("cpu%u: no memory for its stacks\n", c->id);
        return false;
    }
    c->stacks = phys_to_virt(stacks);
    starting_cpu = c;
    *(uint64_t *)tramp_field(ap_tramp_stack) = (uint64_t)(c->stacks->kernel + KERNEL_STACK_SIZE);
    lapic_send_ipi(c->apic_id, LAPIC_ICR_INIT);
    udelay(INIT_DELAY_US);
    for (int i = 0; i < 2 && !c->online; i++) {
        lapic_send_ipi(c->apic_id, LAPIC_ICR_STARTUP | TRAMP_BASE >> PAGE_SHIFT);
        udelay(SIPI_DELAY_US);
    }
    uint64_t give_up = rdtsc() + ONLINE_TIMEOUT_US * tsc_khz / 1000;
    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE) && rdtsc() < give_up)
        cpu_relax();
    if (!c->online)
        kprintf("cpu%u: apic %u did not start\n", c->id, c->apic_id);
    return c->online;
}

unsigned smp_boot(const struct acpi_madt *madt)
{
    size_t size = (size_t)(ap_tramp_end - ap_tramp_start);
    paging_map_identity(TRAMP_BASE, PAGE_SIZE);
    memcpy(phys_to_virt(TRAMP_BASE), ap_tramp_start, size);
    *(uint64_t *)tramp_field(ap_tramp_cr3) = paging_kernel_root();
    *(uint64_t *)tramp_field(ap_tramp_entry) = (uint64_t)ap_main;
    unsigned up = 1, bsp = lapic_id();
    for (unsigned i = 0; i < madt->cpu_count && cpu_count < MAX_CPUS; i++) {
        if (madt->cpus[i].apic_id == bsp)
            continue;
        struct cpu *c = &cpus[cpu_count];
        c->id = cpu_count++;
        c->apic_id = madt->cpus[i].apic_id;
        up += start_one(c);
    }
    paging_unmap_identity(TRAMP_BASE, PAGE_SIZE);
    return up;
}
