/* SPDX-License-Identifier: MIT */
/* Vireo VMM: VM-exit statistics: exits and handler time per reason, printed as a table
   with the SDM's names (Vol. 3D Appendix C, basic exit reasons) when the guest stops
   and whenever the guest writes to the statistics port. */
#include "vmm.h"

#define STATS_PORT 0x4f0
#define STATS_PRINT 1
#define PERMILLE 1000

uint64_t exit_count[VIREO_EVENT_COUNT], exit_ticks[VIREO_EVENT_COUNT], exit_pending;
static uint64_t guest_start_tsc;

#define NAME(reason, text) [VIREO_##reason] = text

static const char *const exit_names[VIREO_EVENT_COUNT] = {
    NAME(EXIT_EXCEPTION_NMI, "EXCEPTION_OR_NMI"),
    NAME(EXIT_EXTERNAL_INTERRUPT, "EXTERNAL_INTERRUPT"),
    NAME(EXIT_TRIPLE_FAULT, "TRIPLE_FAULT"),
    NAME(EXIT_INIT, "INIT_SIGNAL"),
    NAME(EXIT_SIPI, "STARTUP_IPI"),
    NAME(EXIT_INTERRUPT_WINDOW, "INTERRUPT_WINDOW"),
    NAME(EXIT_NMI_WINDOW, "NMI_WINDOW"),
    NAME(EXIT_TASK_SWITCH, "TASK_SWITCH"),
    NAME(EXIT_CPUID, "CPUID"),
    NAME(EXIT_GETSEC, "GETSEC"),
    NAME(EXIT_HLT, "HLT"),
    NAME(EXIT_INVD, "INVD"),
    NAME(EXIT_INVLPG, "INVLPG"),
    NAME(EXIT_RDPMC, "RDPMC"),
    NAME(EXIT_RDTSC, "RDTSC"),
    NAME(EXIT_RSM, "RSM"),
    NAME(EXIT_VMCALL, "VMCALL"),
    NAME(EXIT_VMCLEAR, "VMCLEAR"),
    NAME(EXIT_VMLAUNCH, "VMLAUNCH"),
    NAME(EXIT_VMPTRLD, "VMPTRLD"),
    NAME(EXIT_VMPTRST, "VMPTRST"),
    NAME(EXIT_VMREAD, "VMREAD"),
    NAME(EXIT_VMRESUME, "VMRESUME"),
    NAME(EXIT_VMWRITE, "VMWRITE"),
    NAME(EXIT_VMXOFF, "VMXOFF"),
    NAME(EXIT_VMXON, "VMXON"),
    NAME(EXIT_CR_ACCESS, "CONTROL_REGISTER_ACCESS"),
    NAME(EXIT_DR_ACCESS, "MOV_DR"),
    NAME(EXIT_IO, "IO_INSTRUCTION"),
    NAME(EXIT_RDMSR, "RDMSR"),
    NAME(EXIT_WRMSR, "WRMSR"),
    NAME(EXIT_INVALID_GUEST_STATE, "ENTRY_FAILURE_GUEST_STATE"),
    NAME(EXIT_MSR_LOADING, "ENTRY_FAILURE_MSR_LOADING"),
    NAME(EXIT_MWAIT, "MWAIT"),
    NAME(EXIT_MTF, "MONITOR_TRAP_FLAG"),
    NAME(EXIT_MONITOR, "MONITOR"),
    NAME(EXIT_PAUSE, "PAUSE"),
    NAME(EXIT_MACHINE_CHECK, "ENTRY_FAILURE_MACHINE_CHECK"),
    NAME(EXIT_TPR_BELOW_THRESHOLD, "TPR_BELOW_THRESHOLD"),
    NAME(EXIT_APIC_ACCESS, "APIC_ACCESS"),
    NAME(EXIT_VIRTUALIZED_EOI, "VIRTUALIZED_EOI"),
    NAME(EXIT_GDTR_IDTR, "GDTR_IDTR_ACCESS"),
    NAME(EXIT_LDTR_TR, "LDTR_TR_ACCESS"),
    NAME(EXIT_EPT_VIOLATION, "EPT_VIOLATION"),
    NAME(EXIT_EPT_MISCONFIG, "EPT_MISCONFIGURATION"),
    NAME(EXIT_INVEPT, "INVEPT"),
    NAME(EXIT_RDTSCP, "RDTSCP"),
    NAME(EXIT_PREEMPTION_TIMER, "PREEMPTION_TIMER"),
    NAME(EXIT_INVVPID, "INVVPID"),
    NAME(EXIT_WBINVD, "WBINVD"),
    NAME(EXIT_XSETBV, "XSETBV"),
    NAME(EXIT_APIC_WRITE, "APIC_WRITE"),
    NAME(EXIT_RDRAND, "RDRAND"),
    NAME(EXIT_INVPCID, "INVPCID"),
    NAME(EXIT_VMFUNC, "VMFUNC"),
    NAME(EXIT_RDSEED, "RDSEED"),
    NAME(EXIT_XSAVES, "XSAVES"),
    NAME(EXIT_XRSTORS, "XRSTORS"),
    NAME(EVENT_STARTUP, "vireo:STARTUP"),
    NAME(EVENT_RECALL, "vireo:RECALL"),
};

const char *exit_name(unsigned reason)
{
    const char *name = reason < VIREO_EVENT_COUNT ? exit_names[reason] : NULL;
    return name ? name : "unknown";
}

void exit_stats_start(void)
{
    guest_start_tsc = rdtsc();
    vmm_print("vmm: guest starts at tsc %lu\n", guest_start_tsc);
}

/* Integer per-mille shares, printed as "12.3": the VMM has no floating point. */
static unsigned permille(uint64_t part, uint64_t whole)
{
    return whole ? (unsigned)(part * PERMILLE / whole) : 0;
}

/* One line per reason seen: SDM number and name, exits, ticks in the VMM's handler
   (from the portal's entry to its reply, so HLT includes the time the guest slept). */
void exit_stats_print(const char *why)
{
    uint64_t now = rdtsc(), exits = 0, ticks = 0;
    uint64_t span = guest_start_tsc ? now - guest_start_tsc : 0;
    for (unsigned r = 0; r < VIREO_EVENT_COUNT; r++) {
        exits += exit_count[r];
        ticks += exit_ticks[r];
    }
    unsigned share = permille(ticks, span);
    vmm_print("vmm: exit table (%s) at tsc %lu: %lu exits in %lu ticks since the guest "
              "started; %lu ticks (%u.%u%%) in the VMM's handlers\n", why, now, exits, span,
              ticks, share / 10, share % 10);
    vmm_print("vmm:   %3s %-27s %12s %16s %10s\n", "#", "reason", "exits", "handler ticks",
              "per exit");
    for (unsigned r = 0; r < VIREO_EVENT_COUNT; r++) {
        if (exit_count[r])
            vmm_print("vmm:   %3u %-27s %12lu %16lu %10lu\n", r, exit_name(r), exit_count[r],
                      exit_ticks[r], exit_ticks[r] / exit_count[r]);
    }
    vmm_print("vmm: %lu exits found an event pending for the next entry (kept)\n",
              exit_pending);
    vmm_print("vmm: exit table end\n");
}

/* The statistics port: writing STATS_PRINT prints the table (the guest's /bin/vireo-mark
   does); other values are ignored, so a guest that scans ports with zeros (the hostile
   test guest) prints nothing. Reads are not decoded: all ones, as from no device. */
static bool stats_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    (void)dev, (void)addr, (void)bytes, (void)value;
    return false;
}

static bool stats_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    (void)dev, (void)addr, (void)bytes;
    if (value == STATS_PRINT)
        exit_stats_print("on request");
    return true;
}

static void stats_reset(void *dev) { (void)dev; }

const struct dev_ops exit_stats_ops = {
    .name = "exit-stats", .read = stats_read, .write = stats_write, .reset = stats_reset,
};
const struct dev_range exit_stats_range[1] = { { DEV_PIO, STATS_PORT, 1 } };
