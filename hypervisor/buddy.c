/* SPDX-License-Identifier: MIT */
/* Vireo: binary buddy allocator of physical page frames. */
#include "buddy.h"
#include "lib.h"
#include "memory.h"

/*
 * state[i] describes frame i (physical frame number base_pfn + i):
 *   0 .. BUDDY_MAX_ORDER          head of a free block of that order
 *   STATE_ALLOCATED | order       head of a block buddy_alloc() handed out
 *   STATE_NONE                    anything else: inside a block, or never added
 * Only heads are marked, so splitting and merging touch O(1) bytes per order, and
 * buddy_free() recognizes exactly the blocks buddy_alloc() returned.
 */
#define STATE_NONE 0xffu
#define STATE_ALLOCATED 0x40u
#define STATE_ORDER_MASK 0x3fu

_Static_assert(BUDDY_MAX_ORDER < STATE_ALLOCATED, "order must fit below the allocated flag");

/* Lives in the first bytes of every free block, reached through pa + virt_offset. */
struct buddy_block {
    struct buddy_block *next;
    struct buddy_block *prev;
};

static uint64_t order_frames(unsigned order)
{
    return 1ull << order;
}

static uint64_t base_pfn(const struct buddy *b)
{
    return b->base >> PAGE_SHIFT;
}

static uint8_t *state_of(const struct buddy *b, uint64_t pfn)
{
    return &b->state[pfn - base_pfn(b)];
}

static bool pfn_covered(const struct buddy *b, uint64_t pfn)
{
    return pfn >= base_pfn(b) && pfn - base_pfn(b) < b->frames;
}

static struct buddy_block *block_at(const struct buddy *b, uint64_t pfn)
{
    return (struct buddy_block *)(uintptr_t)((pfn << PAGE_SHIFT) + b->virt_offset);
}

static void list_push(struct buddy *b, uint64_t pfn, unsigned order)
{
    struct buddy_block *blk = block_at(b, pfn);

    DLIST_PUSH(&b->free_list[order], blk);
    *state_of(b, pfn) = (uint8_t)order;
}

static void list_remove(struct buddy *b, uint64_t pfn, unsigned order)
{
    struct buddy_block *blk = block_at(b, pfn);

    DLIST_REMOVE(&b->free_list[order], blk);
    *state_of(b, pfn) = STATE_NONE;
}

/* Frees a block whose head is already STATE_NONE, merging it with free buddies. */
static void insert_free(struct buddy *b, uint64_t pfn, unsigned order)
{
    b->free_pages += order_frames(order);
    while (order < BUDDY_MAX_ORDER) {
        uint64_t buddy = pfn ^ order_frames(order);

        if (!pfn_covered(b, buddy) || *state_of(b, buddy) != order)
            break;
        list_remove(b, buddy, order);
        pfn = MIN(pfn, buddy);
        order++;
    }
    list_push(b, pfn, order);
}

uint64_t buddy_state_bytes(uint64_t base, uint64_t limit)
{
    /* A base inside the top page has no whole page above it (and ALIGN_UP would wrap). */
    if (base > ALIGN_DOWN(UINT64_MAX, PAGE_SIZE))
        return 0;
    uint64_t first = ALIGN_UP(base, PAGE_SIZE) >> PAGE_SHIFT;
    uint64_t last = ALIGN_DOWN(limit, PAGE_SIZE) >> PAGE_SHIFT;
    return last > first ? last - first : 0;
}

void buddy_init(struct buddy *b, uint64_t base, uint64_t limit, uintptr_t virt_offset,
                uint8_t *state)
{
    *b = (struct buddy){ .base = ALIGN_UP(base, PAGE_SIZE), .virt_offset = virt_offset,
                         .frames = buddy_state_bytes(base, limit), .state = state };
    if (b->frames)
        memset(state, STATE_NONE, b->frames);
}

/*
 * If frame `pfn` already belongs to a free or allocated block, returns the frame just
 * past that block, else 0. Aligned power-of-two blocks nest, so the owner's head is one
 * of pfn's aligned ancestors.
 */
static uint64_t owner_end(const struct buddy *b, uint64_t pfn)
{
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++) {
        uint64_t head = ALIGN_DOWN(pfn, order_frames(order));

        if (!pfn_covered(b, head))
            break;
        uint8_t s = *state_of(b, head);
        if (s != STATE_NONE && head + order_frames(s & STATE_ORDER_MASK) > pfn)
            return head + order_frames(s & STATE_ORDER_MASK);
    }
    return 0;
}

/* Largest order of an unowned block at `pfn` that is aligned and ends by `last`. */
static unsigned fitting_order(const struct buddy *b, uint64_t pfn, uint64_t last)
{
    unsigned order = 0;

    while (order < BUDDY_MAX_ORDER && IS_ALIGNED(pfn, order_frames(order + 1)) &&
           pfn + order_frames(order + 1) <= last)
        order++;
    /* A head inside the candidate means part of it is owned already: shrink below it. */
    uint64_t scan = pfn + 1;
    while (scan < pfn + order_frames(order) && *state_of(b, scan) == STATE_NONE)
        scan++;
    while (pfn + order_frames(order) > scan)
        order--;
    return order;
}

/*
 * Linear in the range (every state byte is looked at once or twice), so frames that
 * the allocator already owns are skipped rather than added twice.
 */
void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end)
{
    uint64_t limit = b->base + (b->frames << PAGE_SHIFT);

    if (end <= start || start > ALIGN_DOWN(UINT64_MAX, PAGE_SIZE))
        return;
    uint64_t pfn = MAX(ALIGN_UP(start, PAGE_SIZE), b->base) >> PAGE_SHIFT;
    uint64_t last = MIN(ALIGN_DOWN(end, PAGE_SIZE), limit) >> PAGE_SHIFT;
    /* Physical address 0 doubles as buddy_alloc()'s failure value: never hand it out. */
    pfn = MAX(pfn, 1);
    while (pfn < last) {
        uint64_t owned = owner_end(b, pfn);

        if (owned) {
            pfn = owned;
            continue;
        }
        unsigned order = fitting_order(b, pfn, last);
        insert_free(b, pfn, order);
        pfn += order_frames(order);
    }
}

uint64_t buddy_alloc(struct buddy *b, unsigned order)
{
    unsigned found = order;

    while (found <= BUDDY_MAX_ORDER && !b->free_list[found])
        found++;
    /* Also refuses order > BUDDY_MAX_ORDER. */
    if (found > BUDDY_MAX_ORDER)
        return 0;
    uint64_t pfn = ((uintptr_t)b->free_list[found] - b->virt_offset) >> PAGE_SHIFT;
    list_remove(b, pfn, found);
    /* Keep the lower half, give the upper halves back one order at a time. */
    while (found-- > order)
        list_push(b, pfn + order_frames(found), found);
    *state_of(b, pfn) = (uint8_t)(STATE_ALLOCATED | order);
    b->free_pages -= order_frames(order);
    return pfn << PAGE_SHIFT;
}

bool buddy_free(struct buddy *b, uint64_t pa, unsigned order)
{
    uint64_t pfn = pa >> PAGE_SHIFT;

    if (order > BUDDY_MAX_ORDER || !IS_ALIGNED(pa, PAGE_SIZE << order) || !pfn_covered(b, pfn))
        return false;
    /* Only a block buddy_alloc() returned has this head: not free, not foreign, in range. */
    if (*state_of(b, pfn) != (STATE_ALLOCATED | order))
        return false;
    *state_of(b, pfn) = STATE_NONE;
    insert_free(b, pfn, order);
    return true;
}

uint64_t buddy_free_pages(const struct buddy *b)
{
    return b->free_pages;
}
