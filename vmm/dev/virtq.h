/* SPDX-License-Identifier: MIT */
/* Vireo VMM: virtio split virtqueues, read from guest memory as hostile input. */
#pragma once
#include "dev.h"

#define VIRTQ_SIZE_MAX 256              /* the largest queue a device offers */
#define VIRTQ_CHAIN_MAX 256             /* buffers in one chain, indirect ones included */

/* virtio 1.2, 2.7.5: descriptor flags. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* The host view of guest-physical [gpa, gpa + len), or NULL if that is not all RAM. */
typedef uint8_t *(*virtq_ram_fn)(void *ctx, uint64_t gpa, uint64_t len);

struct virtq_mem {
    void *ctx;
    virtq_ram_fn ram;
};

struct virtq {
    uint16_t size;                      /* the driver's queue_size (a power of two) */
    uint16_t max;                       /* the device's; 0: no such queue */
    bool enabled;
    bool indirect;                      /* VIRTIO_F_INDIRECT_DESC was negotiated */
    uint64_t desc, driver, device;      /* descriptor table, avail ring, used ring */
    uint16_t last_avail;                /* the next avail entry the device takes */
    uint16_t used_idx;                  /* the used ring's idx as the device wrote it */
};

struct virtq_buf {
    uint8_t *p;
    uint32_t len;
};

/* One request: buffers the device reads (the driver's), then those it writes. */
struct virtq_chain {
    uint16_t head;
    unsigned count, readable;           /* buffers in all; the first `readable` are read */
    uint64_t read_len, write_len;
    struct virtq_buf buf[VIRTQ_CHAIN_MAX];
};

enum virtq_status { VIRTQ_EMPTY, VIRTQ_OK, VIRTQ_ERROR };

/* Checks that the enabled queue's rings lie in guest RAM; NULL, or what is wrong. */
const char *virtq_check(const struct virtq *q, const struct virtq_mem *m);
/* Takes the next available chain. VIRTQ_ERROR, with *why set, for anything malformed: an
   index out of range, a loop, a buffer outside RAM, a readable buffer after a writable
   one, a nested or misshapen indirect table; the device must then stop using the queue. */
enum virtq_status virtq_pop(struct virtq *q, const struct virtq_mem *m, struct virtq_chain *c,
                            const char **why);
/* Returns chain `head` with `len` bytes written; true if the driver wants an interrupt. */
bool virtq_push(struct virtq *q, const struct virtq_mem *m, uint16_t head, uint32_t len);
/* Copies between the chain's readable / writable bytes (from byte `off` of them) and a
   flat buffer; returns the bytes copied (fewer where the chain ends). */
uint64_t virtq_read(const struct virtq_chain *c, uint64_t off, void *dst, uint64_t len);
uint64_t virtq_write(const struct virtq_chain *c, uint64_t off, const void *src, uint64_t len);
