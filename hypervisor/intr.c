/* SPDX-License-Identifier: MIT */
/* Vireo: interrupt and exception dispatch. */
#include "cpu.h"
#include "ec.h"
#include "intr.h"
#include "lapic.h"
#include "sched.h"
#include "sm.h"
#include "syscall.h"
#include "x86.h"

typedef void (*irq_handler)(struct frame *f);

/* Spurious interrupts are not in service: they get no EOI (SDM Vol. 3A 11.9). */
static void spurious(struct frame *f) { (void)f; }

static void timer(struct frame *f)
{
    (void)f;
    lapic_eoi();
    lapic_timer_interrupt();
    if (this_cpu()->online)             /* not during the boot-time timer check */
        sched_tick();
}

static void resched(struct frame *f)
{
    (void)f;
    lapic_eoi();
    sched_kick();
}

static void unexpected(struct frame *f)
{
    klog(LOG_WARN, "cpu%u: unexpected interrupt, vector %lu\n", this_cpu()->id, f->vector);
    lapic_eoi();
}

static const irq_handler irq_handlers[256] = {
    [VEC_TIMER] = timer,
    [VEC_RESCHED] = resched,
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

/* The interrupted ring-3 state goes into its EC, which may now lose the CPU. */
static void save_user_state(struct ec *ec, const struct frame *f)
{
    memcpy(&ec->regs, f, offsetof(struct regs, rip));
    ec->regs.rip = f->rip;
    ec->regs.rflags = f->rflags;
    ec->regs.rsp = f->rsp;
    ec->iret = true;
}

_Static_assert(offsetof(struct frame, r15) == offsetof(struct regs, r15),
               "frame and regs start with the same GPRs");

void intr_entry(struct frame *f)
{
    bool user = f->cs & 3;
    if (f->vector == VEC_NMI && panic_in_progress())
        cpu_halt_forever();
    if (f->vector == VEC_TLB_FLUSH) {   /* lock-free: the lock holder may be waiting */
        tlb_flush_interrupt();
        return;
    }
    /* Not the interrupted EC's doing. Nothing may be touched here: the NMI can arrive
       while this CPU holds the console lock, or before SYSCALL's SWAPGS. */
    if (f->vector == VEC_NMI)
        return;
    if (f->vector < VEC_FIRST_IRQ && (!user || f->vector == VEC_MACHINE_CHECK))
        panic_frame(f, exception_names[f->vector]);
    struct cpu *c = this_cpu();
    /* A VM exit cut TR's limit (SDM 27.5.2), hiding the I/O bitmap: a ring-3 IN or OUT
       faults. Restored only then, the exit path never pays for it; the instruction retries. */
    if (f->vector == VEC_GP && c->tr_stale) {
        cpu_set_tss(c, c->tss_base, c->tss_limit);
        return;
    }
    kernel_lock();
    if (f->vector < VEC_FIRST_IRQ) {
        if (c->current->dead)           /* destroyed from another CPU meanwhile */
            ec_end_current();
        save_user_state(c->current, f);
        exception_call(c->current, (unsigned)f->vector, f->error, read_cr2());
        ec_kill_current("%s at rip 0x%lx (error 0x%lx, cr2 0x%lx)",
                        exception_names[f->vector], f->rip, f->error, read_cr2());
    }
    irq_handler h = irq_handlers[f->vector & 0xff];
    if (f->vector >= VEC_GSI_BASE && f->vector < VEC_GSI_END)
        sm_gsi_interrupt((unsigned)f->vector);
    else
        (h ? h : unexpected)(f);
    if (c->current && c->current->dead)   /* after the handler: its EOI is done */
        ec_end_current();
    if (user && c->current && !c->sc_current)
        c->need_resched = true;         /* its SC is gone: nothing pays for it any more */
    if (c->need_resched) {
        if (user && c->current)
            save_user_state(c->current, f);
        struct sc *sc = c->sc_current;
        if (sc) {
            sc_block_current();
            sc_ready(sc);
        }
        schedule();
    }
    kernel_unlock();
}
