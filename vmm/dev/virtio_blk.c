/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a virtio block device after virtio 1.2, 5.2: one request queue; requests
   IN (read), OUT (write), FLUSH and GET_ID (5.2.6); capacity, segment limit and block
   size in the configuration space (5.2.4). The disk is memory, so a flush has nothing to
   do and every request completes within the notification that made it available. */
#include "virtio_blk.h"
#include "lib.h"

#define QUEUE_SIZE 128
#define SEG_MAX (QUEUE_SIZE - 2)        /* a request's data buffers, header and status aside */
#define CFG_SIZE 0x40
#define HEADER 16                       /* struct virtio_blk_req: type, reserved, sector */

#define F_SEG_MAX (1ull << 2)
#define F_RO (1ull << 5)
#define F_BLK_SIZE (1ull << 6)
#define F_FLUSH (1ull << 9)

/* 5.2.4: struct virtio_blk_config. */
#define CFG_CAPACITY 0x00
#define CFG_SEG_MAX 0x0c
#define CFG_BLK_SIZE 0x14

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };

static bool blk_cfg_read(void *dev, uint32_t off, unsigned bytes, uint32_t *value)
{
    struct virtio_blk *blk = dev;
    uint8_t img[CFG_SIZE] = { 0 };
    pci_put(img + CFG_CAPACITY, 4, (uint32_t)blk->sectors);
    pci_put(img + CFG_CAPACITY + 4, 4, (uint32_t)(blk->sectors >> 32));
    pci_put(img + CFG_SEG_MAX, 4, SEG_MAX);
    pci_put(img + CFG_BLK_SIZE, 4, VIRTIO_BLK_SECTOR);
    if (off + bytes > CFG_SIZE)
        return false;
    *value = pci_get(img + off, bytes);
    return true;
}

/* The sectors [sector, sector + bytes / 512) of the disk, or NULL if they are not all
   there or `bytes` is no whole number of sectors. */
static uint8_t *extent(struct virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
    if (bytes % VIRTIO_BLK_SECTOR || sector > blk->sectors ||
        bytes / VIRTIO_BLK_SECTOR > blk->sectors - sector)
        return NULL;
    return blk->disk + sector * VIRTIO_BLK_SECTOR;
}

/* Carries out one request; returns its status and sets *written (data bytes written
   into the driver's buffers). */
static uint8_t perform(struct virtio_blk *blk, const struct virtq_chain *c, uint32_t *written)
{
    uint8_t hdr[HEADER];
    virtq_read(c, 0, hdr, HEADER);
    uint32_t type = pci_get(hdr, 4);
    uint64_t sector = pci_get(hdr + 8, 4) | (uint64_t)pci_get(hdr + 12, 4) << 32;
    uint64_t out = c->read_len - HEADER, in = c->write_len - 1;
    uint8_t *p;
    *written = 0;
    switch (type) {
    case T_IN:
        if (!(p = extent(blk, sector, in)))
            return S_IOERR;
        virtq_write(c, 0, p, in);
        *written = (uint32_t)in;
        return S_OK;
    case T_OUT:
        if (blk->read_only || !(p = extent(blk, sector, out)))
            return S_IOERR;
        virtq_read(c, HEADER, p, out);
        return S_OK;
    case T_FLUSH:
        return S_OK;
    case T_GET_ID:
        *written = (uint32_t)MIN(in, (uint64_t)VIRTIO_BLK_ID_BYTES);
        virtq_write(c, 0, blk->id, *written);
        return S_OK;
    default:
        return S_UNSUPP;
    }
}

/* 5.2.6: the driver made requests available: serve them all, in order. */
static void blk_notify(void *dev, unsigned queue)
{
    struct virtio_blk *blk = dev;
    struct virtq_chain *c = &blk->chain;
    while (virtio_pci_pop(&blk->vp, queue, c)) {
        if (c->read_len < HEADER || c->write_len < 1 || c->read_len > UINT32_MAX ||
            c->write_len > UINT32_MAX) {
            virtio_pci_fail(&blk->vp, "request without its header or status byte");
            return;
        }
        uint32_t written;
        uint8_t status = perform(blk, c, &written);
        virtq_write(c, c->write_len - 1, &status, 1);
        virtio_pci_push(&blk->vp, queue, c->head, written + 1);
    }
}

static void blk_reset(void *dev) { (void)dev; }

const struct virtio_type virtio_blk_type = {
    .name = "virtio-blk", .id = 2, .pci_class = 0x018000,   /* mass storage, other */
    .features = F_SEG_MAX | F_BLK_SIZE | F_FLUSH, .queues = 1, .queue_max = QUEUE_SIZE,
    .cfg_size = CFG_SIZE, .cfg_read = blk_cfg_read, .notify = blk_notify, .reset = blk_reset,
};

static const struct virtio_type virtio_blk_ro_type = {
    .name = "virtio-blk", .id = 2, .pci_class = 0x018000,
    .features = F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_RO, .queues = 1, .queue_max = QUEUE_SIZE,
    .cfg_size = CFG_SIZE, .cfg_read = blk_cfg_read, .notify = blk_notify, .reset = blk_reset,
};

void virtio_blk_init(struct virtio_blk *blk, uint8_t *disk, uint64_t size, bool read_only,
                     const char *id, const struct virtio_env *env)
{
    memset(blk, 0, sizeof(*blk));
    blk->disk = disk;
    blk->sectors = size / VIRTIO_BLK_SECTOR;
    blk->read_only = read_only;
    for (unsigned i = 0; id && id[i] && i < VIRTIO_BLK_ID_BYTES; i++)
        blk->id[i] = id[i];
    virtio_pci_init(&blk->vp, read_only ? &virtio_blk_ro_type : &virtio_blk_type, blk, env);
}
