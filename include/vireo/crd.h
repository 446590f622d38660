/* SPDX-License-Identifier: MIT */
/* Vireo ABI: capability range descriptors and rights. */
#pragma once
#include <stdint.h>

/*
 * A capability range descriptor (CRD) names 2^order consecutive capabilities of one
 * kind starting at `base` (a page number, an I/O port or a selector; base must be
 * aligned to 2^order) with a set of rights:
 *   bits 0-1 kind, bits 2-6 rights, bits 7-11 order, bits 12-63 base.
 * A CRD of kind NULL names nothing (an empty receive window).
 */
enum vireo_crd_kind { VIREO_CRD_NULL = 0, VIREO_CRD_MEM = 1, VIREO_CRD_IO = 2,
                      VIREO_CRD_OBJ = 3 };

#define VIREO_CRD_KIND_MASK 0x3ull
#define VIREO_CRD_RIGHTS_SHIFT 2
#define VIREO_CRD_RIGHTS_MASK 0x1full
#define VIREO_CRD_ORDER_SHIFT 7
#define VIREO_CRD_ORDER_MASK 0x1full
#define VIREO_CRD_BASE_SHIFT 12

typedef uint64_t vireo_crd;

static inline vireo_crd vireo_crd_make(enum vireo_crd_kind kind, uint64_t base,
                                       unsigned order, unsigned rights)
{
    return (uint64_t)kind | ((uint64_t)rights & VIREO_CRD_RIGHTS_MASK) << VIREO_CRD_RIGHTS_SHIFT |
           ((uint64_t)order & VIREO_CRD_ORDER_MASK) << VIREO_CRD_ORDER_SHIFT |
           base << VIREO_CRD_BASE_SHIFT;
}

static inline unsigned vireo_crd_kind(vireo_crd c) { return (unsigned)(c & VIREO_CRD_KIND_MASK); }
static inline unsigned vireo_crd_rights(vireo_crd c)
{
    return (unsigned)(c >> VIREO_CRD_RIGHTS_SHIFT & VIREO_CRD_RIGHTS_MASK);
}
static inline unsigned vireo_crd_order(vireo_crd c)
{
    return (unsigned)(c >> VIREO_CRD_ORDER_SHIFT & VIREO_CRD_ORDER_MASK);
}
static inline uint64_t vireo_crd_base(vireo_crd c) { return c >> VIREO_CRD_BASE_SHIFT; }

/* Memory rights. */
#define VIREO_MEM_R 0x1
#define VIREO_MEM_W 0x2
#define VIREO_MEM_X 0x4
#define VIREO_MEM_ALL 0x7
/* Not a right but an attribute the hypervisor sets on device memory (anything that is not
   RAM): such pages are mapped uncached (PAT UC, SDM Vol. 3A 12.12.3), and the attribute
   goes with every delegation, whatever rights the delegator asks for. */
#define VIREO_MEM_DEVICE 0x10
/* I/O port rights. */
#define VIREO_IO_ACCESS 0x1
/* Object rights, by object type (all objects: 0x1f is every right). */
#define VIREO_OBJ_ALL 0x1f
#define VIREO_PD_CREATE_PD 0x01
#define VIREO_PD_CREATE_EC 0x02
#define VIREO_PD_CREATE_SC 0x04
#define VIREO_PD_CREATE_PT 0x08
#define VIREO_PD_CREATE_SM 0x10
#define VIREO_EC_CREATE_PT 0x01     /* bind portals to this (local) EC */
#define VIREO_EC_CREATE_SC 0x02     /* bind a scheduling context to this (global) EC */
#define VIREO_EC_CTRL 0x04
#define VIREO_SC_CTRL 0x01
#define VIREO_PT_CALL 0x01
#define VIREO_PT_CTRL 0x02
#define VIREO_SM_UP 0x01
#define VIREO_SM_DOWN 0x02
#define VIREO_SM_ASSIGN 0x04        /* route an interrupt to this semaphore */

/* Object types, as lookup reports them. */
enum vireo_obj_type { VIREO_OBJ_NONE = 0, VIREO_OBJ_PD = 1, VIREO_OBJ_EC = 2,
                      VIREO_OBJ_SC = 3, VIREO_OBJ_PT = 4, VIREO_OBJ_SM = 5 };
