/* SPDX-License-Identifier: MIT */
/* Vireo: mapping database of delegated resources (memory pages, I/O ports). */
#pragma once
#include <stdint.h>
#include <stdbool.h>

/*
 * A resource space is one PD's host memory space, guest-physical (EPT) space or I/O port
 * space. A node maps the naturally aligned range [base, base + 2^order) of its space to
 * [target, target + 2^order) (physical pages; for ports target == base) with rights
 * (VIREO_MEM_R/W/X or VIREO_IO_ACCESS). Nodes of one space never overlap. A node derived
 * by delegation is a child of the source node, and its target range lies inside its
 * parent's: the derivation trees span all spaces and are what revoke follows.
 *
 * Each change is mirrored into hardware by the space's ops. map() may fail (VIREO_NO_MEM,
 * having changed nothing); unmap() cannot fail and may name an aligned part of an
 * earlier map(), after revoke split a node: the kernel breaks a large page there. The
 * caller serializes all calls on spaces that delegate to each other, and flushes TLBs.
 */
struct resspace_ops {
    int (*map)(void *ctx, uint64_t base, uint64_t target, unsigned order, unsigned rights);
    void (*unmap)(void *ctx, uint64_t base, unsigned order);
};

struct memdb_node {
    struct memdb_node *parent, *child, *prev, *next;   /* derivation tree: siblings */
    struct memdb_node *left, *right;                    /* the space's treap, by base */
    struct resspace *space;
    uint64_t base, target;
    uint32_t prio;                                      /* treap heap key, random */
    uint8_t order, rights;
};

struct resspace {
    const struct resspace_ops *ops;
    void *ctx;
    struct memdb_node *root;
    uint64_t seed;                                      /* treap priorities */
    unsigned bits;                                      /* the space is 2^bits units */
};

/* Node memory, 1 node per call; provided by the kernel (host tests fake it). */
extern void *memdb_node_alloc(void);
extern void memdb_node_free(void *node);

/* An empty space of 2^max_order_bits units (at most 63). */
void resspace_init(struct resspace *s, const struct resspace_ops *ops, void *ctx,
                   unsigned max_order_bits);
/* Revokes everything in s, itself included; s holds no node afterwards. */
void resspace_destroy(struct resspace *s);
/* A parentless node: BAD_PAR if misaligned or rights empty, BAD_CAP if s overlaps it. */
int memdb_insert_root(struct resspace *s, uint64_t base, uint64_t target, unsigned order,
                      unsigned rights);
/*
 * Delegates what src maps in [src_base, +2^order) to [dst_base, +2^order) of dst, one
 * child per source node, with the source's rights & rights (none: skipped); holes stay
 * holes. BAD_PAR for a bad range or src == dst overlapping, BAD_CAP if dst maps any part
 * it would receive, NO_MEM or map()'s error; on failure nothing is changed.
 * *delegated_pages_out (optional) gets the units delegated, saturated to 32 bits.
 */
int memdb_delegate(struct resspace *src, uint64_t src_base, struct resspace *dst,
                   uint64_t dst_base, unsigned order, unsigned rights,
                   unsigned *delegated_pages_out);
/*
 * Removes everything derived from s's nodes in [base, +2^order), in any space, and with
 * self those nodes too, splitting a node that only partly overlaps. Fails only with
 * BAD_PAR, or NO_MEM for the split's nodes before anything is changed.
 */
int memdb_revoke(struct resspace *s, uint64_t base, unsigned order, bool self);
/* The node of s covering addr, or NULL. */
struct memdb_node *memdb_lookup(struct resspace *s, uint64_t addr);
