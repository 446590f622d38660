/* SPDX-License-Identifier: MIT */
/* Vireo: binary buddy allocator of physical page frames. */
#pragma once
#include <stdint.h>
#include <stdbool.h>

/* Blocks are 2^order pages, order 0 .. BUDDY_MAX_ORDER (4 KiB .. 1 GiB). */
#define BUDDY_MAX_ORDER 18
#define BUDDY_ORDERS (BUDDY_MAX_ORDER + 1)

struct buddy_block;

struct buddy {
    uint64_t base;          /* physical address of frame 0 */
    uint64_t frames;        /* frames covered by state[] */
    uintptr_t virt_offset;  /* free blocks are linked through memory at pa + virt_offset */
    uint8_t *state;         /* one byte per frame, owned by the allocator */
    struct buddy_block *free_list[BUDDY_ORDERS];
    uint64_t free_pages;
};

/* Bytes of state the caller must provide for [base, limit). */
uint64_t buddy_state_bytes(uint64_t base, uint64_t limit);
/* Covers [base, limit) (page aligned), everything initially allocated. */
void buddy_init(struct buddy *b, uint64_t base, uint64_t limit, uintptr_t virt_offset,
                uint8_t *state);
/* Hands a range to the allocator; partial pages at either end are left out. */
void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end);
/* Returns the physical address of a 2^order-page block aligned to its size, or 0. */
uint64_t buddy_alloc(struct buddy *b, unsigned order);
/* Returns false (and changes nothing) for a misaligned, foreign or already free block. */
bool buddy_free(struct buddy *b, uint64_t pa, unsigned order);
uint64_t buddy_free_pages(const struct buddy *b);
