/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a virtio network device (virtio 1.2, 5.1) whose peer is a loopback. */
#pragma once
#include "virtio_pci.h"

#define VIRTIO_NET_HDR 12u              /* struct virtio_net_hdr with num_buffers */
#define VIRTIO_NET_FRAME_MAX 1514u      /* Ethernet header + MTU 1500, no FCS */

struct virtio_net {
    struct virtio_pci vp;
    uint8_t mac[6];
    uint64_t tx_frames, rx_frames, dropped;
    uint8_t frame[VIRTIO_NET_FRAME_MAX];
    struct virtq_chain tx, rx;
};

extern const struct virtio_type virtio_net_type;

void virtio_net_init(struct virtio_net *net, const uint8_t mac[6], const struct virtio_env *env);
