/* SPDX-License-Identifier: MIT */
/* Vireo: protection domains: an address space, an I/O port space, (later) an object space. */
#pragma once
#include <vireo/crd.h>
#include "kobj.h"
#include "lib.h"
#include "memdb.h"
#include "paging.h"
#include "x86.h"

struct cpu;

#define PD_NAME_MAX 32
#define USER_LIMIT 0x0000800000000000ull       /* first non-canonical address */
#define IO_PORT_BITS 16

struct capspace;

struct pd {
    struct kobj obj;
    struct capspace *caps;      /* the object space: one page */
    uint64_t root;              /* physical address of the PML4 */
    uint64_t io_bitmap;         /* physical, 8 KiB, a set bit denies the port */
    struct resspace mem;        /* host memory: page numbers -> frames */
    struct resspace io;         /* I/O ports */
    uint64_t ept;               /* a VM: the EPT PML4 of its guest-physical space, else 0 */
    struct resspace guest;      /* a VM: guest-physical pages -> frames */
    char name[PD_NAME_MAX];
};

/* The kernel-only part every address space shares (upper half, TSS area); at boot. */
void pd_init_kernel(unsigned ncpus);
/* A new PD; with `vm` also a guest-physical space (ept.c). */
struct pd *pd_create(const char *name, bool vm);
/* Maps [va, va+size) to [pa, ...) for user access; flags: PTE_W, PTE_NX. */
int pd_map(struct pd *pd, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);
/* Removes user mappings and flushes every CPU's TLB. */
void pd_unmap(struct pd *pd, uint64_t va, uint64_t size);
void pd_destroy(struct kobj *o);
/* ept.c: the VM's guest-physical space, and its end. */
bool ept_create(struct pd *pd);
void free_tables(uint64_t table, unsigned level, unsigned first, unsigned last);
void ept_destroy(struct pd *pd);
/* The PD's space for memory or I/O capabilities (VIREO_CRD_MEM / _IO). */
static inline struct resspace *pd_space(struct pd *pd, unsigned crd_kind)
{
    return crd_kind == VIREO_CRD_MEM ? &pd->mem : &pd->io;
}
/* Loads CR3 unless it holds `root` already (a reload would flush the TLB). */
static ALWAYS_INLINE void cr3_switch(uint64_t root)
{
    if (read_cr3() != root)
        write_cr3(root);
}
/* Switches to the PD's address space. */
static ALWAYS_INLINE void pd_activate(struct pd *pd) { cr3_switch(pd->root); }
/* The TSS this CPU uses from now on: in the TSS area, followed by the I/O bitmap. */
void cpu_move_tss(struct cpu *c);
