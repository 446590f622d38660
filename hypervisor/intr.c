/* SPDX-License-Identifier: MIT */
/* Vireo: interrupt and exception dispatch. */
#include "cpu.h"
#include "ec.h"
#include "intr.h"
#include "lapic.h"
#include "x86.h"

typedef void (*irq_handler)(struct frame *f);

/* Spurious interrupts are not in service: they get no EOI (SDM Vol. 3A 11.9). */
static void spurious(struct frame *f) { (void)f; }

static void timer(struct frame *f)
{
    (void)f;
    lapic_timer_interrupt();
    lapic_eoi();
}

static void unexpected(struct frame *f)
{
    klog(LOG_WARN, "cpu%u: unexpected interrupt, vector %lu\n", this_cpu()->id, f->vector);
    lapic_eoi();
}

static const irq_handler irq_handlers[256] = {
    [VEC_TIMER] = timer,
    [VEC_PIC_SPURIOUS1] = spurious,
    [VEC_PIC_SPURIOUS2] = spurious,
    [VEC_SPURIOUS] = spurious,
};

/* SDM Vol. 3A table 6-1. */
static const char *const exception_names[VEC_FIRST_IRQ] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved (15)", "#MF x87 floating-point", "#AC alignment check",
    "#MC machine check", "#XM SIMD floating-point", "#VE virtualization",
    "#CP control protection", "reserved (22)", "reserved (23)", "reserved (24)",
    "reserved (25)", "reserved (26)", "reserved (27)", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved (31)",
};

void intr_entry(struct frame *f)
{
    if (f->vector == VEC_NMI && panic_in_progress())
        cpu_halt_forever();
    if (f->vector < VEC_FIRST_IRQ && (f->cs & 3))
        ec_kill_current("%s at rip 0x%lx (error 0x%lx, cr2 0x%lx)",
                        exception_names[f->vector], f->rip, f->error, read_cr2());
    if (f->vector < VEC_FIRST_IRQ)
        panic_frame(f, exception_names[f->vector]);
    irq_handler h = irq_handlers[f->vector & 0xff];
    (h ? h : unexpected)(f);
}
