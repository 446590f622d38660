/* SPDX-License-Identifier: MIT */
/* Vireo VMM: split virtqueues after virtio 1.2, 2.7: descriptor table, available ring,
   used ring, indirect descriptors (2.7.5.3). Everything read from the rings is the
   guest's to get wrong: each index, length and address is checked before it is used, a
   chain may visit no more descriptors than its table has (so a loop ends), and nothing
   outside guest RAM is touched. The device's own indexes never come from the guest. */
#include "virtq.h"
#include "lib.h"

#define DESC_SIZE 16u
#define RING_HEAD 4u                    /* flags, idx */
#define USED_ELEM 8u

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint64_t avail_size(const struct virtq *q) { return RING_HEAD + 2ull * q->size + 2; }
static uint64_t used_size(const struct virtq *q) { return RING_HEAD + USED_ELEM * q->size + 2; }

const char *virtq_check(const struct virtq *q, const struct virtq_mem *m)
{
    if (!q->size || q->size > q->max || (q->size & (q->size - 1)))
        return "queue size is not a power of two up to the maximum";
    if (q->desc % 16 || q->driver % 2 || q->device % 4)
        return "ring address misaligned";
    if (!m->ram(m->ctx, q->desc, DESC_SIZE * q->size))
        return "descriptor table outside guest RAM";
    if (!m->ram(m->ctx, q->driver, avail_size(q)))
        return "available ring outside guest RAM";
    if (!m->ram(m->ctx, q->device, used_size(q)))
        return "used ring outside guest RAM";
    return NULL;
}

static const char *add_buf(const struct virtq_mem *m, struct virtq_chain *c, uint64_t addr,
                           uint32_t len, bool writable)
{
    if (!writable && c->count > c->readable)
        return "a readable buffer follows a writable one";
    if (c->count >= VIRTQ_CHAIN_MAX)
        return "descriptor chain too long";
    uint8_t *p = len ? m->ram(m->ctx, addr, len) : NULL;
    if (len && !p)
        return "buffer outside guest RAM";
    c->buf[c->count++] = (struct virtq_buf){ p, len };
    if (writable)
        c->write_len += len;
    else {
        c->readable++;
        c->read_len += len;
    }
    return NULL;
}

/* Follows a chain from entry `i` of the `n`-entry table at `table`; `top` for the queue's
   own table, where one indirect descriptor may end the chain. */
static const char *walk(const struct virtq *q, const struct virtq_mem *m, uint64_t table,
                        uint32_t n, uint16_t i, bool top, struct virtq_chain *c)
{
    const uint8_t *t = m->ram(m->ctx, table, (uint64_t)DESC_SIZE * n);
    if (!t)
        return "indirect descriptor table outside guest RAM";
    for (uint32_t seen = 0;; seen++) {
        if (seen >= n)
            return "descriptor chain loops";
        const uint8_t *d = t + DESC_SIZE * i;
        uint64_t addr = get32(d) | (uint64_t)get32(d + 4) << 32;
        uint32_t len = get32(d + 8);
        uint16_t flags = get16(d + 12), next = get16(d + 14);
        if (flags & VIRTQ_DESC_F_INDIRECT) {
            if (!top || !q->indirect)
                return "indirect descriptor where none is allowed";
            if (flags & VIRTQ_DESC_F_NEXT)
                return "indirect descriptor with NEXT set";
            if (!len || len % DESC_SIZE || len / DESC_SIZE > VIRTQ_CHAIN_MAX)
                return "indirect table length not a multiple of 16 up to 4096";
            return walk(q, m, addr, len / DESC_SIZE, 0, false, c);
        }
        const char *why = add_buf(m, c, addr, len, flags & VIRTQ_DESC_F_WRITE);
        if (why)
            return why;
        if (!(flags & VIRTQ_DESC_F_NEXT))
            return NULL;
        if (next >= n)
            return "next descriptor index out of range";
        i = next;
    }
}

enum virtq_status virtq_pop(struct virtq *q, const struct virtq_mem *m, struct virtq_chain *c,
                            const char **why)
{
    const uint8_t *avail = q->enabled ? m->ram(m->ctx, q->driver, avail_size(q)) : NULL;
    if (!avail)
        return VIRTQ_EMPTY;
    uint16_t pending = (uint16_t)(get16(avail + 2) - q->last_avail);
    if (!pending)
        return VIRTQ_EMPTY;
    if (pending > q->size) {
        *why = "available index more than a queue ahead";
        return VIRTQ_ERROR;
    }
    uint16_t head = get16(avail + RING_HEAD + 2u * (q->last_avail & (q->size - 1u)));
    if (head >= q->size) {
        *why = "head descriptor index out of range";
        return VIRTQ_ERROR;
    }
    c->head = head;
    c->count = c->readable = 0;
    c->read_len = c->write_len = 0;
    *why = walk(q, m, q->desc, q->size, head, true, c);
    if (*why)
        return VIRTQ_ERROR;
    q->last_avail++;
    return VIRTQ_OK;
}

bool virtq_push(struct virtq *q, const struct virtq_mem *m, uint16_t head, uint32_t len)
{
    uint8_t *used = q->enabled ? m->ram(m->ctx, q->device, used_size(q)) : NULL;
    const uint8_t *avail = q->enabled ? m->ram(m->ctx, q->driver, avail_size(q)) : NULL;
    if (!used || !avail)
        return false;
    uint8_t *e = used + RING_HEAD + USED_ELEM * (q->used_idx & (q->size - 1u));
    put32(e, head);
    put32(e + 4, len);
    /* 2.7.8.2: the element is visible before the index that publishes it */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    put16(used + 2, ++q->used_idx);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(get16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Copies `len` bytes at byte `off` of buffers [from, to) to or from `flat`. */
static uint64_t copy(const struct virtq_chain *c, unsigned from, unsigned to, uint64_t off,
                     uint8_t *flat, uint64_t len, bool to_chain)
{
    uint64_t done = 0;
    for (unsigned i = from; i < to && done < len; i++) {
        const struct virtq_buf *b = &c->buf[i];
        if (off >= b->len) {
            off -= b->len;
            continue;
        }
        uint64_t n = MIN(b->len - off, len - done);
        if (to_chain)
            memcpy(b->p + off, flat + done, n);
        else
            memcpy(flat + done, b->p + off, n);
        done += n;
        off = 0;
    }
    return done;
}

uint64_t virtq_read(const struct virtq_chain *c, uint64_t off, void *dst, uint64_t len)
{
    return copy(c, 0, c->readable, off, dst, len, false);
}

uint64_t virtq_write(const struct virtq_chain *c, uint64_t off, const void *src, uint64_t len)
{
    return copy(c, c->readable, c->count, off, (uint8_t *)(uintptr_t)src, len, true);
}
