/* SPDX-License-Identifier: MIT */
/* Vireo VMM: one ring-3 process per guest; each VM exit arrives as a portal call. */
#pragma once
#include <stdarg.h>
#include <stdatomic.h>
#include <vireo/hip.h>
#include <vireo/mtd.h>
#include <vireo/sel.h>
#include <vireo/utcb.h>
#include <vireo/vmx.h>
#include "dev/bus.h"
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

/* VM-exit statistics (vmm/exitstat.c): vm_exit() counts each exit and the TSC ticks from
   its portal's entry to the reply, by reason (the portal id: SDM basic exit reason, or
   a Vireo event). Two arrays, not one of structs: a scaled index reaches both directly. */
extern uint64_t exit_count[VIREO_EVENT_COUNT], exit_ticks[VIREO_EVENT_COUNT], exit_pending;
/* The SDM's name of an exit reason ("IO_INSTRUCTION"), "vireo:STARTUP", or "unknown". */
const char *exit_name(unsigned reason);
/* Notes the TSC at which the guest starts (printed), the table's time origin. */
void exit_stats_start(void);
/* Prints the table: a header with totals, a line per reason seen, "vmm: exit table end". */
void exit_stats_print(const char *why);
/* The statistics port (0x4f0): writing 1 prints the table. */
extern const struct dev_ops exit_stats_ops;
extern const struct dev_range exit_stats_range[1];

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

/* CPUID answers are cached per (leaf, subleaf) (vmm/exits.c): a change to what they
   reflect must drop them. */
void cpuid_forget(void);
/* CPUID 0x15 names the TSC a multiple of a "crystal" whose Hz fit in 32 bits: the ratio
   (1 but for TSCs above 4.29 GHz). The local APIC timer runs at the crystal's rate. */
static inline uint32_t vmm_tsc_crystal_ratio(void)
{
    return (uint32_t)(1 + ((vmm_boot.tsc_khz * 1000) >> 32));
}

/* MSRs (vmm/msr.c). A read gives false for an MSR the guest does not have (#GP). A write
   returns the state groups it changed, to be sent back (MSR_WRITE_DONE if none), or 0 for
   #GP: no such MSR, a reserved bit set, or a non-canonical address. */
#define MSR_WRITE_DONE VIREO_MTD_RIP_LEN
bool msr_read(struct vireo_vcpu_state *s, uint32_t index, uint64_t *value);
uint64_t msr_write(struct vireo_vcpu_state *s, uint32_t index, uint64_t value);

/* The guest's PC (vmm/platform.c): the device models on their bus. Unclaimed ports and
   MMIO read as all ones and drop writes. */
bool platform_init(void);
/* Writes the MP and ACPI tables for the devices into guest RAM; false if it is too small. */
bool platform_write_firmware(void);
uint32_t platform_pio_read(uint32_t port, unsigned bytes);
void platform_pio_write(uint32_t port, unsigned bytes, uint32_t value);
uint32_t platform_mmio_read(uint64_t gpa, unsigned bytes);
void platform_mmio_write(uint64_t gpa, unsigned bytes, uint32_t value);
/* Brings the models up to TSC `now`; returns the next TSC at which one needs it. */
uint64_t platform_advance(uint64_t now);
/* Read on every exit, so in the open: the exit path looks at them without a call. */
extern struct bus platform_bus;
extern bool platform_pic_changed;
extern atomic_bool platform_input_news;
/* Nothing new since the last platform_advance(): no model accessed, no line moved, no
   input. The deadline is the caller's compare. */
static inline bool platform_quiet(void)
{
    return !platform_bus.stale && !platform_pic_changed &&
           !atomic_load_explicit(&platform_input_news, memory_order_relaxed);
}
/* Whether platform_advance(now) has work: a deadline passed or something is new. */
static inline bool platform_due(uint64_t now)
{
    return now >= platform_bus.next || !platform_quiet();
}
static inline uint64_t platform_deadline(void) { return platform_bus.next; }
/* Without the clock: the next deadline once the models accessed have been asked for
   theirs (if it has passed, platform_advance() has work). */
uint64_t platform_refresh(void);
/* COM1's unfinished output line to the console now (the guest idles). */
void platform_console_flush(void);
/* COM1's input has arrived (any thread): the next platform_advance() hands it to the
   model. platform_input_due(): whether that is still to be done. */
void platform_input_arrived(void);
static inline bool platform_input_due(void) { return atomic_load(&platform_input_news); }
/* Whether the interrupt output may have changed since the last call (lines, guest access,
   a model's deadline). */
bool platform_intr_changed(void);
/* An interrupt for the CPU (the 8259's INT through LINT0 or with the APIC off, or the
   local APIC's highest deliverable vector), and its acknowledge (the vector to inject). */
bool platform_intr_pending(void);
uint8_t platform_intr_ack(void);
/* The local APIC's MSRs: IA32_APIC_BASE (false: a value the model refuses, for #GP) and
   IA32_TSC_DEADLINE in host TSC. */
uint64_t platform_apic_base(void);
bool platform_set_apic_base(uint64_t value);
uint64_t platform_tsc_deadline(void);
void platform_set_tsc_deadline(uint64_t tsc);

/* Interrupt delivery (vmm/intr.c). What the exit said about the guest's readiness for an
   interrupt, saved before the handler runs (a print overwrites the exit's state). */
struct intr_view {
    uint64_t rflags;
    uint32_t intr_state;
};
extern struct intr_view intr_view;
/* After an exit's handler: brings the devices up to date and puts the PIC's interrupt into
   the reply, or asks for an interrupt window; then marks the guest as running. Returns
   the TSC at which it last looked at the clock. */
uint64_t intr_reply(struct vireo_vcpu_state *s);
/* The exit handler is busy: the timer thread must not recall the vCPU for it. */
extern atomic_bool intr_in_guest;
static inline void intr_exit_begins(void) { atomic_store(&intr_in_guest, false); }
/* The timer thread's body: recalls the vCPU at the devices' deadlines. */
NORETURN void intr_timer_thread(void);
/* Another thread has news for the devices (input): makes the vCPU's handler look at
   them now, waking it from HLT or recalling the running guest. */
void intr_kick(void);
#define VMM_SEL_TIMER_WAKE (VIREO_SEL_FIRST_FREE + 10)  /* a new deadline for the thread */
#define VMM_SEL_VCPU (VIREO_SEL_FIRST_FREE + 1)

/* Console input for COM1 (vmm/input.c): a thread attached to the console server. */
uint64_t input_start(struct vireo_utcb *u);
size_t input_take(uint8_t *buf, size_t max);
bool input_lost(void);

/* EPT violations (vmm/mmio.c): MMIO through the instruction emulator (vmm/emul/). */
void exit_mmio(struct vireo_vcpu_state *s);
