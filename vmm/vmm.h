/* SPDX-License-Identifier: MIT */
/* Vireo VMM: one ring-3 process per guest; each VM exit arrives as a portal call. */
#pragma once
#include <stdarg.h>
#include <vireo/hip.h>
#include <vireo/mtd.h>
#include <vireo/sel.h>
#include <vireo/utcb.h>
#include <vireo/vmx.h>
#include "hc.h"
#include "layout.h"
#include "vireo.h"

#define GUEST_RAM ((uint8_t *)VMM_GUEST_RAM)
#define EXIT_UTCB 0x00007fffffffd000ull        /* the exit handler's UTCB */
#define VMM_SEL_TIMER_SM (VIREO_SEL_FIRST_FREE + 9) /* a semaphore to sleep on */

extern struct vmm_boot vmm_boot;

/* An exit handler reads the exit's state (the groups `mtd` names) and writes the reply
   into the same struct: s->mtd names what goes back. */
typedef void (*exit_fn)(struct vireo_vcpu_state *s);
struct exit_handler {
    exit_fn fn;
    uint64_t mtd;
};
extern const struct exit_handler exit_handlers[VIREO_EVENT_COUNT];
/* The exits with no handler in the table: the guest stops, with a message. */
void exit_unexpected(struct vireo_vcpu_state *s);
extern uint64_t vmm_exit_reason;        /* of the exit being handled */

/* Prints through the console server, one whole line per call at most. */
void vmm_print(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Ends the guest for good (its vCPU and VM PD), saying why. */
void vmm_stop(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* The host view of guest-physical [gpa, gpa + len), or NULL outside guest RAM. */
uint8_t *guest_ram(uint64_t gpa, uint64_t len);

/* The guest's command line (cmdline= on the VMM's line, else its first module's line). */
const char *vmm_guest_cmdline(void);
/* The module the VMM's line names with KEY=, and its size; NULL if there is none. */
const uint8_t *vmm_module(const char *key, uint64_t *size);
/* Loads the guest its modules name into guest RAM and sets the vCPU's entry state in *s
   (vmm/guest.c); false, with the guest stopped and a message, if it cannot. */
bool guest_load(struct vireo_vcpu_state *s);

/* CPUID hides the local APIC, which the VMM does not model yet: a Linux guest then uses
   the 8259 and the PIT alone (set by guest.c for Linux; multiboot test guests see it). */
extern bool vmm_guest_no_apic;

/* MSRs (vmm/msr.c). A read gives false for an MSR the guest does not have (#GP). A write
   returns the state groups it changed, to be sent back (MSR_WRITE_DONE if none), or 0 for
   #GP: no such MSR, a reserved bit set, or a non-canonical address. */
#define MSR_WRITE_DONE VIREO_MTD_RIP_LEN
bool msr_read(struct vireo_vcpu_state *s, uint32_t index, uint64_t *value);
uint64_t msr_write(struct vireo_vcpu_state *s, uint32_t index, uint64_t value);

/* Devices (vmm/dev.c): ports and MMIO ranges as data. */
struct io_device {
    uint32_t base, size;
    uint32_t (*read)(uint32_t offset, unsigned bytes);
    void (*write)(uint32_t offset, unsigned bytes, uint32_t value);
};
/* The device claiming port/address `addr`, or NULL: unclaimed (reads all-ones). */
const struct io_device *pio_device(uint32_t port);
const struct io_device *mmio_device(uint64_t gpa);
/* The timer interrupt the guest is waiting for: its vector and TSC deadline; false if
   it programmed none (or masked it). */
bool timer_pending(uint64_t *deadline, uint8_t *vector);
void timer_fired(void);

/* MMIO instruction decoding (vmm/decode.c). */
struct mmio_insn {
    unsigned len, bytes;        /* instruction length, access size */
    bool write, imm, zext;      /* a store; its value an immediate; a zero-extending load */
    unsigned reg;               /* register operand (x86 encoding order) */
    uint32_t value;             /* the immediate */
};
bool mmio_decode(const uint8_t *code, unsigned avail, bool op32, struct mmio_insn *insn);
