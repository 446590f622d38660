/* SPDX-License-Identifier: MIT */
/* Vireo ABI: hypercall numbers and register convention. */
#pragma once
#include <stdint.h>

/*
 * SYSCALL with RAX = number | flags << VIREO_HC_FLAGS_SHIFT; arguments in RDI, RSI, RDX,
 * R8, R9, R10 (RCX and R11 are taken by SYSCALL itself). The status comes back in RAX,
 * extra results in RDI and RSI. Only the low VIREO_HC_NUMBER_BITS of the number count:
 * the kernel masks it and dispatches through a table whose spare slots return
 * VIREO_BAD_HYP.
 *
 * Registers, like a SysV function call: every hypercall may clobber RCX, RDX, RSI, RDI,
 * R8, R9, R10 and R11 (besides RAX, the status) where it does not define a result, and
 * keeps RBX, RBP, R12-R15 and RSP. A clobbered register never holds a value of another
 * EC or of the kernel: after a call it is zero or the caller's own. A portal's handler
 * starts with RIP = the portal's IP, RSP = its stack, RDI = the portal id, RFLAGS = IF,
 * and every other register zero. call and reply without flags take the kernel's fast
 * path; the semantics are the same on every path.
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

/*
 * The calls. "sel" arguments are selectors in the caller's object space; a new object's
 * capability goes to an empty selector `dst` with every right. PD arguments name the PD
 * the new object belongs to and need the matching VIREO_PD_CREATE_* right.
 *
 * call(RDI pt): sends the caller's UTCB message (head.untyped words, head.typed items)
 *   to the portal's handler EC and blocks until it replies; the reply lands in the
 *   caller's UTCB. The handler starts afresh at the portal's entry IP on its own stack
 *   (create_ec's RSP) with RDI = the portal id (pt_ctrl) and its UTCB holding the
 *   message; the caller's time (SC) runs the handler. BAD_CAP: not a portal or no
 *   VIREO_PT_CALL right. TIMEOUT (with VIREO_HC_FLAG_NONBLOCK): handler busy. ABORTED:
 *   the handler died during the call (revoking the portal only stops later calls).
 * reply(): sends the handler's UTCB message back to its caller; does not return. Typed
 *   items in the reply delegate capabilities into the caller's receive window.
 * create_pd(RDI dst, RSI pd, RDX crd): a new protection domain. Its name (for messages)
 *   is the caller's UTCB message if that has 4 or more untyped words (32 bytes, NUL-
 *   terminated), else "pd". The object capabilities that `crd` names (kind OBJ, or 0
 *   for none) are delegated into it at the same selectors, e.g. its exception portals.
 * create_ec(RDI dst, RSI pd, RDX cpu | event_base << 16, R8 utcb, R9 rsp, R10 ip): an
 *   EC in pd on cpu, with its UTCB at the page-aligned user address `utcb` (the kernel
 *   maps a fresh page there), stack pointer rsp, and exception portals at
 *   event_base + vector in pd's object space (event_base 0, or no portal there: an
 *   exception kills the EC). An exception calls that portal's handler with the EC's
 *   state in the handler's UTCB as struct vireo_vcpu_state (GPRs, rip, rsp, rflags;
 *   qual[0] = error code, qual[1] = CR2); the reply's vcpu.mtd names the groups to
 *   write back (RIP_LEN, RSP, RFLAGS, GPR_*), and its typed items are delegated into
 *   the faulting PD at their hotspots (no receive window needed). The EC then resumes.
 *   With VIREO_HC_FLAG_EC_GLOBAL a thread that starts at ip (RDI = its UTCB) once it
 *   has an SC; otherwise a local EC that serves portal calls (ip is unused).
 * create_sc(RDI dst, RSI pd, RDX ec, R8 qpd): a scheduling context that runs the global
 *   EC `ec` on its CPU. qpd: priority in bits 0-7 (1..VIREO_PRIO_MAX), quantum in
 *   microseconds in bits 12-63 (VIREO_QPD).
 * create_pt(RDI dst, RSI pd, RDX ec, R8 mtd, R9 ip): a portal whose calls run the local
 *   EC `ec` (same CPU as the caller, or BAD_CPU at call time) from `ip`.
 * create_sm(RDI dst, RSI pd, RDX count): a counting semaphore.
 * revoke(RDI crd): removes every capability derived from those the CRD names in the
 *   caller's space, in every PD, recursively; with VIREO_HC_FLAG_REVOKE_SELF the named
 *   ones too. Memory leaves the page tables (TLBs flushed on every CPU).
 * lookup(RDI crd): RDI out = a CRD describing what the caller holds at crd's base
 *   (kind NULL if nothing), rights and order included; RSI out = the object type
 *   (vireo_obj_type) for object capabilities, the frame number for memory, the port
 *   for I/O.
 * ec_ctrl(RDI ec, flag RECALL): forces a vCPU out to its recall portal.
 * sc_ctrl(RDI sc): RDI out = the TSC ticks the SC has consumed.
 * pt_ctrl(RDI pt, RSI id): sets the id a portal hands its handler in RDI.
 * sm_ctrl(RDI sm, RSI deadline): up (VIREO_SM_UP), or with flag VIREO_HC_FLAG_SM_DOWN
 *   down, blocking until a count is available or the TSC reaches `deadline` (0: no
 *   deadline) -> TIMEOUT.
 * assign_gsi(RDI sm, RSI gsi, RDX cpu): routes the interrupt to the semaphore on cpu
 *   (each interrupt is one up; ISA GSIs edge-triggered unless the MADT says otherwise).
 *   BAD_DEV: no I/O APIC pin for that GSI (or beyond 175); BAD_CPU: no such CPU.
 *   create_ec with VIREO_HC_FLAG_EC_VCPU: BAD_FTR until vCPUs exist.
 */
#define VIREO_PRIO_MAX 255
#define VIREO_EC_CPU_BITS 16
#define VIREO_QPD(prio, quantum_us) ((uint64_t)(quantum_us) << 12 | (prio))

/* Flags, per hypercall. */
#define VIREO_HC_FLAG_NONBLOCK 0x1      /* call: fail instead of waiting for the handler */
#define VIREO_HC_FLAG_REVOKE_SELF 0x1   /* revoke: also remove the named capabilities */
#define VIREO_HC_FLAG_EC_GLOBAL 0x1     /* create_ec: a global EC (gets its own SC) */
#define VIREO_HC_FLAG_EC_VCPU 0x2       /* create_ec: a virtual CPU in a VM PD */
#define VIREO_HC_FLAG_PD_VM 0x1         /* create_pd: a VM (with a guest-physical space) */
#define VIREO_HC_FLAG_SM_DOWN 0x1       /* sm_ctrl: down (else up) */
#define VIREO_HC_FLAG_SM_ZERO 0x2       /* sm_ctrl down: consume all counts at once */
#define VIREO_HC_FLAG_EC_RECALL 0x1     /* ec_ctrl: force the EC (vCPU) out to recall */
