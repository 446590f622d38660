/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a virtio network device after virtio 1.2, 5.1, wired to a loopback peer:
   each frame the guest transmits comes back to it on the receive queue. Features: MAC
   only (no checksum offload, no GSO, no mergeable buffers, no control queue), so frames
   are at most 1514 bytes and each fits one receive chain (5.1.6.3.1). A frame with no
   receive buffer free, or one too small, is dropped, as a wire would drop it. */
#include "virtio_net.h"
#include "lib.h"

#define RXQ 0
#define TXQ 1
#define QUEUE_SIZE 128
#define CFG_SIZE 12                     /* mac, status, max_virtqueue_pairs, mtu */
#define F_MAC (1ull << 5)
#define HDR_NUM_BUFFERS 10

static bool net_cfg_read(void *dev, uint32_t off, unsigned bytes, uint32_t *value)
{
    struct virtio_net *net = dev;
    uint8_t img[CFG_SIZE] = { 0 };
    memcpy(img, net->mac, sizeof(net->mac));
    if (off + bytes > CFG_SIZE)
        return false;
    *value = pci_get(img + off, bytes);
    return true;
}

/* The peer's side: the frame in net->frame back to the guest, if a buffer takes it. */
static void receive(struct virtio_net *net, uint32_t len)
{
    struct virtq_chain *c = &net->rx;
    uint8_t hdr[VIRTIO_NET_HDR] = { 0 };
    if (!virtio_pci_pop(&net->vp, RXQ, c)) {
        net->dropped++;
        return;
    }
    if (c->readable) {
        virtio_pci_fail(&net->vp, "receive buffer the device would have to read");
        return;
    }
    if (c->write_len < VIRTIO_NET_HDR + len) {
        net->dropped++;
        virtio_pci_push(&net->vp, RXQ, c->head, 0);
        return;
    }
    hdr[HDR_NUM_BUFFERS] = 1;
    virtq_write(c, 0, hdr, VIRTIO_NET_HDR);
    virtq_write(c, VIRTIO_NET_HDR, net->frame, len);
    net->rx_frames++;
    virtio_pci_push(&net->vp, RXQ, c->head, VIRTIO_NET_HDR + len);
}

/* 5.1.6.2: each transmit chain is a header and one frame. */
static void transmit(struct virtio_net *net)
{
    struct virtq_chain *c = &net->tx;
    while (virtio_pci_pop(&net->vp, TXQ, c)) {
        uint64_t len = c->read_len - VIRTIO_NET_HDR;
        if (c->read_len < VIRTIO_NET_HDR || c->write_len) {
            virtio_pci_fail(&net->vp, "transmit chain without its header, or writable");
            return;
        }
        bool fits = len <= VIRTIO_NET_FRAME_MAX;
        if (fits)
            virtq_read(c, VIRTIO_NET_HDR, net->frame, len);
        virtio_pci_push(&net->vp, TXQ, c->head, 0);
        net->tx_frames++;
        if (fits)
            receive(net, (uint32_t)len);
        else
            net->dropped++;
    }
}

static void net_notify(void *dev, unsigned queue)
{
    if (queue == TXQ)
        transmit(dev);
}

static void net_reset(void *dev)
{
    struct virtio_net *net = dev;
    net->tx_frames = net->rx_frames = net->dropped = 0;
}

const struct virtio_type virtio_net_type = {
    .name = "virtio-net", .id = 1, .pci_class = 0x020000,     /* network, Ethernet */
    .features = F_MAC, .queues = 2, .queue_max = QUEUE_SIZE, .cfg_size = CFG_SIZE,
    .cfg_read = net_cfg_read, .notify = net_notify, .reset = net_reset,
};

void virtio_net_init(struct virtio_net *net, const uint8_t mac[6], const struct virtio_env *env)
{
    memset(net, 0, sizeof(*net));
    memcpy(net->mac, mac, sizeof(net->mac));
    virtio_pci_init(&net->vp, &virtio_net_type, net, env);
}
