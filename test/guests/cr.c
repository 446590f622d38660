/* SPDX-License-Identifier: MIT */
/* Guest "cr": CR0 and CR4 writes read back, and paging on (4 MiB pages) and off again. */
#include "guest.h"

const char guest_name[] = "cr";

static uint32_t pd[1024] __attribute__((aligned(4096)));
static volatile uint32_t probe = 0xc0ffee01;

#define ALIAS_BASE 0xc0000000u      /* a second mapping of physical 0..4 MiB */

static void toggle_cr0(uint32_t bit, const char *name)
{
    uint32_t old = read_cr0();
    write_cr0(old ^ bit);
    uint32_t got = read_cr0();
    write_cr0(old);
    check(got == (old ^ bit) && read_cr0() == old, "cr: CR0.%s toggles and restores (0x%x->0x%x)",
          name, old, got);
}

static void toggle_cr4(uint32_t bit, const char *name, uint32_t cpuid_edx_bit)
{
    uint32_t r[4];
    cpuid(1, r);
    if (!(r[3] & (1u << cpuid_edx_bit))) {
        skip(name, "CPUID does not offer the feature");
        return;
    }
    uint32_t old = read_cr4();
    write_cr4(old ^ bit);
    uint32_t got = read_cr4();
    write_cr4(old);
    check(got == (old ^ bit) && read_cr4() == old, "cr: CR4.%s toggles and restores (0x%x->0x%x)",
          name, old, got);
}

static void paging(void)
{
    paging_identity(pd, 64u << 20);
    pd[ALIAS_BASE >> 22] = 0x83;                /* 4 MiB page at physical 0, P RW PS */
    uint32_t cr0 = read_cr0();
    paging_on(pd);
    uint32_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    bool on = (read_cr0() & CR0_PG) != 0;
    /* The page directory itself, seen through the alias, and a write through it. */
    volatile uint32_t *alias_pd = (volatile uint32_t *)(ALIAS_BASE + (uint32_t)pd);
    uint32_t seen = alias_pd[ALIAS_BASE >> 22];
    volatile uint32_t *alias_probe = (volatile uint32_t *)(ALIAS_BASE + (uint32_t)&probe);
    bool pd_below_4m = (uint32_t)pd < (4u << 20) && (uint32_t)&probe < (4u << 20);
    if (pd_below_4m)
        *alias_probe = 0xc0ffee02;
    paging_off();
    check(on && cr3 == (uint32_t)pd, "cr: paging on with CR3 = page directory 0x%x", cr3);
    check(pd_below_4m && (seen & ~0x60u) == 0x83 && probe == 0xc0ffee02,  /* A, D may be set */
          "cr: a 4 MiB alias at 0x%x reads and writes the same memory (pde 0x%x, probe 0x%x)",
          ALIAS_BASE, seen, probe);
    check(read_cr0() == cr0 && !(read_cr0() & CR0_PG), "cr: paging off again, CR0 0x%x",
          read_cr0());
}

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    toggle_cr0(CR0_WP, "WP");
    toggle_cr0(CR0_TS, "TS");
    toggle_cr0(CR0_WP | CR0_TS, "WP|TS");
    toggle_cr4(CR4_PGE, "PGE", 13);
    toggle_cr4(CR4_OSFXSR, "OSFXSR", 24);
    toggle_cr4(CR4_PSE, "PSE", 3);
    paging();
    /* Twice: the second round starts from the state the first one left. */
    paging();
}
