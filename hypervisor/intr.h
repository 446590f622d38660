/* SPDX-License-Identifier: MIT */
/* Vireo: interrupt dispatch, vectors and the panic path. */
#pragma once
#include "lib.h"
#include "printf.h"

enum vector {
    VEC_NMI = 2,
    VEC_GP = 13,
    VEC_MACHINE_CHECK = 18,
    VEC_FIRST_IRQ = 32,
    VEC_TIMER = 0x20,
    VEC_RESCHED = 0x21,         /* IPI: another CPU made an SC of this one ready */
    VEC_TLB_FLUSH = 0x22,       /* IPI: drop user TLB entries (tlb_shootdown) */
    VEC_GSI_BASE = 0x40,        /* GSI n arrives as VEC_GSI_BASE + n (assign_gsi) */
    VEC_GSI_END = 0xf0,
    VEC_PIC_BASE = 0x30,        /* masked i8259s; IRQ 7 and 15 may still be spurious */
    VEC_PIC_SPURIOUS1 = VEC_PIC_BASE + 7,
    VEC_PIC_SPURIOUS2 = VEC_PIC_BASE + 15,
    VEC_SPURIOUS = 0xff,
};

struct frame {
    uint64_t rcx, rdx, rsi, r8, r9, r10, r11;   /* the order of struct regs (ec.h) */
    uint64_t rax, rdi, rbx, rbp, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

void intr_entry(struct frame *f);

/* A hypervisor bug: report (with registers when `f` is given) and stop every CPU. */
NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
NORETURN void panic_frame(const struct frame *f, const char *what);
/* Bad input the hypervisor cannot run with (configuration, firmware): say so and stop. */
NORETURN void boot_fail(const char *fmt, ...) PRINTF_LIKE(1, 2);
bool panic_in_progress(void);
/* Stops this CPU for good. */
NORETURN void cpu_halt_forever(void);
