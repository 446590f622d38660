/* SPDX-License-Identifier: MIT */
/* Vireo ABI: message transfer descriptor: which vCPU state groups a message carries. */
#pragma once

/*
 * On a VM exit the portal's MTD says which groups the kernel copies from the VMCS into
 * the handler's UTCB; in the reply, utcb.vcpu.mtd says which groups go back.
 */
enum vireo_mtd {
    VIREO_MTD_GPR_ACDB = 1u << 0,       /* rax rcx rdx rbx */
    VIREO_MTD_GPR_BSD = 1u << 1,        /* rbp rsi rdi */
    VIREO_MTD_RSP = 1u << 2,
    VIREO_MTD_RIP_LEN = 1u << 3,        /* rip, instruction length */
    VIREO_MTD_RFLAGS = 1u << 4,
    VIREO_MTD_DS_ES = 1u << 5,
    VIREO_MTD_FS_GS = 1u << 6,
    VIREO_MTD_CS_SS = 1u << 7,
    VIREO_MTD_TR = 1u << 8,
    VIREO_MTD_LDTR = 1u << 9,
    VIREO_MTD_GDTR = 1u << 10,
    VIREO_MTD_IDTR = 1u << 11,
    VIREO_MTD_CR = 1u << 12,            /* cr0 cr2 cr3 cr4 (cr8 with TPR) */
    VIREO_MTD_DR = 1u << 13,            /* dr7 */
    VIREO_MTD_SYSENTER = 1u << 14,
    VIREO_MTD_QUAL = 1u << 15,          /* exit qualification, guest-physical address */
    VIREO_MTD_CTRL = 1u << 16,          /* execution controls the VMM may change */
    VIREO_MTD_INJ = 1u << 17,           /* event injection, interrupt/NMI window */
    VIREO_MTD_STA = 1u << 18,           /* interruptibility and activity state */
    VIREO_MTD_TSC = 1u << 19,           /* TSC offset */
    VIREO_MTD_EFER_PAT = 1u << 20,
    VIREO_MTD_SYSCALL = 1u << 21,       /* star lstar fmask kernel_gs_base */
    VIREO_MTD_TPR = 1u << 22,
    VIREO_MTD_TSC_AUX = 1u << 23,
    VIREO_MTD_XSAVE = 1u << 24,         /* xcr0 */
    VIREO_MTD_FPU = 1u << 25,
    VIREO_MTD_GPR_R8_R15 = 1u << 26,
    VIREO_MTD_ALL = (1u << 27) - 1,
};
