/* SPDX-License-Identifier: MIT */
/* Vireo: GDT, TSS and IDT (SDM Vol. 3A 3.4.5 segment descriptors, 7.2.3 TSS in 64-bit mode). */
#include "cpu.h"
#include "x86.h"

struct cpu cpus[MAX_CPUS];
unsigned cpu_count;

#define DESC_TSS_AVAIL 0x89ull
#define IDT_VECTORS 256
#define GATE_INTERRUPT 0x8e00u      /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint16_t flags;                 /* IST index in bits 0-2, type, DPL, present */
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} PACKED;

struct descriptor_ptr {
    uint16_t limit;
    uint64_t base;
} PACKED;

/* The descriptors below the TSS; entry 0 is the null descriptor. */
static const uint64_t gdt_segments[SEL_TSS / 8] = {
    [SEL_KCODE / 8] = 0x00af9a000000ffffull,        /* 64-bit, DPL 0 */
    [SEL_KDATA / 8] = 0x00cf92000000ffffull,
    [SEL_UCODE32 / 8] = 0x00cffa000000ffffull,      /* 32-bit, DPL 3 */
    [SEL_UDATA / 8] = 0x00cff2000000ffffull,
    [SEL_UCODE64 / 8] = 0x00affa000000ffffull,      /* 64-bit, DPL 3 */
};

extern const uint64_t isr_table[IDT_VECTORS];
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static void set_gate(unsigned vector, uint64_t handler, enum ist_slot ist)
{
    idt[vector] = (struct idt_gate){
        .offset_lo = (uint16_t)handler,
        .selector = SEL_KCODE,
        .flags = (uint16_t)(GATE_INTERRUPT | ist),
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_hi = (uint32_t)(handler >> 32),
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < IDT_VECTORS; v++)
        set_gate(v, isr_table[v], IST_NONE);
    set_gate(2, isr_table[2], IST_NMI);
    set_gate(8, isr_table[8], IST_DOUBLE_FAULT);
    set_gate(18, isr_table[18], IST_MACHINE_CHECK);
}

static void gdt_set_tss(struct cpu *c, uint64_t base, uint64_t limit)
{
    c->gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | DESC_TSS_AVAIL << 40 |
                          (limit >> 16 & 0xf) << 48 | (base >> 24 & 0xff) << 56;
    c->gdt[SEL_TSS / 8 + 1] = base >> 32;
}

static void tss_fill(struct cpu *c)
{
    struct cpu_stacks *s = c->stacks;
    memset(&c->tss, 0, sizeof(c->tss));
    c->kstack_top = (uint64_t)(s->kernel + sizeof(s->kernel));
    c->tss.rsp[0] = c->kstack_top;
    for (unsigned i = 0; i < ARRAY_SIZE(s->ist); i++)
        c->tss.ist[i] = (uint64_t)(s->ist[i] + sizeof(s->ist[i]));
    c->tss.iomap_base = sizeof(c->tss);     /* no I/O bitmap: ring 3 gets no ports */
}

void cpu_load_tables(struct cpu *c)
{
    c->self = c;
    memcpy(c->gdt, gdt_segments, sizeof(gdt_segments));
    gdt_set_tss(c, (uint64_t)&c->tss, sizeof(c->tss) - 1);
    tss_fill(c);
    struct descriptor_ptr gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };
    struct descriptor_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     "mov %2, %%ss\n\t"
                     "mov %3, %%fs\n\t"
                     "mov %3, %%gs\n\t"
                     "ltr %w4\n\t"
                     "lidt %5"
                     :: "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(0), "r"(SEL_TSS),
                        "m"(idtr)
                     : "rax", "memory");
    wrmsr(MSR_GS_BASE, (uint64_t)c);
}

void cpu_set_tss(struct cpu *c, uint64_t base, uint32_t limit)
{
    gdt_set_tss(c, base, limit);            /* available again: LTR faults on a busy TSS */
    c->tss_base = base;
    c->tss_limit = limit;
    c->tr_stale = false;
    __asm__ volatile("ltr %w0" :: "r"(SEL_TSS) : "memory");
}

#define STAR_SYSRET_SHIFT 48                /* SYSRET: CS = base + 16, SS = base + 8 */
#define STAR_SYSCALL_SHIFT 32
#define FMASK_BITS 0x47700ull               /* TF IF DF IOPL NT AC off in the kernel */

void syscall_entry(void);

void cpu_load_syscall(void)
{
    wrmsr(MSR_STAR, (uint64_t)(SEL_UCODE32 | 3) << STAR_SYSRET_SHIFT |
                    (uint64_t)SEL_KCODE << STAR_SYSCALL_SHIFT);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, FMASK_BITS);
    wrmsr(MSR_KERNEL_GS_BASE, 0);       /* ring 3's GS base, which SWAPGS swaps in */
}
