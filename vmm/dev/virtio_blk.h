/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a virtio block device (virtio 1.2, 5.2) on a disk image in VMM memory. */
#pragma once
#include "virtio_pci.h"

#define VIRTIO_BLK_SECTOR 512u
#define VIRTIO_BLK_ID_BYTES 20u

struct virtio_blk {
    struct virtio_pci vp;
    uint8_t *disk;                      /* the image; writes land here */
    uint64_t sectors;
    bool read_only;
    char id[VIRTIO_BLK_ID_BYTES];
    struct virtq_chain chain;           /* the request being served */
};

extern const struct virtio_type virtio_blk_type;

/* A device on `size` bytes at `disk` (the sectors that fit whole), with serial `id`;
   read_only offers VIRTIO_BLK_F_RO and refuses writes. */
void virtio_blk_init(struct virtio_blk *blk, uint8_t *disk, uint64_t size, bool read_only,
                     const char *id, const struct virtio_env *env);
