/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the exit handlers, one per exit reason, dispatched through a table. */
#include "dev/lapic.h"
#include "emul/emul.h"
#include "vmm.h"

#define GPRS (VIREO_MTD_GPR_ACDB | VIREO_MTD_GPR_BSD | VIREO_MTD_GPR_R8_R15 | VIREO_MTD_RSP)
#define SEGS (VIREO_MTD_DS_ES | VIREO_MTD_FS_GS | VIREO_MTD_CS_SS | VIREO_MTD_TR | \
              VIREO_MTD_LDTR | VIREO_MTD_GDTR | VIREO_MTD_IDTR)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_1_EBX_APIC_ID 0xff000000u
#define CPUID_6_EAX_ARAT (1u << 2)              /* the APIC timer runs in every C-state */
#define CPUID_TOPOLOGY 0xb
#define CPUID_TOPOLOGY_V2 0x1f
#define CPUID_PERFMON 0xa
#define CPUID_TSC 0x15                          /* TSC / crystal ratio, crystal frequency */
#define CPUID_FREQ 0x16                         /* base, maximum, bus frequency in MHz */
#define CPUID_HV_BASE 0x40000000u
#define VMCALL_PING 0
#define VMCALL_PONG 0x56495245u                 /* 'VIRE' */
#define GPRS_ACDB_RIP (VIREO_MTD_GPR_ACDB | VIREO_MTD_RIP_LEN)
/* Where the MSRs vmm/msr.c serves from the vCPU state live. */
#define MSR_GROUPS (VIREO_MTD_SYSENTER | VIREO_MTD_EFER_PAT | VIREO_MTD_FS_GS | VIREO_MTD_TSC | \
                    VIREO_MTD_SYSCALL)
#define VEC_UD 6
#define VEC_GP 13
#define RFLAGS_DF (1u << 10)
#define CR0_TS (1u << 3)
#define CR0_PG (1ull << 31)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define CR_QUAL_MOV_TO 0
#define CR_QUAL_MOV_FROM 1
#define CR_QUAL_CLTS 2
#define CR_QUAL_LMSW 3

static uint64_t *gpr(struct vireo_vcpu_state *s, unsigned reg)
{
    return &s->rax + reg;               /* rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15 */
}

static void skip(struct vireo_vcpu_state *s, uint64_t mtd)
{
    s->rip += s->inst_len;
    s->mtd = mtd | VIREO_MTD_RIP_LEN;
}

static void inject_gp(struct vireo_vcpu_state *s)
{
    s->inj_info = VIREO_INJ_VALID | VIREO_INJ_TYPE_HW_EXCEPTION | VIREO_INJ_ERROR_CODE | VEC_GP;
    s->inj_error = 0;
    s->mtd = VIREO_MTD_INJ;
}

#define PASS_RW(m) (1u << VIREO_MSR_PASS_##m | 1u << (VIREO_MSR_PASS_WRITE + VIREO_MSR_PASS_##m))

/* The first run: load the guest (vmm/guest.c), give it its RAM at GPA 0, start it. The
   segment-base MSRs an OS writes at every task switch go without exits: the vCPU switches
   them itself (include/vireo/vmx.h). */
static void startup(struct vireo_vcpu_state *s)
{
    uint32_t ctrl[2] = { s->ctrl[0], s->ctrl[1] };
    if (!guest_load(s))
        return;
    s->ctrl[0] = ctrl[0];
    s->ctrl[1] = ctrl[1];
    s->msr_pass = PASS_RW(FS_BASE) | PASS_RW(GS_BASE) | PASS_RW(KERNEL_GS_BASE);
    s->mtd |= VIREO_MTD_CTRL;
    exit_stats_start();
    struct vireo_utcb *u = (struct vireo_utcb *)EXIT_UTCB;
    unsigned order = (unsigned)__builtin_ctzll(vmm_boot.ram_size >> 12);
    struct vireo_typed_item *item = vireo_utcb_typed(u, 0);
    item->crd = vireo_crd_make(VIREO_CRD_MEM, VMM_GUEST_RAM >> 12, order, VIREO_MEM_ALL);
    item->hotspot = 0 | VIREO_DELEGATE_GUEST;
    u->head.typed = 1;
}

/* XSAVE: the hypervisor switches x87, SSE and AVX state (include/vireo/mtd.h,
   VIREO_MTD_XSAVE); the guest's XCR0 and CR4.OSXSAVE, as XSETBV and CR exits set them. */
#define XCR0_X87_SSE_AVX 7u
#define XCR0_AVX 4u
#define XSAVE_SIZE_SSE 576u                     /* legacy area and header */
#define XSAVE_SIZE_AVX 832u                     /* with the upper halves of YMM0-15 */
#define CPUID_XSAVE 0xd
#define CPUID_XSAVES (1u << 3)                  /* leaf 0xd.1 EAX */
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CR4_OSXSAVE (1ull << 18)
static uint64_t guest_xcr0 = 1;
static bool guest_osxsave;

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static uint32_t xcr0_offered(void)
{
    uint32_t r[4];
    host_cpuid(1, 0, r);
    if (!(r[2] & CPUID_1_ECX_XSAVE))
        return 0;
    host_cpuid(CPUID_XSAVE, 0, r);
    return r[0] & XCR0_X87_SSE_AVX;
}

/* XSETBV (SDM Vol. 2C): only XCR0; x87 on, AVX only with SSE, nothing CPUID does not offer.
   (#UD for CR4.OSXSAVE clear and #GP outside ring 0 come before the exit.) */
static void xsetbv_exit(struct vireo_vcpu_state *s)
{
    uint64_t x = (uint32_t)s->rax | (uint64_t)(uint32_t)s->rdx << 32;
    if ((uint32_t)s->rcx != 0 || !(x & 1) || (x & ~(uint64_t)xcr0_offered()) || (x & 6) == 4)
        return inject_gp(s);
    s->xcr0 = guest_xcr0 = x;
    skip(s, VIREO_MTD_XSAVE);
}

/* Features the guest must not see, by leaf and register (0 EAX .. 3 EDX): the VMM does not
   model them or the vCPU would fault on their instructions (the secondary controls that
   allow RDTSCP, RDPID and INVPCID are off; MONITOR/MWAIT exit with no handler). */
static const struct {
    uint32_t leaf;
    unsigned reg;
    uint32_t bits;
} hidden[] = {
    { 1, 2, 1u << 3 | 1u << 5 | 1u << 8 | 1u << 15 | 1u << 21 | 1u << 27 },
    /* MONITOR, VMX, TM2, PDCM, x2APIC; OSXSAVE is the guest's CR4 (exit_cpuid) */
    { 1, 3, 1u << 22 | 1u << 29 },      /* thermal monitor MSRs (ACPI), TM: no IA32_THERM_* */
    { 6, 0, 1u << 0 | 1u << 4 | 1u << 6 },  /* digital and package thermal sensors, PLN */
    { 6, 2, 1u << 0 | 1u << 3 },        /* APERF/MPERF MSRs, energy/performance bias MSR */
    /* IA32_TSC_ADJUST MSR, INVPCID; and state XCR0 cannot enable here (XCR0_OFFERED):
       AVX-512 F DQ IFMA PF ER CD BW VL, VBMI VBMI2 VNNI BITALG VPOPCNTDQ 4VNNIW 4FMAPS
       VP2INTERSECT FP16, AMX; and PKU, CET, whose registers the hypervisor does not switch */
    { 7, 1, 1u << 1 | 1u << 10 | 0xdc230000u },
    { 7, 2, 1u << 22 | 0x58dau },       /* RDPID, and the above */
    { 7, 3, 0x03d0010cu },
    { 0x80000001u, 3, 1u << 27 },       /* RDTSCP */
};

/* The guest's view of CPUID leaf `leaf`, subleaf `sub`: the host's, edited. */
static void cpuid_answer(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    uint32_t r[4];
    host_cpuid(leaf, sub, r);
    for (unsigned i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        if (hidden[i].leaf == leaf)
            r[hidden[i].reg] &= ~hidden[i].bits;
    uint32_t a = r[0], b = r[1], c = r[2], d = r[3];
    /* The local APIC (vmm/dev/lapic.c, ID 0, TSC-deadline timer): the APIC bit follows
       IA32_APIC_BASE's enable, as on hardware (SDM Vol. 3A 10.4.3). */
    if (leaf == 1) {
        c |= CPUID_1_ECX_HYPERVISOR;
        c |= CPUID_1_ECX_TSC_DEADLINE;
        b &= ~CPUID_1_EBX_APIC_ID;
        d = platform_apic_base() & LAPIC_BASE_ENABLE ? d | CPUID_1_EDX_APIC
                                                     : d & ~CPUID_1_EDX_APIC;
    }
    if (leaf == 6)
        a |= CPUID_6_EAX_ARAT;
    if (leaf == CPUID_TOPOLOGY || leaf == CPUID_TOPOLOGY_V2)
        d = 0;                          /* the x2APIC ID */
    if (leaf == 0 && a < CPUID_FREQ)
        a = CPUID_FREQ;
    if (leaf == CPUID_PERFMON)          /* no performance counters to offer */
        a = b = c = d = 0;
    /* XSAVE (SDM Vol. 1 13.2): the components XCR0 may enable, the size of their standard
       image (EBX, for the guest's XCR0, is filled in by exit_cpuid), no XSAVES. */
    if (leaf == CPUID_XSAVE && sub == 0) {
        a = xcr0_offered();
        c = a & XCR0_AVX ? XSAVE_SIZE_AVX : XSAVE_SIZE_SSE;
        d = 0;
    } else if (leaf == CPUID_XSAVE && sub == 1) {
        a &= ~CPUID_XSAVES;             /* EBX: exit_cpuid; no supervisor state */
        c = d = 0;
    } else if (leaf == CPUID_XSAVE && (sub > 31 || !(xcr0_offered() >> sub & 1))) {
        a = b = c = d = 0;
    }
    /* SDM Vol. 2A CPUID: the TSC's frequency as the hypervisor measured it (a "crystal"
       at the TSC's own rate), so the guest need not calibrate against timers. */
    if (leaf == CPUID_TSC) {
        uint64_t hz = vmm_boot.tsc_khz * 1000;
        a = 1;
        b = (uint32_t)(1 + (hz >> 32));  /* the crystal's Hz must fit in ECX */
        c = (uint32_t)(hz / b);
        d = 0;
    }
    if (leaf == CPUID_FREQ) {
        a = b = (uint32_t)(vmm_boot.tsc_khz / 1000);
        c = d = 0;
    }
    if (leaf == CPUID_HV_BASE) {        /* "Vireo-VMM-v1" */
        a = CPUID_HV_BASE + 1;
        memcpy(&b, "Vire", 4);
        memcpy(&c, "o-VM", 4);
        memcpy(&d, "M-v1", 4);
    } else if (leaf > CPUID_HV_BASE && leaf < CPUID_HV_BASE + 0x10000) {
        a = b = c = d = 0;
    }
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

/*
 * A leaf's answer is worked out once per (leaf, subleaf): a guest that spins on CPUID
 * costs a table look-up per exit. The host CPU a vCPU runs on is fixed; whatever changes
 * an answer later (guest state that CPUID reflects) must call cpuid_forget().
 */
#define CPUID_CACHE 64
static struct {
    uint32_t leaf, sub, r[4];
    bool valid;
} cpuid_cache[CPUID_CACHE];

void cpuid_forget(void)
{
    memset(cpuid_cache, 0, sizeof(cpuid_cache));
}

static void exit_cpuid(struct vireo_vcpu_state *s);

/* A leaf not in the cache: worked out, then answered from it. Apart from exit_cpuid(), so
   that the common hit saves and restores no registers. */
static __attribute__((noinline)) void cpuid_miss(struct vireo_vcpu_state *s, unsigned i,
                                                 uint32_t leaf, uint32_t sub)
{
    cpuid_answer(leaf, sub, cpuid_cache[i].r);
    cpuid_cache[i].leaf = leaf;
    cpuid_cache[i].sub = sub;
    cpuid_cache[i].valid = true;
    exit_cpuid(s);
}

static void exit_cpuid(struct vireo_vcpu_state *s)
{
    uint32_t leaf = (uint32_t)s->rax, sub = (uint32_t)s->rcx;
    unsigned i = (leaf ^ leaf >> 24 ^ sub * 7) % CPUID_CACHE;
    if (!cpuid_cache[i].valid || cpuid_cache[i].leaf != leaf || cpuid_cache[i].sub != sub)
        return cpuid_miss(s, i, leaf, sub);
    const uint32_t *r = cpuid_cache[i].r;
    s->rax = r[0];
    s->rbx = r[1];
    s->rcx = r[2] | (leaf == 1 && guest_osxsave ? CPUID_1_ECX_OSXSAVE : 0);
    s->rdx = r[3];
    if (leaf == CPUID_XSAVE && sub <= 1)    /* standard and compacted: the same here */
        s->rbx = guest_xcr0 & XCR0_AVX ? XSAVE_SIZE_AVX : XSAVE_SIZE_SSE;
    skip(s, VIREO_MTD_GPR_ACDB);
}

static void vmcall(struct vireo_vcpu_state *s)
{
    s->rax = (uint32_t)s->rax == VMCALL_PING ? VMCALL_PONG : 0xffffffffu;
    skip(s, VIREO_MTD_GPR_ACDB);
}

/* SDM Table 28-5: INS/OUTS, REP or not. Guest memory is addressed flat (paging off,
   segment bases 0). Apart from the plain IN/OUT, which is the exit path's. */
static __attribute__((noinline)) void io_string(struct vireo_vcpu_state *s, uint32_t q,
                                                uint32_t port, unsigned bytes)
{
    bool in = q & VIREO_IO_QUAL_IN;
    uint64_t rip = s->rip + s->inst_len;
    uint64_t count = q & VIREO_IO_QUAL_REP ? (uint32_t)s->rcx : 1, done = 0;
    uint64_t step = s->rflags & RFLAGS_DF ? (uint64_t)-(int64_t)bytes : bytes;
    uint64_t rsi = s->rsi, rdi = s->rdi, rcx = s->rcx;     /* a print may overwrite *s */
    uint64_t *addr = in ? &rdi : &rsi;
    for (; done < count; done++, *addr = (uint32_t)(*addr + step)) {
        uint8_t *p = guest_ram((uint32_t)*addr, bytes);
        uint32_t v = 0;
        if (!p)
            break;
        if (in) {
            v = platform_pio_read(port, bytes);
            memcpy(p, &v, bytes);
        } else {
            memcpy(&v, p, bytes);
            platform_pio_write(port, bytes, v);
        }
    }
    s->rsi = rsi;
    s->rdi = rdi;
    s->rcx = q & VIREO_IO_QUAL_REP ? rcx - done : rcx;
    s->rip = rip;
    s->mtd = VIREO_MTD_GPR_ACDB | VIREO_MTD_GPR_BSD | VIREO_MTD_RIP_LEN;
}

static void io(struct vireo_vcpu_state *s)
{
    uint32_t q = (uint32_t)s->qual[0], port = q >> VIREO_IO_QUAL_PORT_SHIFT;
    unsigned bytes = (q & VIREO_IO_QUAL_SIZE_MASK) + 1;
    if (q & VIREO_IO_QUAL_STRING)
        return io_string(s, q, port, bytes);
    uint64_t rip = s->rip + s->inst_len;
    uint32_t mask = bytes == 4 ? 0xffffffffu : (1u << (8 * bytes)) - 1;
    if (q & VIREO_IO_QUAL_IN) {
        uint64_t v = platform_pio_read(port, bytes) & mask;
        s->rax = (s->rax & ~(uint64_t)mask) | v;
        s->mtd = VIREO_MTD_RIP_LEN | VIREO_MTD_GPR_ACDB;
    } else {
        platform_pio_write(port, bytes, (uint32_t)s->rax & mask);
        s->mtd = VIREO_MTD_RIP_LEN;
    }
    s->rip = rip;                       /* the device may have printed over the state */
}

/* The MSRs of vmm/msr.c; anything else is #GP, as on hardware. */
static void exit_rdmsr(struct vireo_vcpu_state *s)
{
    uint64_t v;
    if (!msr_read(s, (uint32_t)s->rcx, &v))
        return inject_gp(s);
    s->rax = (uint32_t)v;
    s->rdx = v >> 32;
    skip(s, VIREO_MTD_GPR_ACDB);
}

static void exit_wrmsr(struct vireo_vcpu_state *s)
{
    uint64_t groups = msr_write(s, (uint32_t)s->rcx, (uint32_t)s->rax | s->rdx << 32);
    if (!groups)
        return inject_gp(s);
    skip(s, groups);
}

/* SDM Vol. 3A 10.8.5: with EFER.LME set, turning paging on activates IA-32e mode (LMA),
   and turning it off leaves it; the CPU does this itself only for writes it does not
   hand to the VMM. */
static void mov_to_cr0(struct vireo_vcpu_state *s, uint64_t v)
{
    if (!(s->cr0 & CR0_PG) && (v & CR0_PG) && (s->efer & EFER_LME))
        s->efer |= EFER_LMA;
    else if ((s->cr0 & CR0_PG) && !(v & CR0_PG))
        s->efer &= ~EFER_LMA;
    s->cr0 = v;
    skip(s, VIREO_MTD_CR | VIREO_MTD_EFER_PAT);
}

/* SDM Table 28-3: MOV to/from CRn, CLTS, LMSW. */
static void cr_access(struct vireo_vcpu_state *s)
{
    uint32_t q = (uint32_t)s->qual[0];
    unsigned cr = q & 0xf, type = (q >> 4) & 3;
    uint64_t *crs[] = { &s->cr0, NULL, NULL, &s->cr3, &s->cr4 };
    uint64_t *c = cr < 5 ? crs[cr] : NULL, *reg = gpr(s, (q >> 8) & 0xf);
    if (!c)
        return inject_gp(s);
    if (type == CR_QUAL_MOV_TO && cr == 0)
        return mov_to_cr0(s, *reg);
    if (type == CR_QUAL_MOV_TO)
        *c = *reg;
    else if (type == CR_QUAL_MOV_FROM)
        *reg = *c;
    else if (type == CR_QUAL_CLTS)
        s->cr0 &= ~(uint64_t)CR0_TS;
    else                                /* LMSW: PE can be set, not cleared */
        s->cr0 = (s->cr0 & ~0xeull) | ((q >> 16) & 0xf) | (s->cr0 & 1);
    guest_osxsave = s->cr4 & CR4_OSXSAVE;
    skip(s, GPRS | VIREO_MTD_CR);
}

/* HLT: sleeps until the 8259 has an interrupt for the guest (each device deadline, or a
   wake-up of the semaphore, is a look), then goes on past the HLT; the reply injects it. */
static void hlt(struct vireo_vcpu_state *s)
{
    if (!(intr_view.rflags & RFLAGS_IF)) {
        /* Linux's poweroff with no ACPI to do it halts so (machine_halt). */
        vmm_stop("vmm: guest powered off (halted with interrupts off at rip 0x%lx)\n", s->rip);
        return;
    }
    platform_console_flush();
    uint64_t asleep = rdtsc();
    for (;;) {
        uint64_t next = platform_advance(rdtsc());
        if (platform_intr_pending())
            break;
        hc_sm_down_flags(VMM_SEL_TIMER_SM, next == DEV_NO_DEADLINE ? 0 : next,
                         VIREO_HC_FLAG_SM_ZERO);
    }
    /* vm_exit() counts handler time modulo 2^32 ticks: a sleep that long adds the rest. */
    exit_ticks[VIREO_EXIT_HLT] += (rdtsc() - asleep) & ~(uint64_t)UINT32_MAX;
    s->rip += s->inst_len;
    s->actv_state = 0;
    s->intr_state = 0;                  /* the STI shadow ended with the HLT */
    intr_view.intr_state = 0;
    s->mtd = VIREO_MTD_RIP_LEN | VIREO_MTD_STA;
}

/* VMX instructions in a guest are #UD: no nested virtualization (CPUID hides VMX). */
static void vmx_insn(struct vireo_vcpu_state *s)
{
    s->inj_info = VIREO_INJ_VALID | VIREO_INJ_TYPE_HW_EXCEPTION | VEC_UD;
    s->mtd = VIREO_MTD_INJ;
}

static void triple_fault(struct vireo_vcpu_state *s)
{
    /* SDM Vol. 3C 27.2: a PC resets on a triple fault (shutdown); here the guest ends. */
    vmm_stop("vmm: guest triple fault at rip 0x%lx: guest reset\n", s->rip);
}

static void bad_state(struct vireo_vcpu_state *s)
{
    vmm_stop("vmm: VM entry failed: invalid guest state at rip 0x%lx\n", s->rip);
}

/* The timer thread's recall and the interrupt window: the reply injects what is due. */
static void recall(struct vireo_vcpu_state *s) { s->mtd = 0; }

void exit_unexpected(struct vireo_vcpu_state *s)
{
    vmm_stop("vmm: unexpected VM exit %lu at rip 0x%lx (no handler for its reason)\n",
             vmm_exit_reason, s->rip);
}

#define ON(reason, handler, groups) [VIREO_##reason] = { handler, groups }

const struct exit_handler exit_handlers[VIREO_EVENT_COUNT] = {
    ON(EXIT_TRIPLE_FAULT, triple_fault, VIREO_MTD_RIP_LEN),
    ON(EXIT_CPUID, exit_cpuid, VIREO_MTD_GPR_ACDB | VIREO_MTD_RIP_LEN),
    ON(EXIT_XSETBV, xsetbv_exit, VIREO_MTD_GPR_ACDB | VIREO_MTD_RIP_LEN),
    ON(EXIT_INTERRUPT_WINDOW, recall, 0),
    ON(EXIT_HLT, hlt, VIREO_MTD_RIP_LEN),
    ON(EXIT_VMCALL, vmcall, VIREO_MTD_GPR_ACDB | VIREO_MTD_RIP_LEN),
    ON(EXIT_CR_ACCESS, cr_access, GPRS | VIREO_MTD_RIP_LEN | VIREO_MTD_CR | VIREO_MTD_QUAL |
                                  VIREO_MTD_EFER_PAT),
    ON(EXIT_IO, io, VIREO_MTD_GPR_ACDB | VIREO_MTD_GPR_BSD | VIREO_MTD_RIP_LEN |
                     VIREO_MTD_RFLAGS | VIREO_MTD_QUAL),
    ON(EXIT_RDMSR, exit_rdmsr, GPRS_ACDB_RIP | MSR_GROUPS),
    ON(EXIT_WRMSR, exit_wrmsr, GPRS_ACDB_RIP | MSR_GROUPS),
    ON(EXIT_VMCLEAR, vmx_insn, 0), ON(EXIT_VMLAUNCH, vmx_insn, 0),
    ON(EXIT_VMPTRLD, vmx_insn, 0), ON(EXIT_VMPTRST, vmx_insn, 0), ON(EXIT_VMREAD, vmx_insn, 0),
    ON(EXIT_VMRESUME, vmx_insn, 0), ON(EXIT_VMWRITE, vmx_insn, 0), ON(EXIT_VMXOFF, vmx_insn, 0),
    ON(EXIT_VMXON, vmx_insn, 0), ON(EXIT_INVEPT, vmx_insn, 0), ON(EXIT_INVVPID, vmx_insn, 0),
    ON(EXIT_VMFUNC, vmx_insn, 0),
    ON(EXIT_INVALID_GUEST_STATE, bad_state, VIREO_MTD_RIP_LEN),
    ON(EXIT_EPT_VIOLATION, exit_mmio, EMUL_MTD_IN | VIREO_MTD_QUAL),
    ON(EVENT_STARTUP, startup, VIREO_MTD_CTRL),
    ON(EVENT_RECALL, recall, 0),
};
