/* SPDX-License-Identifier: MIT */
/* Vireo: readable panics and clean stops, written to the serial port without locks. */
#include "cpu.h"
#include "intr.h"
#include "lapic.h"
#include "serial.h"
#include "x86.h"

#define BACKTRACE_MAX 16

static int panicking;

NORETURN void cpu_halt_forever(void)
{
    for (;;) {
        irq_disable();
        halt();
    }
}

bool panic_in_progress(void)
{
    return __atomic_load_n(&panicking, __ATOMIC_ACQUIRE);
}

/* Bypasses the console lock: the CPU holding it may be the one that faulted. */
static void raw_vprint(const char *fmt, va_list ap)
{
    char buf[256];
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    serial_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

static PRINTF_LIKE(1, 2) void raw_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    raw_vprint(fmt, ap);
    va_end(ap);
}

static unsigned current_cpu_id(void)
{
    return rdmsr(MSR_GS_BASE) ? this_cpu()->id : 0;
}

/*
 * Follows the frame-pointer chain (the hypervisor is built with -fno-omit-frame-pointer)
 * while it stays on this CPU's stacks, once they are known.
 */
static void backtrace(uint64_t rbp)
{
    uint64_t lo = rdmsr(MSR_GS_BASE) ? (uint64_t)this_cpu()->stacks : 0;

    raw_print("backtrace:");
    for (unsigned i = 0; i < BACKTRACE_MAX && lo && rbp >= lo && IS_ALIGNED(rbp, 8) &&
                         rbp + 16 <= lo + sizeof(struct cpu_stacks); i++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        raw_print(" %lx", frame[1]);
        rbp = frame[0];
    }
    raw_print("\n");
}

static NORETURN void stop_machine(void)
{
    lapic_nmi_others();
    raw_print("vireo: halted\n");
    serial_flush();
    cpu_halt_forever();
}

static void claim_panic(void)
{
    irq_disable();
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL))
        cpu_halt_forever();     /* another CPU is already reporting */
}

NORETURN void panic(const char *fmt, ...)
{
    claim_panic();
    va_list ap;
    va_start(ap, fmt);
    raw_print("\nVIREO PANIC on cpu%u: ", current_cpu_id());
    raw_vprint(fmt, ap);
    va_end(ap);
    raw_print("\n");
    backtrace((uint64_t)__builtin_frame_address(0));
    stop_machine();
}

NORETURN void panic_frame(const struct frame *f, const char *what)
{
    claim_panic();
    raw_print("\nVIREO PANIC on cpu%u: %s (vector %lu, error 0x%lx)\n", current_cpu_id(), what,
              f->vector, f->error);
    raw_print("rip %016lx cs %04lx rflags %08lx rsp %016lx ss %04lx\n", f->rip, f->cs,
              f->rflags, f->rsp, f->ss);
    raw_print("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    raw_print("rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    raw_print("r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
    raw_print("r13 %016lx r14 %016lx r15 %016lx\n", f->r13, f->r14, f->r15);
    raw_print("cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n", read_cr0(), read_cr2(),
              read_cr3(), read_cr4());
    raw_print("at %lx, ", f->rip);
    backtrace(f->rbp);
    stop_machine();
}

NORETURN void boot_fail(const char *fmt, ...)
{
    claim_panic();
    va_list ap;
    va_start(ap, fmt);
    raw_print("vireo: error: ");
    raw_vprint(fmt, ap);
    va_end(ap);
    raw_print("\n");
    stop_machine();
}
