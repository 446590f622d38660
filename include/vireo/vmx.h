/* SPDX-License-Identifier: MIT */
/* Vireo ABI: VM exits as events: exit reasons, the extra events, injection requests. */
#pragma once

/*
 * A vCPU's exit with basic reason n is a call to portal event_base + n in the VM PD's
 * object space (the VMM delegates its portals there with create_pd). The portal's MTD
 * names the state groups the handler receives in its UTCB (struct vireo_vcpu_state); the
 * reply's vcpu.mtd names the groups written back. A failed VM entry arrives with its basic
 * reason (VIREO_EXIT_INVALID_GUEST_STATE ...). With no usable portal the hypervisor prints
 * the reason and guest RIP and stops only that vCPU.
 */
enum vireo_exit_reason {                /* SDM Vol. 3D Appendix C */
    VIREO_EXIT_EXCEPTION_NMI = 0,
    VIREO_EXIT_EXTERNAL_INTERRUPT = 1,  /* handled in the hypervisor */
    VIREO_EXIT_TRIPLE_FAULT = 2,
    VIREO_EXIT_INIT = 3,
    VIREO_EXIT_SIPI = 4,
    VIREO_EXIT_INTERRUPT_WINDOW = 7,
    VIREO_EXIT_NMI_WINDOW = 8,
    VIREO_EXIT_TASK_SWITCH = 9,
    VIREO_EXIT_CPUID = 10,
    VIREO_EXIT_GETSEC = 11,
    VIREO_EXIT_HLT = 12,
    VIREO_EXIT_INVD = 13,
    VIREO_EXIT_INVLPG = 14,
    VIREO_EXIT_RDPMC = 15,
    VIREO_EXIT_RDTSC = 16,
    VIREO_EXIT_RSM = 17,
    VIREO_EXIT_VMCALL = 18,
    VIREO_EXIT_VMCLEAR = 19,
    VIREO_EXIT_VMLAUNCH = 20,
    VIREO_EXIT_VMPTRLD = 21,
    VIREO_EXIT_VMPTRST = 22,
    VIREO_EXIT_VMREAD = 23,
    VIREO_EXIT_VMRESUME = 24,
    VIREO_EXIT_VMWRITE = 25,
    VIREO_EXIT_VMXOFF = 26,
    VIREO_EXIT_VMXON = 27,
    VIREO_EXIT_CR_ACCESS = 28,
    VIREO_EXIT_DR_ACCESS = 29,
    VIREO_EXIT_IO = 30,
    VIREO_EXIT_RDMSR = 31,
    VIREO_EXIT_WRMSR = 32,
    VIREO_EXIT_INVALID_GUEST_STATE = 33,
    VIREO_EXIT_MSR_LOADING = 34,
    VIREO_EXIT_MWAIT = 36,
    VIREO_EXIT_MTF = 37,
    VIREO_EXIT_MONITOR = 39,
    VIREO_EXIT_PAUSE = 40,
    VIREO_EXIT_MACHINE_CHECK = 41,
    VIREO_EXIT_TPR_BELOW_THRESHOLD = 43,
    VIREO_EXIT_APIC_ACCESS = 44,
    VIREO_EXIT_VIRTUALIZED_EOI = 45,
    VIREO_EXIT_GDTR_IDTR = 46,
    VIREO_EXIT_LDTR_TR = 47,
    VIREO_EXIT_EPT_VIOLATION = 48,
    VIREO_EXIT_EPT_MISCONFIG = 49,
    VIREO_EXIT_INVEPT = 50,
    VIREO_EXIT_RDTSCP = 51,
    VIREO_EXIT_PREEMPTION_TIMER = 52,
    VIREO_EXIT_INVVPID = 53,
    VIREO_EXIT_WBINVD = 54,
    VIREO_EXIT_XSETBV = 55,
    VIREO_EXIT_APIC_WRITE = 56,
    VIREO_EXIT_RDRAND = 57,
    VIREO_EXIT_INVPCID = 58,
    VIREO_EXIT_VMFUNC = 59,
    VIREO_EXIT_RDSEED = 61,
    VIREO_EXIT_XSAVES = 63,
    VIREO_EXIT_XRSTORS = 64,
    VIREO_EXIT_COUNT = 70,
    /* Not exits: the vCPU's first run, and ec_ctrl(recall). */
    VIREO_EVENT_STARTUP = 0xfe,
    VIREO_EVENT_RECALL = 0xff,
    VIREO_EVENT_COUNT = 0x100,          /* selectors an event base spans */
};

/*
 * vcpu.inj_info: on an exit (MTD_INJ) the event the vCPU delivers at its next entry unless
 * the reply says otherwise: one whose delivery the exit cut short (IDT-vectoring
 * information, SDM 27.2.4, which the kernel re-arms), or an earlier reply's that no entry
 * has delivered yet (a recall that came first); else not VALID. In a reply, the event to
 * inject (VM-entry interruption-information format, SDM 24.8.3; not VALID: none) plus these
 * requests, which stay in force until a reply with MTD_INJ clears them. A VMM that injects
 * must name MTD_INJ in its portals, or it may replace an event it never saw.
 */
#define VIREO_INJ_VALID (1u << 31)
#define VIREO_INJ_ERROR_CODE (1u << 11)
#define VIREO_INJ_TYPE_EXTINT (0u << 8)
#define VIREO_INJ_TYPE_NMI (2u << 8)
#define VIREO_INJ_TYPE_HW_EXCEPTION (3u << 8)
#define VIREO_INJ_TYPE_SW_INTERRUPT (4u << 8)
#define VIREO_INJ_WANT_INTR_WINDOW (1u << 12)   /* exit once the guest can take an interrupt */
#define VIREO_INJ_WANT_NMI_WINDOW (1u << 13)    /* exit once it can take an NMI */

/*
 * MSRs a VMM may let its guest read (bit n of vcpu.msr_pass) and write (bit
 * VIREO_MSR_PASS_WRITE + n) without an exit, sent with VIREO_MTD_CTRL: only those the
 * VMCS or the vCPU's MSR lists switch, so the guest sees its own values and nothing else.
 * All others always exit. A cleared bit makes the MSR exit again.
 */
enum vireo_msr_pass {
    VIREO_MSR_PASS_FS_BASE,             /* 0xc0000100 */
    VIREO_MSR_PASS_GS_BASE,             /* 0xc0000101 */
    VIREO_MSR_PASS_KERNEL_GS_BASE,      /* 0xc0000102 */
    VIREO_MSR_PASS_SYSENTER_CS,         /* 0x174 */
    VIREO_MSR_PASS_SYSENTER_ESP,        /* 0x175 */
    VIREO_MSR_PASS_SYSENTER_EIP,        /* 0x176 */
    VIREO_MSR_PASS_STAR,                /* 0xc0000081 */
    VIREO_MSR_PASS_LSTAR,               /* 0xc0000082 */
    VIREO_MSR_PASS_FMASK,               /* 0xc0000084 */
    VIREO_MSR_PASS_PAT,                 /* 0x277 */
    VIREO_MSR_PASS_COUNT
};
#define VIREO_MSR_PASS_WRITE 16

/* Exit qualification of VIREO_EXIT_IO (SDM Table 28-5). */
#define VIREO_IO_QUAL_SIZE_MASK 0x7u            /* access size - 1 */
#define VIREO_IO_QUAL_IN (1u << 3)
#define VIREO_IO_QUAL_STRING (1u << 4)
#define VIREO_IO_QUAL_REP (1u << 5)
#define VIREO_IO_QUAL_PORT_SHIFT 16
/* Exit qualification of VIREO_EXIT_EPT_VIOLATION (SDM Table 28-7). */
#define VIREO_EPT_QUAL_READ (1u << 0)
#define VIREO_EPT_QUAL_WRITE (1u << 1)
#define VIREO_EPT_QUAL_FETCH (1u << 2)
