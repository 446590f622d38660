/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: one typed wrapper per hypercall (include/vireo/hypercall.h). */
#pragma once
#include <stdint.h>
#include <vireo/crd.h>
#include <vireo/hypercall.h>
#include <vireo/status.h>
#include "vireo.h"

/* The RAX value for hypercall `nr` with per-call `flags`. */
static inline uint64_t hc_rax(uint64_t nr, uint64_t flags)
{
    return nr | flags << VIREO_HC_FLAGS_SHIFT;
}

/* create_ec's RDX: the CPU in the low VIREO_EC_CPU_BITS, the event base above. */
static inline uint64_t hc_ec_cpu(uint64_t cpu, uint64_t event_base)
{
    return cpu | event_base << VIREO_EC_CPU_BITS;
}

static inline uint64_t hc_call_flags(uint64_t pt, uint64_t flags)
{
    return vireo_hc1(hc_rax(VIREO_HC_CALL, flags), pt).status;
}

static inline uint64_t hc_call(uint64_t pt)
{
    return hc_call_flags(pt, 0);
}

/* Does not return when it works; the status comes back only if the kernel refused. */
static inline uint64_t hc_reply(void)
{
    return vireo_hc1(hc_rax(VIREO_HC_REPLY, 0), 0).status;
}

/* crd: object capabilities delegated into the new PD at the same selectors (0: none). */
static inline uint64_t hc_create_pd(uint64_t dst, uint64_t pd, vireo_crd crd)
{
    return vireo_hc6(hc_rax(VIREO_HC_CREATE_PD, 0), dst, pd, crd, 0, 0, 0).status;
}

/* flags: VIREO_HC_FLAG_EC_GLOBAL / _VCPU; cpu_eb: hc_ec_cpu(cpu, event_base). */
static inline uint64_t hc_create_ec(uint64_t flags, uint64_t dst, uint64_t pd, uint64_t cpu_eb,
                                    uint64_t utcb, uint64_t rsp, uint64_t ip)
{
    return vireo_hc6(hc_rax(VIREO_HC_CREATE_EC, flags), dst, pd, cpu_eb, utcb, rsp,
                            ip).status;
}

static inline uint64_t hc_create_sc(uint64_t dst, uint64_t pd, uint64_t ec, uint64_t qpd)
{
    return vireo_hc6(hc_rax(VIREO_HC_CREATE_SC, 0), dst, pd, ec, qpd, 0, 0).status;
}

static inline uint64_t hc_create_pt(uint64_t dst, uint64_t pd, uint64_t ec, uint64_t mtd,
                                    uint64_t ip)
{
    return vireo_hc6(hc_rax(VIREO_HC_CREATE_PT, 0), dst, pd, ec, mtd, ip, 0).status;
}

static inline uint64_t hc_create_sm(uint64_t dst, uint64_t pd, uint64_t count)
{
    return vireo_hc6(hc_rax(VIREO_HC_CREATE_SM, 0), dst, pd, count, 0, 0, 0).status;
}

/* flags: VIREO_HC_FLAG_REVOKE_SELF to remove the named capabilities too. */
static inline uint64_t hc_revoke(vireo_crd crd, uint64_t flags)
{
    return vireo_hc6(hc_rax(VIREO_HC_REVOKE, flags), crd, 0, 0, 0, 0, 0).status;
}

/* *out: the CRD of what the caller holds at crd's base; *type: RSI, the object type
   (enum vireo_obj_type) for objects, the frame number for memory, the port for I/O. */
static inline uint64_t hc_lookup(vireo_crd crd, vireo_crd *out, uint64_t *type)
{
    struct vireo_hc_result r = vireo_hc6(hc_rax(VIREO_HC_LOOKUP, 0), crd, 0, 0, 0, 0, 0);
    if (out)
        *out = r.out1;
    if (type)
        *type = r.out2;
    return r.status;
}

static inline uint64_t hc_ec_ctrl(uint64_t ec, uint64_t flags)
{
    return vireo_hc6(hc_rax(VIREO_HC_EC_CTRL, flags), ec, 0, 0, 0, 0, 0).status;
}

/* *ticks: the TSC ticks the SC has consumed. */
static inline uint64_t hc_sc_ctrl(uint64_t sc, uint64_t *ticks)
{
    struct vireo_hc_result r = vireo_hc6(hc_rax(VIREO_HC_SC_CTRL, 0), sc, 0, 0, 0, 0, 0);
    if (ticks)
        *ticks = r.out1;
    return r.status;
}

static inline uint64_t hc_pt_ctrl(uint64_t pt, uint64_t id)
{
    return vireo_hc6(hc_rax(VIREO_HC_PT_CTRL, 0), pt, id, 0, 0, 0, 0).status;
}

static inline uint64_t hc_sm_up(uint64_t sm)
{
    return vireo_hc6(hc_rax(VIREO_HC_SM_CTRL, 0), sm, 0, 0, 0, 0, 0).status;
}

/* deadline: an absolute TSC value, 0 for none (blocks until a count is available). */
static inline uint64_t hc_sm_down_flags(uint64_t sm, uint64_t deadline, uint64_t flags)
{
    return vireo_hc6(hc_rax(VIREO_HC_SM_CTRL, VIREO_HC_FLAG_SM_DOWN | flags), sm,
                            deadline, 0, 0, 0, 0).status;
}

static inline uint64_t hc_sm_down(uint64_t sm, uint64_t deadline)
{
    return hc_sm_down_flags(sm, deadline, 0);
}

static inline uint64_t hc_assign_gsi(uint64_t sm, uint64_t gsi, uint64_t cpu)
{
    return vireo_hc6(hc_rax(VIREO_HC_ASSIGN_GSI, 0), sm, gsi, cpu, 0, 0, 0).status;
}

static inline vireo_crd crd_obj(uint64_t sel, unsigned order, unsigned rights)
{
    return vireo_crd_make(VIREO_CRD_OBJ, sel, order, rights);
}
