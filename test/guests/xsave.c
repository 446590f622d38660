/* SPDX-License-Identifier: MIT */
/* Guest "xsave": CR4.OSXSAVE as CPUID shows it, XSETBV/XGETBV of XCR0 with the #GP cases,
 * the XSAVE leaf's sizes, and AVX state that survives VM exits. */
#include "guest.h"

const char guest_name[] = "xsave";

#define CR4_OSXSAVE (1u << 18)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u
#define XCR0_AVX512 0xe0u
#define VEC_GP 13

static uint32_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return lo;
}

/* XSETBV XCR[index] = value; true if it did not trap. */
static bool xsetbv_safe(uint32_t index, uint32_t value)
{
    trap_expect();
    __asm__ volatile(CATCH_BEGIN "xsetbv" CATCH_END
                     :: "a"(value), "d"(0), "c"(index) : "memory");
    return trap_count == 0;
}

static void refused(uint32_t index, uint32_t value, const char *why)
{
    uint32_t before = xgetbv0();
    bool ok = xsetbv_safe(index, value);
    check(!ok && trap_vector == VEC_GP && xgetbv0() == before,
          "xsave: XSETBV XCR%u = 0x%x (%s) raises #GP, XCR0 stays 0x%x (traps %u, vector %u)",
          index, value, why, before, trap_count, trap_vector);
}

static uint32_t cpuid_reg(uint32_t leaf, unsigned reg)
{
    uint32_t r[4];
    cpuid(leaf, r);
    return r[reg];
}

/* YMM3's 32 bytes survive `exits` CPUID exits (and the VMM's work between them). */
static bool ymm_survives(unsigned exits)
{
    static const uint32_t pattern[8] __attribute__((aligned(32))) = {
        0x01234567, 0x89abcdef, 0xdeadbeef, 0x0badf00d,
        0x13579bdf, 0x2468ace0, 0xfeedface, 0xc0ffee11,
    };
    uint32_t out[8] __attribute__((aligned(32))) = { 0 };
    __asm__ volatile("vmovdqa %0, %%ymm3" :: "m"(pattern));
    for (unsigned i = 0; i < exits; i++)
        cpuid_reg(0, 0);
    __asm__ volatile("vmovdqa %%ymm3, %0" : "=m"(out));
    for (unsigned i = 0; i < 8; i++)
        if (out[i] != pattern[i])
            return false;
    return true;
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    if (!(cpuid_reg(1, 2) & CPUID_1_ECX_XSAVE)) {
        skip("xsave: XSETBV and XCR0", "CPUID offers no XSAVE");
        return;
    }
    check(!(cpuid_reg(1, 2) & CPUID_1_ECX_OSXSAVE),
          "xsave: CPUID.1:ECX.OSXSAVE is 0 while CR4.OSXSAVE is clear");
    write_cr4(read_cr4() | CR4_OSXSAVE);
    check(read_cr4() & CR4_OSXSAVE, "xsave: CR4.OSXSAVE sets");
    check(cpuid_reg(1, 2) & CPUID_1_ECX_OSXSAVE,
          "xsave: CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE");
    check_eq("xsave: XCR0 after reset", xgetbv0(), XCR0_X87);
    uint32_t offered = cpuid_reg(0xd, 0);
    check(offered & XCR0_X87 && offered & XCR0_SSE && !(offered & XCR0_AVX512),
          "xsave: CPUID.0xd:EAX offers x87 and SSE, no AVX-512 (0x%x)", offered);

    check(xsetbv_safe(0, XCR0_X87 | XCR0_SSE) && xgetbv0() == (XCR0_X87 | XCR0_SSE),
          "xsave: XSETBV XCR0 = 3 (x87, SSE) reads back");
    check_eq("xsave: CPUID.0xd:EBX for XCR0 = 3", cpuid_reg(0xd, 1), 576);
    refused(0, XCR0_SSE, "no x87");
    refused(1, XCR0_X87, "XCR1");
    refused(0, XCR0_X87 | XCR0_AVX, "AVX without SSE");
    refused(0, XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512, "AVX-512, not offered");
    refused(0, XCR0_X87 | XCR0_SSE | 1u << 30, "a reserved bit");

    if (!(offered & XCR0_AVX)) {
        skip("xsave: AVX state survives VM exits", "CPUID offers no AVX state");
    } else {
        uint32_t all = XCR0_X87 | XCR0_SSE | XCR0_AVX;
        check(xsetbv_safe(0, all) && xgetbv0() == all,
              "xsave: XSETBV XCR0 = 7 (x87, SSE, AVX) reads back");
        check_eq("xsave: CPUID.0xd:EBX for XCR0 = 7", cpuid_reg(0xd, 1), 832);
        check(ymm_survives(100), "xsave: YMM3 survives 100 CPUID exits");
    }
    write_cr4(read_cr4() & ~CR4_OSXSAVE);
    check(!(cpuid_reg(1, 2) & CPUID_1_ECX_OSXSAVE),
          "xsave: CPUID.1:ECX.OSXSAVE clears with CR4.OSXSAVE");
}
