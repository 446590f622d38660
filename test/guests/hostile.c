/* SPDX-License-Identifier: MIT */
/* Guest "hostile": undefined opcodes, wild port I/O and MMIO, then a deliberate triple
 * fault. It prints a progress line after each stage and never a SUMMARY. With "idt=ADDR"
 * (hex) on its command line it only moves its IDT to that guest-physical address, which
 * should be MMIO, and raises #UD: the exception's delivery reads its gate from there. */
#include "guest.h"

const char guest_name[] = "hostile";

enum { VEC_UD = 6 };

/* Ports it leaves alone: COM1 and the exit port (the test's own channels), and where a
 * PC resets or drops A20 on a stray write (0x92 fast A20/reset, 0xcf8-0xcff PCI config
 * and reset control). */
static bool port_skipped(uint32_t port, uint32_t size)
{
    static const uint16_t ranges[][2] = { { 0x3f8, 0x3ff }, { 0xf4, 0xf7 }, { 0x92, 0x92 },
                                          { 0xcf8, 0xcff } };
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (port <= ranges[i][1] && port + size - 1 >= ranges[i][0])
            return true;
    return false;
}

#define UD_CASE(name, bytes)                                                            \
    do {                                                                                \
        trap_expect();                                                                  \
        __asm__ volatile(CATCH_BEGIN bytes CATCH_END ::: "memory");                     \
        caught += trap_count == 1 && trap_vector == VEC_UD;                             \
        total++;                                                                        \
        if (trap_count != 1 || trap_vector != VEC_UD)                                   \
            printf("hostile: %s: traps %u vector %u\n", name, trap_count, trap_vector); \
    } while (0)

extern uint64_t hostile_vmx_region;
uint64_t hostile_vmx_region;        /* the memory operand of VMXON and VMPTRLD */

static void undefined_opcodes(void)
{
    unsigned caught = 0, total = 0;
    UD_CASE("ud2", "ud2");
    UD_CASE("ud1", ".byte 0x0f, 0xb9, 0xc0");
    UD_CASE("ud0", ".byte 0x0f, 0xff, 0xc0");
    /* Outside VMX operation every VMX instruction is #UD (SDM Vol. 3C 31.3); a VMM must
     * give the guest the same. */
    UD_CASE("vmxon", "vmxon hostile_vmx_region");
    UD_CASE("vmptrld", "vmptrld hostile_vmx_region");
    UD_CASE("vmlaunch", "vmlaunch");
    UD_CASE("vmresume", "vmresume");
    UD_CASE("vmxoff", "vmxoff");
    check(caught == total, "hostile: %u of %u undefined opcodes raised #UD", caught, total);
    printf("hostile: progress 1: undefined opcodes done\n");
}

static void wild_ports(void)
{
    uint32_t sum = 0, reads = 0, writes = 0;
    for (uint32_t p = 0; p < 0x10000; p++) {
        if (!port_skipped(p, 1)) {
            sum += inb((uint16_t)p);
            outb((uint16_t)p, 0);
            reads++, writes++;
        }
        if (!port_skipped(p, 2) && p % 2 == 0)
            sum += inw((uint16_t)p), reads++;
        if (!port_skipped(p, 4) && p % 4 == 0)
            sum += inl((uint16_t)p), reads++;
    }
    printf("hostile: progress 2: %u port reads (sum %x), %u port writes done\n", reads, sum,
           writes);
}

static void wild_mmio(uint32_t ram_end)
{
    uint32_t sum = 0, n = 0;
    for (uint32_t i = 0; i < 256; i++, n++) {
        uint32_t a = ram_end + i * 0x100000u + (i & 7) * 4u;
        sum += mmio_read32(a);
        mmio_write32(a, 0x5a5a5a5au);
    }
    printf("hostile: progress 3: %u MMIO reads and writes above RAM done (sum %x)\n", n, sum);
    n = 0;
    for (uint32_t a = 0xfe000000u; a >= 0xfe000000u; a += 0x10000u, n++) {
        sum += mmio_read32(a + 0xffc);
        mmio_write32(a + 0xff0, 0xa5a5a5a5u);
    }
    printf("hostile: progress 4: %u MMIO reads and writes in 0xfe000000-0xffffffff done\n", n);
}

static void idt_in_mmio(uint32_t base)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) d = { 0xfff, base };
    printf("hostile: IDT at 0x%x, #UD next\n", base);
    guest_exit_drain();
    __asm__ volatile("lidt %0; ud2" ::"m"(d));
    idt_load();
    check(false, "hostile: still running after #UD through an IDT at 0x%x", base);
    guest_exit(1);
}

void guest_main(const struct mb1_info *mbi)
{
    const char *cmdline = mbi->flags & MB1_INFO_CMDLINE ? (const char *)mbi->cmdline : "";
    uint32_t idt;
    if (cmdline_hex(cmdline, "idt", &idt))
        idt_in_mmio(idt);
    uint32_t ram_end = mbi->flags & MB1_INFO_MEM ? 0x100000u + mbi->mem_upper * 1024u
                                                 : 64u << 20;
    undefined_opcodes();
    wild_ports();
    wild_mmio(ram_end);
    /* An IDT with limit 0 has no valid gate: #UD, then #GP, then #DF all fail to deliver,
     * and the processor shuts down (SDM Vol. 3A 6.15, interrupt 8). */
    printf("hostile: progress 5: triple fault next\n");
    guest_exit_drain();
    idt_load_limit(0);
    __asm__ volatile("ud2");
    idt_load();
    check(false, "hostile: still running after the triple fault");
    guest_exit(1);
}
