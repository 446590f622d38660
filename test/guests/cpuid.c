/* SPDX-License-Identifier: MIT */
/* Guest "cpuid": basic leaves and the hypervisor signature leaf (SDM Vol. 2A, CPUID). */
#include "guest.h"

const char guest_name[] = "cpuid";

static bool printable(uint32_t w)
{
    for (int i = 0; i < 4; i++, w >>= 8)
        if ((w & 0xff) < 0x20 || (w & 0xff) > 0x7e)
            return false;
    return true;
}

static void basic_leaves(void)
{
    uint32_t r[4], l1[4];
    cpuid(0, r);
    char vendor[13];
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    vendor[12] = 0;
    check(r[0] >= 1, "cpuid: leaf 0 max basic leaf %u >= 1", r[0]);
    check(printable(r[1]) && printable(r[2]) && printable(r[3]), "cpuid: vendor '%s' printable",
          vendor);

    cpuid(1, l1);
    /* Leaf 1 EDX: FPU (0), TSC (4), MSR (5), CX8 (8), APIC (9), CMOV (15) on anything
     * a 64-bit host offers. */
    uint32_t want = 1u << 0 | 1u << 4 | 1u << 5 | 1u << 8 | 1u << 9 | 1u << 15;
    check((l1[3] & want) == want, "cpuid: leaf 1 EDX has FPU TSC MSR CX8 APIC CMOV (0x%x)",
          l1[3]);
    uint32_t family = (l1[0] >> 8) & 0xf;
    check(family >= 6, "cpuid: leaf 1 family %u >= 6", family);
    /* Repeated calls agree (the feature word is not random). */
    cpuid(1, r);
    check_eq("cpuid: leaf 1 ECX stable", r[2], l1[2]);
}

static void hypervisor_leaf(void)
{
    uint32_t r[4];
    cpuid(1, r);
    if (!(r[2] & (1u << 31))) {
        skip("cpuid: hypervisor leaf 0x40000000", "CPUID.1:ECX.hypervisor clear");
        skip("cpuid: Vireo signature", "no hypervisor");
        return;
    }
    cpuid(0x40000000, r);
    check(r[0] >= 0x40000000 && r[0] < 0x40010000, "cpuid: leaf 0x40000000 EAX 0x%x in range",
          r[0]);
    char sig[13];
    memcpy(sig, &r[1], 4);
    memcpy(sig + 4, &r[2], 4);
    memcpy(sig + 8, &r[3], 4);
    sig[12] = 0;
    printf("cpuid: hypervisor signature '%s'\n", sig);
    if (!hypervisor_is_vireo()) {
        skip("cpuid: Vireo signature", "not Vireo's VMM");
        return;
    }
    check(true, "cpuid: Vireo signature 'Vireo-VMM-v1'");
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    basic_leaves();
    hypervisor_leaf();
}
