/* SPDX-License-Identifier: MIT */
/* Guest "msr": RDMSR/WRMSR round trips, and #GP for an MSR no document defines. */
#include "guest.h"

const char guest_name[] = "msr";

#define IA32_SYSENTER_CS 0x174
#define IA32_SYSENTER_ESP 0x175
#define IA32_SYSENTER_EIP 0x176
#define IA32_STAR 0xc0000081
#define IA32_LSTAR 0xc0000082
#define IA32_FMASK 0xc0000084
#define IA32_FS_BASE 0xc0000100
#define IA32_GS_BASE 0xc0000101
#define IA32_KERNEL_GS_BASE 0xc0000102
/* Outside every documented range (architectural 0-0x1fff, hypervisor 0x40000000-0x400000ff,
 * extended 0xc0000000-0xc0001fff, and the vendors' others). */
#define MSR_UNDEFINED 0x7fff0042u
#define VEC_GP 13

static bool rdmsr_safe(uint32_t msr, uint64_t *v)
{
    uint32_t lo = 0, hi = 0;
    trap_expect();
    __asm__ volatile(CATCH_BEGIN "rdmsr" CATCH_END : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    *v = (uint64_t)hi << 32 | lo;
    return trap_count == 0;
}

static bool wrmsr_safe(uint32_t msr, uint64_t v)
{
    trap_expect();
    __asm__ volatile(CATCH_BEGIN "wrmsr" CATCH_END
                     :: "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(msr) : "memory");
    return trap_count == 0;
}

static void round_trip(uint32_t msr, const char *name, uint64_t value)
{
    uint64_t old, got = 0;
    bool ok = rdmsr_safe(msr, &old) && wrmsr_safe(msr, value) && rdmsr_safe(msr, &got);
    check(ok && got == value, "msr: %s (0x%x) round trip 0x%llx (read 0x%llx)", name, msr, value,
          got);
    if (ok)
        wrmsr_safe(msr, old);
}

/* TSC ticks for 64 RDMSRs of msr. */
static uint64_t rdmsr_ticks(uint32_t msr)
{
    uint64_t t0 = rdtsc(), v;
    for (unsigned i = 0; i < 64; i++)
        rdmsr_safe(msr, &v);
    return rdtsc() - t0;
}

/* QEMU's TCG reads unknown MSRs as 0 and drops writes; it shows CPUID.1:ECX.hypervisor
 * and "TCGTCGTCGTCG" at leaf 0x40000000. */
static bool under_qemu_tcg(void)
{
    uint32_t r[4];
    cpuid(1, r);
    if (!(r[2] & (1u << 31)))
        return false;
    cpuid(0x40000000, r);
    return r[1] == 0x54474354 && r[2] == 0x43544743 && r[3] == 0x47435447;
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    round_trip(IA32_SYSENTER_CS, "IA32_SYSENTER_CS", 0x0010);
    round_trip(IA32_SYSENTER_CS, "IA32_SYSENTER_CS", 0x1238);
    round_trip(IA32_SYSENTER_ESP, "IA32_SYSENTER_ESP", 0x12345678);
    round_trip(IA32_SYSENTER_EIP, "IA32_SYSENTER_EIP", 0x00abcdef);
    /* Under Vireo the hypervisor keeps these four for the vCPU (VIREO_MTD_SYSCALL): the
     * values go through its loads before entry and its reads after exit. */
    round_trip(IA32_STAR, "IA32_STAR", 0x0023001000000000ull);
    round_trip(IA32_LSTAR, "IA32_LSTAR", 0xffffffff81a00040ull);
    round_trip(IA32_FMASK, "IA32_FMASK", 0x47700);
    round_trip(IA32_KERNEL_GS_BASE, "IA32_KERNEL_GS_BASE", 0x00007f1234567000ull);
    round_trip(IA32_FS_BASE, "IA32_FS_BASE", 0x00007f0012345000ull);
    round_trip(IA32_GS_BASE, "IA32_GS_BASE", 0xffff888012340000ull);
    /* Vireo's VMM lets the guest at the segment-base MSRs without VM exits (an MSR bitmap
     * the hypervisor keeps): a read costs a fraction of one that goes to the VMM. */
    if (hypervisor_is_vireo()) {
        uint64_t fs = rdmsr_ticks(IA32_FS_BASE), sysenter = rdmsr_ticks(IA32_SYSENTER_CS);
        check(fs * 4 < sysenter, "msr: IA32_FS_BASE reads without exits (64 reads: %llu ticks; "
              "IA32_SYSENTER_CS, which exits: %llu)", fs, sysenter);
    } else {
        skip("msr: IA32_FS_BASE reads without exits", "not under Vireo");
    }

    if (under_qemu_tcg()) {
        skip("msr: RDMSR of an undefined MSR raises #GP", "QEMU TCG ignores unknown MSRs");
        skip("msr: WRMSR of an undefined MSR raises #GP", "QEMU TCG ignores unknown MSRs");
        return;
    }
    uint64_t v = 0x1122334455667788ull;
    bool ok = rdmsr_safe(MSR_UNDEFINED, &v);
    check(!ok && trap_count == 1 && trap_vector == VEC_GP && trap_error == 0,
          "msr: RDMSR 0x%x raises #GP(0) (traps %u, vector %u, error 0x%x)", MSR_UNDEFINED,
          trap_count, trap_vector, trap_error);
    ok = wrmsr_safe(MSR_UNDEFINED, 0x5a5a);
    check(!ok && trap_count == 1 && trap_vector == VEC_GP && trap_error == 0,
          "msr: WRMSR 0x%x raises #GP(0) (traps %u, vector %u, error 0x%x)", MSR_UNDEFINED,
          trap_count, trap_vector, trap_error);
    /* A round trip still works after the faults. */
    round_trip(IA32_SYSENTER_CS, "IA32_SYSENTER_CS after #GP", 0x0008);
}
