/* SPDX-License-Identifier: MIT */
/* Guest "reset": checks the keyboard controller and the reset control register, then
   resets or powers off the machine the way its command line says (reset=N, hex), as an
   operating system would: 1 the i8042 pulse (command 0xfe, Linux's "reboot"), 2 port
   0xcf9 (Linux's "reboot=pci"), 3 a triple fault ("reboot=triple"), 4 HLT with
   interrupts off (Linux's poweroff with no ACPI), 5 the i8042 output port's reset bit
   (command 0xd1). Nothing of the guest runs after it: a line after the deed is a FAIL. */
#include "guest.h"

const char guest_name[] = "reset";

#define KBC_DATA 0x60
#define KBC_CMD 0x64
#define KBC_ST_OBF 0x01
#define KBC_ST_IBF 0x02
#define KBC_ST_SYS 0x04
#define KBC_SELF_TEST 0xaa
#define KBC_SELF_TEST_OK 0x55
#define KBC_WRITE_OUTPORT 0xd1
#define KBC_PULSE_RESET 0xfe
#define OUTPORT_A20 0x02                /* bit 0 (reset) left 0: the CPU resets */
#define RCR 0xcf9
#define RCR_SYS_RESET 0x02
#define RCR_RESET_CPU 0x04
#define SPINS 100000

enum { VIA_KBC_PULSE = 1, VIA_RCR, VIA_TRIPLE_FAULT, VIA_HALT, VIA_KBC_OUTPORT, VIA_COUNT };

static const char *const via_name[VIA_COUNT] = {
    [VIA_KBC_PULSE] = "i8042 reset pulse (0xfe)",
    [VIA_RCR] = "reset control register 0xcf9",
    [VIA_TRIPLE_FAULT] = "triple fault",
    [VIA_HALT] = "HLT with interrupts off (power off)",
    [VIA_KBC_OUTPORT] = "i8042 output port bit 0 (0xd1)",
};

/* Linux's kb_wait(): the controller takes a byte only with its input buffer empty. */
static bool kbc_wait(void)
{
    for (unsigned i = 0; i < SPINS; i++)
        if (!(inb(KBC_CMD) & KBC_ST_IBF))
            return true;
    return false;
}

static bool kbc_reply(uint8_t *v)
{
    for (unsigned i = 0; i < SPINS; i++)
        if (inb(KBC_CMD) & KBC_ST_OBF) {
            *v = inb(KBC_DATA);
            return true;
        }
    return false;
}

static void kbc_checks(void)
{
    uint8_t v = 0;
    while (inb(KBC_CMD) & KBC_ST_OBF)  /* flush, as Linux does first */
        (void)inb(KBC_DATA);
    check(kbc_wait(), "reset: i8042 input buffer empty");
    outb(KBC_CMD, KBC_SELF_TEST);
    bool replied = kbc_reply(&v);
    check(replied && v == KBC_SELF_TEST_OK, "reset: i8042 self-test answers 0x55 (got 0x%x)", v);
    check(inb(KBC_CMD) & KBC_ST_SYS, "reset: i8042 status has the system flag");
}

static void reset(unsigned via)
{
    uint8_t v;
    switch (via) {
    case VIA_KBC_PULSE:
        kbc_wait();
        outb(KBC_CMD, KBC_PULSE_RESET);
        break;
    case VIA_RCR:
        v = (uint8_t)(inb(RCR) & ~(RCR_SYS_RESET | RCR_RESET_CPU));
        outb(RCR, v | RCR_SYS_RESET);
        outb(RCR, v | RCR_SYS_RESET | RCR_RESET_CPU);
        break;
    case VIA_TRIPLE_FAULT:              /* no valid gate: #UD, #GP, #DF all fail */
        idt_load_limit(0);
        __asm__ volatile("ud2");
        idt_load();
        break;
    case VIA_HALT:
        __asm__ volatile("cli; hlt");
        break;
    case VIA_KBC_OUTPORT:
        kbc_wait();
        outb(KBC_CMD, KBC_WRITE_OUTPORT);
        kbc_wait();
        outb(KBC_DATA, OUTPORT_A20);
        break;
    }
    for (volatile unsigned i = 0; i < SPINS; i++)
        ;
}

void guest_main(const struct mb1_info *mbi)
{
    const char *cmdline = mbi->flags & MB1_INFO_CMDLINE ? (const char *)mbi->cmdline : "";
    uint32_t via = 0;
    if (!check(cmdline_hex(cmdline, "reset", &via) && via > 0 && via < VIA_COUNT,
               "reset: command line '%s' has reset=1..%x", cmdline, VIA_COUNT - 1))
        summary_and_exit();
    kbc_checks();
    if (failures())
        summary_and_exit();
    printf("reset: checks passed; now by %s\n", via_name[via]);
    guest_exit_drain();
    reset(via);
    check(false, "reset: still running after the %s", via_name[via]);
    summary_and_exit();
}
