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

/* The guest module's command line. */
const char *vmm_guest_cmdline(void);

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

/* EPT violations (vmm/mmio.c): MMIO through the instruction emulator (vmm/emul/). */
void exit_mmio(struct vireo_vcpu_state *s);
