/* SPDX-License-Identifier: MIT */
/* Vireo: virtual CPUs: VMCS set-up, VM entry and exit, exits as portal calls (SDM Vol. 3C
   24-27). Only external interrupts and NMIs are handled here; everything else goes to the
   VMM. */
#include <stddef.h>
#include <vireo/mtd.h>
#include <vireo/utcb.h>
#include <vireo/vmx.h>
#include "cpu.h"
#include "ec.h"
#include "intr.h"
#include "lapic.h"
#include "memory.h"
#include "pd.h"
#include "pmm.h"
#include "pt.h"
#include "sched.h"
#include "syscall.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "x86.h"

#define PIN_EXTINT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT_EXITING (1u << 7)
#define PROC_MWAIT_EXITING (1u << 10)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR_EXITING (1u << 29)
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_PAT (3u << 18)                     /* save and load */
#define EXIT_EFER (3u << 20)
#define ENTRY_IA32E (1u << 9)
#define ENTRY_PAT (1u << 14)
#define ENTRY_EFER (1u << 15)
#define EPTP_WB_4LEVEL (6u | 3u << 3)
#define EPTP_AD (1u << 6)
#define EXIT_FAILED_ENTRY (1u << 31)
#define EXIT_REASON_MASK 0xffffu
#define INTR_INFO_TYPE_NMI (2u << 8)
#define INTR_INFO_TYPE_MASK (7u << 8)
#define EFER_LMA (1ull << 10)
#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define MSR_PAT 0x277
#define MSR_SYSENTER_CS 0x174
#define MSR_FS_BASE 0xc0000100
#define FXSAVE_FCW_DEFAULT 0x37f
#define FXSAVE_MXCSR_DEFAULT 0x1f80
#define SEGMENTS 8
#define SEG_CS 1
#define SEG_LDTR 6
#define SEG_TR 7
#define AR_DATA 0x93
#define AR_CODE 0x9b
#define AR_LDT 0x82
#define AR_TSS_BUSY 0x8b

void vmx_enter(struct regs *r, bool launched);
void vmx_exit_entry(void);

static uint16_t next_vpid = 1;

/* The SYSCALL MSRs, which the VMCS does not switch (SDM Vol. 3C 27.3: only the GS base):
   the CPU loads the guest's from the vCPU's list at each entry, stores them back at each
   exit (SWAPGS changes KERNEL_GS_BASE) and loads the host's (24.7.2, 24.8.2, 27.6). */
struct msr_entry {
    uint32_t index, reserved;
    uint64_t value;
};
#define SYSCALL_MSRS 4
static const uint32_t syscall_msr_index[SYSCALL_MSRS] = {
    MSR_STAR, MSR_LSTAR, MSR_FMASK, MSR_KERNEL_GS_BASE
};
static struct msr_entry host_msrs[SYSCALL_MSRS] __attribute__((aligned(16)));

/* A vCPU's pages: its VMCS; its XSAVE (or FXSAVE) image; its MSR bitmap (SDM 24.6.9);
   its MSR list. */
#define VCPU_ORDER 2
static struct msr_entry *guest_msrs(struct ec *ec)
{
    return (struct msr_entry *)((uint8_t *)ec->fpu + 2 * PAGE_SIZE);
}
static uint8_t *msr_bitmap(struct ec *ec) { return (uint8_t *)ec->fpu + PAGE_SIZE; }

/* The MSRs of enum vireo_msr_pass. */
static const uint32_t pass_msr[VIREO_MSR_PASS_COUNT] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_SYSENTER_CS, MSR_SYSENTER_CS + 1,
    MSR_SYSENTER_CS + 2, MSR_STAR, MSR_LSTAR, MSR_FMASK, MSR_PAT
};

/* SDM 24.6 / A.3: a control's value honours the bits the CPU fixes at 0 or 1. */
static uint32_t ctl(uint64_t allowed, uint32_t want)
{
    return (want | (uint32_t)allowed) & (uint32_t)(allowed >> 32);
}

static uint64_t cr0_forced(void) { return vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG); }

/* The guest sees `shadow`; the bits the host forces, and CR4.OSXSAVE (which CPUID shows
   the guest), exit when the guest changes them. */
static void write_cr(enum vmcs_field cr, uint64_t v)
{
    bool cr0 = cr == VMCS_GUEST_CR0;
    uint64_t set = cr0 ? cr0_forced() : vmx_caps.cr4_fixed0;
    uint64_t keep = cr0 ? vmx_caps.cr0_fixed1 : vmx_caps.cr4_fixed1;
    vmcs_write(cr, (v | set) & keep);
    vmcs_write(cr0 ? VMCS_CR0_SHADOW : VMCS_CR4_SHADOW, v);
    vmcs_write(cr0 ? VMCS_CR0_MASK : VMCS_CR4_MASK, set | ~keep | (cr0 ? 0 : CR4_OSXSAVE));
}

static uint64_t read_cr(enum vmcs_field cr)
{
    bool cr0 = cr == VMCS_GUEST_CR0;
    uint64_t mask = vmcs_read(cr0 ? VMCS_CR0_MASK : VMCS_CR4_MASK);
    return (vmcs_read(cr) & ~mask) | (vmcs_read(cr0 ? VMCS_CR0_SHADOW : VMCS_CR4_SHADOW) & mask);
}

struct host_tables {
    uint16_t limit;
    uint64_t base;
} PACKED;

static void setup_host(struct ec *ec)
{
    struct cpu *c = this_cpu();
    struct host_tables gdt, idt;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
    vmcs_write(VMCS_HOST_CR0, read_cr0());
    vmcs_write(VMCS_HOST_CR3, ec->pd->root);
    vmcs_write(VMCS_HOST_CR4, read_cr4());
    vmcs_write(VMCS_HOST_ES + 2, SEL_KCODE);
    vmcs_write(VMCS_HOST_ES + 4, SEL_KDATA);
    vmcs_write(VMCS_HOST_ES + 12, SEL_TSS);
    vmcs_write(VMCS_HOST_GS_BASE, (uint64_t)c);
    vmcs_write(VMCS_HOST_TR_BASE, c->tss_base);
    vmcs_write(VMCS_HOST_GDTR_BASE, gdt.base);
    vmcs_write(VMCS_HOST_IDTR_BASE, idt.base);
    vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
    vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_PAT));
    vmcs_write(VMCS_HOST_RSP, (uint64_t)&ec->regs.rip);   /* the exit pushes the GPRs */
    vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
}

static void setup_controls(struct ec *ec)
{
    const struct vmx_caps *v = &vmx_caps;
    vmcs_write(VMCS_PIN_CTLS, ctl(v->pin_ctls, PIN_EXTINT_EXITING | PIN_NMI_EXITING |
                                                 PIN_VIRTUAL_NMIS));
    vmcs_write(VMCS_PROC_CTLS, ctl(v->proc_ctls, PROC_TSC_OFFSET | PROC_HLT_EXITING |
                                                   PROC_MWAIT_EXITING | PROC_IO_BITMAPS |
                                                   PROC_MSR_BITMAPS | PROC_MONITOR_EXITING |
                                                   PROC_SECONDARY));
    vmcs_write(VMCS_PROC_CTLS2, ctl(v->proc2_ctls, PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED));
    vmcs_write(VMCS_EXIT_CTLS, ctl(v->exit_ctls, EXIT_HOST_64 | EXIT_PAT | EXIT_EFER));
    vmcs_write(VMCS_ENTRY_CTLS, ctl(v->entry_ctls, ENTRY_PAT | ENTRY_EFER));
    vmcs_write(VMCS_ENTRY_INTR_INFO, 0);                /* no event pending */
    vmcs_write(VMCS_IO_BITMAP_A, ec->pd->io_bitmap);   /* ports the VM PD holds pass */
    vmcs_write(VMCS_IO_BITMAP_B, ec->pd->io_bitmap + PAGE_SIZE);
    vmcs_write(VMCS_MSR_BITMAP, virt_to_phys(msr_bitmap(ec)));
    vmcs_write(VMCS_EPT_POINTER, ec->pd->ept | EPTP_WB_4LEVEL | (v->ept_ad ? EPTP_AD : 0));
    vmcs_write(VMCS_VPID, ec->vpid);
    for (unsigned i = 0; i < SYSCALL_MSRS; i++)  /* the same on every CPU; KERNEL_GS_BASE 0 */
        host_msrs[i] = (struct msr_entry){ syscall_msr_index[i], 0,
                                           i < 3 ? rdmsr(syscall_msr_index[i]) : 0 };
    vmcs_write(VMCS_EXIT_MSR_STORE, virt_to_phys(guest_msrs(ec)));
    vmcs_write(VMCS_ENTRY_MSR_LOAD, virt_to_phys(guest_msrs(ec)));
    vmcs_write(VMCS_EXIT_MSR_LOAD, virt_to_phys(host_msrs));
    vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, SYSCALL_MSRS);
    vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, SYSCALL_MSRS);
    vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, SYSCALL_MSRS);
    vmcs_write(VMCS_LINK_POINTER, ~0ull);
}

/* The state after RESET (SDM Vol. 3A 10.1.1) until the VMM's STARTUP reply says more. */
static void setup_guest(void)
{
    for (unsigned i = 0; i < SEGMENTS; i++) {
        vmcs_write(VMCS_GUEST_SEL + 2 * i, 0);
        vmcs_write(VMCS_GUEST_BASE + 2 * i, 0);
        vmcs_write(VMCS_GUEST_LIMIT + 2 * i, 0xffff);
        vmcs_write(VMCS_GUEST_AR + 2 * i, i == SEG_CS ? AR_CODE : i == SEG_LDTR ? AR_LDT
                                           : i == SEG_TR ? AR_TSS_BUSY : AR_DATA);
    }
    vmcs_write(VMCS_GUEST_SEL + 2 * SEG_CS, 0xf000);
    vmcs_write(VMCS_GUEST_BASE + 2 * SEG_CS, 0xffff0000);
    vmcs_write(VMCS_GUEST_LIMIT + 2 * SEGMENTS, 0xffff);      /* GDTR, IDTR */
    vmcs_write(VMCS_GUEST_LIMIT + 2 * SEGMENTS + 2, 0xffff);
    vmcs_write(VMCS_GUEST_RIP, 0xfff0);
    vmcs_write(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
    vmcs_write(VMCS_GUEST_DR7, 0x400);
    vmcs_write(VMCS_GUEST_PAT, 0x0007040600070406ull);
    write_cr(VMCS_GUEST_CR0, 0x60000010);
    write_cr(VMCS_GUEST_CR4, 0);
}

static void setup_vmcs(struct ec *ec)
{
    __asm__ volatile("vmclear %0; vmptrld %0" :: "m"(ec->vmcs) : "cc", "memory");
    setup_host(ec);
    setup_controls(ec);
    setup_guest();
}

struct ec *vcpu_create(struct pd *pd, unsigned cpu)
{
    struct ec *ec = ec_create(pd, cpu, 0, 0, 0);
    if (!ec)
        return NULL;
    uint64_t pages = page_alloc_zeroed(VCPU_ORDER);
    if (!pages) {
        kobj_destroy(&ec->obj);
        return NULL;
    }
    ec->vmcs = pages;
    ec->fpu = phys_to_virt(pages + PAGE_SIZE);
    *(uint16_t *)ec->fpu = FXSAVE_FCW_DEFAULT;
    ec->fpu[6] = FXSAVE_MXCSR_DEFAULT;
    ec->xcr0 = 1;                       /* x87: XCR0 after RESET */
    memset(msr_bitmap(ec), 0xff, PAGE_SIZE);    /* every MSR exits */
    for (unsigned i = 0; i < SYSCALL_MSRS; i++)
        guest_msrs(ec)[i].index = syscall_msr_index[i];
    *(uint32_t *)phys_to_virt(ec->vmcs) = vmx_caps.revision;
    ec->vpid = next_vpid++;
    if (!next_vpid)                     /* VPID 0 is the host's */
        next_vpid = 1;
    ec->event = VIREO_EVENT_STARTUP;
    ec->global = true;
    return ec;
}

bool vcpu_release(struct ec *ec)
{
    struct cpu *c = &cpus[ec->cpu];
    for (unsigned i = 0; i < cpu_count; i++)
        if (cpus[i].fpu_owner == ec)
            cpus[i].fpu_owner = NULL;
    if (c->vmcs == ec->vmcs && c != this_cpu()) {   /* SDM 24.11.1: clear it where active */
        ec->wait_next = c->vmcs_dying;
        c->vmcs_dying = ec;
        lapic_send_ipi(c->apic_id, VEC_RESCHED);
        return false;
    }
    if (c->vmcs == ec->vmcs) {
        __asm__ volatile("vmclear %0" :: "m"(ec->vmcs) : "cc", "memory");
        c->vmcs = 0;
    }
    page_free(ec->vmcs, VCPU_ORDER);
    return true;
}

void vcpu_reap(struct cpu *c)
{
    while (c->vmcs_dying) {
        struct ec *ec = c->vmcs_dying;
        c->vmcs_dying = ec->wait_next;
        ec_destroy(&ec->obj);           /* on the right CPU now */
    }
}

void vcpu_recall(struct ec *ec)
{
    if (!ec->event)
        ec->event = VIREO_EVENT_RECALL;
    struct cpu *c = &cpus[ec->cpu];
    if (c->current == ec && c != this_cpu())
        lapic_send_ipi(c->apic_id, VEC_RESCHED);        /* any interrupt forces an exit */
}

/* State groups kept in the VMCS, sorted by MTD bit: group g is fields[first[g]..first[g+1]). */
struct state_field {
    uint16_t field, offset, size;
};

#define FIELD(f, m) { VMCS_##f, offsetof(struct vireo_vcpu_state, m), \
                      sizeof(((struct vireo_vcpu_state *)0)->m) }
#define SEGMENT(i, m) { VMCS_GUEST_SEL + 2 * (i), offsetof(struct vireo_vcpu_state, m.sel), 2 }, \
    { VMCS_GUEST_LIMIT + 2 * (i), offsetof(struct vireo_vcpu_state, m.limit), 4 },            \
    { VMCS_GUEST_AR + 2 * (i), offsetof(struct vireo_vcpu_state, m.ar), 4 },                  \
    { VMCS_GUEST_BASE + 2 * (i), offsetof(struct vireo_vcpu_state, m.base), 8 }
#define TABLE(i, m) { VMCS_GUEST_LIMIT + 2 * (i), offsetof(struct vireo_vcpu_state, m.limit), 4 }, \
    { VMCS_GUEST_BASE + 2 * (i), offsetof(struct vireo_vcpu_state, m.base), 8 }

static const struct state_field fields[] = {
    FIELD(GUEST_RSP, rsp),                                      /* MTD_RSP */
    SEGMENT(3, ds), SEGMENT(0, es),                             /* MTD_DS_ES */
    SEGMENT(4, fs), SEGMENT(5, gs),                             /* MTD_FS_GS */
    SEGMENT(1, cs), SEGMENT(2, ss),                             /* MTD_CS_SS */
    SEGMENT(7, tr),                                             /* MTD_TR */
    SEGMENT(6, ldtr),                                           /* MTD_LDTR */
    TABLE(8, gdtr),                                             /* MTD_GDTR */
    TABLE(9, idtr),                                             /* MTD_IDTR */
    FIELD(GUEST_CR3, cr3),                                      /* MTD_CR (+ cr0 cr2 cr4) */
    FIELD(GUEST_DR7, dr7),                                      /* MTD_DR */
    FIELD(GUEST_SYSENTER_CS, sysenter_cs), FIELD(GUEST_SYSENTER_ESP, sysenter_rsp),
    FIELD(GUEST_SYSENTER_EIP, sysenter_rip),                    /* MTD_SYSENTER */
    FIELD(PROC_CTLS, ctrl[0]), FIELD(PROC_CTLS2, ctrl[1]),      /* MTD_CTRL (in: special) */
    FIELD(GUEST_INTR_STATE, intr_state), FIELD(GUEST_ACTV_STATE, actv_state),   /* MTD_STA */
    FIELD(TSC_OFFSET, tsc_offset),                              /* MTD_TSC */
    FIELD(GUEST_EFER, efer), FIELD(GUEST_PAT, pat),             /* MTD_EFER_PAT */
};

/* Index of each MTD group's first field; groups not kept in the VMCS, and the STRAIGHT
   ones, are empty. */
static const uint8_t first[] = { 0, 0, 0, 1, 1, 1, 9, 17, 25, 29, 33, 35, 37, 38, 39, 42,
                                 42, 44, 44, 46, 47, 49, 49, 49, 49, 49, 49, 49 };
_Static_assert(sizeof(first) == 28, "one entry per MTD group, plus the end");
_Static_assert(sizeof(fields) / sizeof(fields[0]) == 49, "groups as listed in first[]");
#define FIELD_GROUPS 0x1ffffcull        /* the groups with fields: RSP (bit 2) to EFER_PAT */
/* Groups copied straight, not by the table walk, which costs more than they do. */
#define STRAIGHT ((uint64_t)(VIREO_MTD_RIP_LEN | VIREO_MTD_RFLAGS | VIREO_MTD_QUAL | \
                              VIREO_MTD_INJ))

_Static_assert(offsetof(struct vireo_vcpu_state, kernel_gs_base) ==
               offsetof(struct vireo_vcpu_state, star) + 24, "the UTCB's order, side by side");

/* Sign-extended from bit 47: canonical with 4- and 5-level paging alike. */
static uint64_t canonical(uint64_t va) { return (uint64_t)((int64_t)(va << 16) >> 16); }

static void state_out(struct ec *ec, struct vireo_vcpu_state *s, uint64_t mtd)
{
    const struct regs *r = &ec->regs;
    s->mtd = mtd;
    for (unsigned i = 0; i < SYSCALL_MSRS && (mtd & VIREO_MTD_SYSCALL); i++)
        (&s->star)[i] = guest_msrs(ec)[i].value;
    if (mtd & VIREO_MTD_GPR_ACDB) {
        s->rax = r->rax;
        s->rcx = r->rcx;
        s->rdx = r->rdx;
        s->rbx = r->rbx;
    }
    if (mtd & VIREO_MTD_GPR_BSD) {
        s->rbp = r->rbp;
        s->rsi = r->rsi;
        s->rdi = r->rdi;
    }
    if (mtd & VIREO_MTD_GPR_R8_R15) {   /* struct regs keeps R8-R11 apart from R12-R15 */
        __builtin_memcpy(&s->r8, &r->r8, 4 * sizeof(uint64_t));
        __builtin_memcpy(&s->r12, &r->r12, 4 * sizeof(uint64_t));
    }
    if (mtd & VIREO_MTD_XSAVE)
        s->xcr0 = ec->xcr0;
    if (mtd & VIREO_MTD_CR) {
        s->cr0 = read_cr(VMCS_GUEST_CR0);
        s->cr4 = read_cr(VMCS_GUEST_CR4);
        s->cr2 = ec->cr2;
    }
    if (mtd & VIREO_MTD_RIP_LEN) {      /* the groups most exits name, straight */
        s->rip = vmcs_read(VMCS_GUEST_RIP);
        s->inst_len = vmcs_read(VMCS_EXIT_INSTR_LEN);
    }
    if (mtd & VIREO_MTD_RFLAGS)
        s->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
    if (mtd & VIREO_MTD_QUAL) {
        s->qual[0] = vmcs_read(VMCS_EXIT_QUAL);
        s->qual[1] = vmcs_read(VMCS_GUEST_PHYS_ADDR);
    }
    if (mtd & VIREO_MTD_INJ) {          /* the event pending for the next entry */
        s->inj_info = (uint32_t)vmcs_read(VMCS_ENTRY_INTR_INFO);
        s->inj_error = (uint32_t)vmcs_read(VMCS_ENTRY_INTR_ERROR);
    }
    for (uint64_t m = mtd & FIELD_GROUPS & ~STRAIGHT; m; m &= m - 1) {
        unsigned g = (unsigned)__builtin_ctzll(m);
        for (unsigned i = first[g]; i < first[g + 1]; i++) {
            void *to = (char *)s + fields[i].offset;
            uint64_t v = vmcs_read(fields[i].field);
            if (fields[i].size == 8)    /* plain stores: no memcpy call per field */
                *(uint64_t *)to = v;
            else if (fields[i].size == 4)
                *(uint32_t *)to = (uint32_t)v;
            else
                *(uint16_t *)to = (uint16_t)v;
        }
    }
}

/* Injection, and the interrupt/NMI-window requests that ride on MTD_INJ. */
static void inject(const struct vireo_vcpu_state *s)
{
    uint32_t proc = (uint32_t)vmcs_read(VMCS_PROC_CTLS) & ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW);
    proc |= (s->inj_info & VIREO_INJ_WANT_INTR_WINDOW ? PROC_INTR_WINDOW : 0) |
            (s->inj_info & VIREO_INJ_WANT_NMI_WINDOW ? PROC_NMI_WINDOW : 0);
    vmcs_write(VMCS_PROC_CTLS, ctl(vmx_caps.proc_ctls, proc));
    uint32_t info = s->inj_info & VIREO_INJ_VALID
        ? s->inj_info & ~(VIREO_INJ_WANT_INTR_WINDOW | VIREO_INJ_WANT_NMI_WINDOW) : 0;
    if (info == (uint32_t)vmcs_read(VMCS_ENTRY_INTR_INFO))
        return;                         /* the pending event, kept as it is */
    vmcs_write(VMCS_ENTRY_INTR_INFO, info);
    vmcs_write(VMCS_ENTRY_INTR_ERROR, s->inj_error);
    vmcs_write(VMCS_ENTRY_INSTR_LEN, s->inst_len);
}

/* Clears or sets the bitmap's read and write bits of the MSRs a VMM may pass (bit
   numbers: low MSRs from 0, high ones from 8192; reads, then writes from 16384). */
static void msr_pass(struct ec *ec, uint32_t pass)
{
    for (unsigned i = 0; i < 2 * VIREO_MSR_PASS_COUNT; i++) {
        bool write = i >= VIREO_MSR_PASS_COUNT;
        uint32_t msr = pass_msr[i % VIREO_MSR_PASS_COUNT];
        unsigned bit = (msr & 0x1fff) + (msr >> 31) * 8192 + write * 16384;
        uint8_t *b = &msr_bitmap(ec)[bit / 8], m = (uint8_t)(1u << bit % 8);
        *b = pass >> (i % VIREO_MSR_PASS_COUNT + write * VIREO_MSR_PASS_WRITE) & 1 ? *b & ~m
                                                                                  : *b | m;
    }
}

/* The VMM may choose its exits, but not give up what isolation needs. */
static void controls(struct ec *ec, const struct vireo_vcpu_state *s)
{
    msr_pass(ec, s->msr_pass);
    uint32_t keep = PROC_INTR_WINDOW | PROC_NMI_WINDOW;
    uint32_t proc = ((uint32_t)vmcs_read(VMCS_PROC_CTLS) & keep) | (s->ctrl[0] & ~keep);
    vmcs_write(VMCS_PROC_CTLS, ctl(vmx_caps.proc_ctls, proc | PROC_IO_BITMAPS | PROC_SECONDARY |
                                                         PROC_MWAIT_EXITING |
                                                         PROC_MONITOR_EXITING));
    vmcs_write(VMCS_PROC_CTLS2, ctl(vmx_caps.proc2_ctls, s->ctrl[1] | PROC2_EPT | PROC2_VPID |
                                                          PROC2_UNRESTRICTED));
}

/* Makes ec's VMCS this CPU's current one: another vCPU may have run here since ec's exit,
   and a reply must not land in that one's VMCS. */
static void vmcs_current(struct cpu *c, struct ec *ec)
{
    if (c->vmcs == ec->vmcs)
        return;
    if (!ec->launched && ec->event == VIREO_EVENT_STARTUP)
        setup_vmcs(ec);
    else
        __asm__ volatile("vmptrld %0" :: "m"(ec->vmcs) : "cc", "memory");
    c->vmcs = ec->vmcs;
}

void vcpu_state_in(struct ec *ec, const struct vireo_vcpu_state *s)
{
    uint64_t mtd = s->mtd & VIREO_MTD_ALL;
    vmcs_current(this_cpu(), ec);
    ipc_state_in(ec, s);                /* the GPR groups */
    if (mtd & VIREO_MTD_RIP_LEN)
        vmcs_write(VMCS_GUEST_RIP, s->rip);
    if (mtd & VIREO_MTD_RFLAGS)
        vmcs_write(VMCS_GUEST_RFLAGS, s->rflags);
    for (uint64_t m = mtd & FIELD_GROUPS & ~(STRAIGHT | VIREO_MTD_CTRL); m;
         m &= m - 1) {
        unsigned g = (unsigned)__builtin_ctzll(m);
        for (unsigned i = first[g]; i < first[g + 1]; i++) {
            const void *from = (const char *)s + fields[i].offset;
            vmcs_write(fields[i].field, fields[i].size == 8 ? *(const uint64_t *)from
                                        : fields[i].size == 4 ? *(const uint32_t *)from
                                        : *(const uint16_t *)from);
        }
    }
    if (mtd & VIREO_MTD_CR) {
        write_cr(VMCS_GUEST_CR0, s->cr0);
        write_cr(VMCS_GUEST_CR4, s->cr4);
        ec->cr2 = s->cr2;
    }
    if (mtd & VIREO_MTD_EFER_PAT) {     /* SDM 26.2.4: IA-32e mode guest = EFER.LMA */
        uint32_t entry = (uint32_t)vmcs_read(VMCS_ENTRY_CTLS) & ~ENTRY_IA32E;
        vmcs_write(VMCS_ENTRY_CTLS, entry | (s->efer & EFER_LMA ? ENTRY_IA32E : 0));
    }
    if (mtd & VIREO_MTD_CTRL)
        controls(ec, s);
    /* An XCR0 XSETBV takes (SDM Vol. 2C): x87 on, AVX only with SSE, nothing unoffered. */
    uint64_t x = s->xcr0;
    if ((mtd & VIREO_MTD_XSAVE) && (x & 1) && !(x & ~vmx_caps.xcr0) && (x & 6) != 4) {
        ec->xcr0 = x;
        if (this_cpu()->fpu_owner == ec)
            xsetbv(x);
    }
    if (mtd & VIREO_MTD_INJ)
        inject(s);
    if (mtd & VIREO_MTD_SYSCALL) {      /* values WRMSR takes: else the VM entry fails */
        struct msr_entry *m = guest_msrs(ec);
        m[0].value = s->star;
        m[1].value = canonical(s->lstar);
        m[2].value = (uint32_t)s->fmask;
        m[3].value = canonical(s->kernel_gs_base);
    }
}

/* Calls the VMM's portal for event `ev`; a vCPU nobody handles stops. */
static NORETURN void deliver(struct ec *ec, unsigned ev)
{
    struct pt *pt = event_portal(ec, ev);
    if (!pt)
        ec_kill_current("VM exit %u with no handler at guest rip 0x%lx", ev,
                        vmcs_read(VMCS_GUEST_RIP));
    if (ec->event == ev)
        ec->event = 0;
    state_out(ec, &pt->ec->utcb->vcpu, pt->mtd);
    event_enter(ec, pt);
}

/* With XSAVE, images are saved and restored with every component a vCPU may have (so that
   no restore faults on a component the image holds), then the vCPU's XCR0 is loaded. */
static void switch_fpu(struct cpu *c, struct ec *ec)
{
    struct ec *old = c->fpu_owner;
    if (vmx_caps.xcr0) {
        xsetbv(vmx_caps.xcr0);
        if (old)
            __asm__ volatile("xsave64 %0" : "=m"(*(uint8_t(*)[PAGE_SIZE])old->fpu)
                             : "a"(~0u), "d"(~0u));
        __asm__ volatile("xrstor64 %0" :: "m"(*(uint8_t(*)[PAGE_SIZE])ec->fpu), "a"(~0u),
                         "d"(~0u));
        xsetbv(ec->xcr0);
    } else {
        if (old)
            __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])old->fpu));
        __asm__ volatile("fxrstor64 %0" :: "m"(*(uint8_t(*)[512])ec->fpu));
    }
    c->fpu_owner = ec;
}

NORETURN void vcpu_return(struct ec *ec)
{
    struct cpu *c = this_cpu();
    vmcs_current(c, ec);
    if (ec->event)
        deliver(ec, ec->event);
    if (c->fpu_owner != ec)
        switch_fpu(c, ec);
    kernel_unlock();
    if (read_cr2() != ec->cr2)
        write_cr2(ec->cr2);
    vmx_enter(&ec->regs, ec->launched);
    __builtin_unreachable();
}

/* From vmx_enter when VMLAUNCH/VMRESUME did not even start (SDM 30.4: VMfail). */
NORETURN void vcpu_entry_failed(void);
NORETURN void vcpu_entry_failed(void)
{
    kernel_lock();
    ec_kill_current("VM entry failed: VM-instruction error %lu",
                    vmcs_read(VMCS_INSTR_ERROR));
}

/* The interrupt that caused an exit is taken as soon as interrupts are on; the vCPU goes on
   unless it lost the CPU meanwhile. */
static NORETURN void resume_after_interrupt(struct cpu *c, struct ec *ec)
{
    struct sc *sc = c->sc_current;
    if (sc && c->need_resched) {
        sc_block_current();
        sc_ready(sc);
    }
    if (!sc || c->need_resched)
        schedule();
    resume(ec);
}

NORETURN void vmx_exit_handler(void);
NORETURN void vmx_exit_handler(void)
{
    struct cpu *c = this_cpu();
    struct ec *ec = c->current;
    uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
    bool nmi = reason == VIREO_EXIT_EXCEPTION_NMI &&
               (vmcs_read(VMCS_EXIT_INTR_INFO) & INTR_INFO_TYPE_MASK) == INTR_INFO_TYPE_NMI;
    if (nmi && panic_in_progress())
        cpu_halt_forever();
    if (!(reason & EXIT_FAILED_ENTRY))
        ec->launched = true;
    ec->cr2 = read_cr2();
    c->tr_stale = true;
    /* SDM 27.2.4: an event whose delivery the exit cut short is delivered again at the next
       entry (exits clear the entry field): this field is the pending event MTD_INJ shows. */
    uint32_t vect = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
    if (vect & VIREO_INJ_VALID) {
        vmcs_write(VMCS_ENTRY_INTR_INFO, vect & ~(1u << 12));
        vmcs_write(VMCS_ENTRY_INTR_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
        vmcs_write(VMCS_ENTRY_INSTR_LEN, vmcs_read(VMCS_EXIT_INSTR_LEN));
    }
    if (reason == VIREO_EXIT_EXTERNAL_INTERRUPT)
        __asm__ volatile("sti; nop; cli" ::: "memory");
    kernel_lock();
    if (ec->dead)
        ec_end_current();
    if (nmi || reason == VIREO_EXIT_EXTERNAL_INTERRUPT)
        resume_after_interrupt(c, ec);
    deliver(ec, reason & EXIT_REASON_MASK);
}
