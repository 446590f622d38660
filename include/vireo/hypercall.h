/* SPDX-License-Identifier: MIT */
/* Vireo ABI: hypercall numbers and register convention. */
#pragma once

/*
 * SYSCALL with RAX = number | flags << VIREO_HC_FLAGS_SHIFT; arguments in RDI, RSI, RDX,
 * R8, R9, R10 (RCX and R11 are taken by SYSCALL itself). The status comes back in RAX,
 * extra results in RDI and RSI. Only the low VIREO_HC_NUMBER_BITS of the number count:
 * the kernel masks it and dispatches through a table whose spare slots return
 * VIREO_BAD_HYP.
 */
#define VIREO_HC_NUMBER_BITS 4
#define VIREO_HC_FLAGS_SHIFT 4

enum vireo_hypercall {
    VIREO_HC_CALL = 0,
    VIREO_HC_REPLY = 1,
    VIREO_HC_CREATE_PD = 2,
    VIREO_HC_CREATE_EC = 3,
    VIREO_HC_CREATE_SC = 4,
    VIREO_HC_CREATE_PT = 5,
    VIREO_HC_CREATE_SM = 6,
    VIREO_HC_REVOKE = 7,
    VIREO_HC_LOOKUP = 8,
    VIREO_HC_EC_CTRL = 9,
    VIREO_HC_SC_CTRL = 10,
    VIREO_HC_PT_CTRL = 11,
    VIREO_HC_SM_CTRL = 12,
    VIREO_HC_ASSIGN_GSI = 13,
    VIREO_HC_COUNT
};

/* Flags, per hypercall. */
#define VIREO_HC_FLAG_NONBLOCK 0x1      /* call: fail instead of waiting for the handler */
#define VIREO_HC_FLAG_REVOKE_SELF 0x1   /* revoke: also remove the named capabilities */
#define VIREO_HC_FLAG_EC_GLOBAL 0x1     /* create_ec: a global EC (gets its own SC) */
#define VIREO_HC_FLAG_EC_VCPU 0x2       /* create_ec: a virtual CPU (next issue) */
#define VIREO_HC_FLAG_SM_DOWN 0x1       /* sm_ctrl: down (else up) */
#define VIREO_HC_FLAG_SM_ZERO 0x2       /* sm_ctrl down: consume all counts at once */
#define VIREO_HC_FLAG_EC_RECALL 0x1     /* ec_ctrl: force the EC (vCPU) out to recall */
