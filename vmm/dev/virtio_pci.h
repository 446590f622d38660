/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the virtio 1.x PCI transport (modern, INTx), shared by the virtio devices. */
#pragma once
#include "pci.h"
#include "virtq.h"

#define VIRTIO_QUEUES_MAX 4
#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* virtio 1.2, 2.1: device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* The BAR 0 layout: one page per structure (4.1.4). */
#define VIRTIO_BAR_SIZE 0x4000u
#define VIRTIO_COMMON 0x0000u
#define VIRTIO_ISR 0x1000u
#define VIRTIO_DEVICE_CFG 0x2000u
#define VIRTIO_NOTIFY 0x3000u
#define VIRTIO_NOTIFY_MULT 4u
#define VIRTIO_COMMON_SIZE 0x40u        /* 1.2 common cfg: 1.1 + queue_notify_data, reset */

struct virtio_pci;

/* A device type on the transport. cfg_read/cfg_write reach its configuration space
   (offsets below cfg_size); notify says the driver made buffers available on `queue`;
   reset returns the device to its initial state (the transport resets the queues). */
struct virtio_type {
    const char *name;
    uint16_t id;                        /* virtio device ID: 1 net, 2 block, 3 console */
    uint32_t pci_class;
    uint64_t features;                  /* offered, beside VERSION_1 and INDIRECT_DESC */
    uint16_t queues;
    uint16_t queue_max;
    uint32_t cfg_size;
    bool (*cfg_read)(void *dev, uint32_t off, unsigned bytes, uint32_t *value);
    void (*cfg_write)(void *dev, uint32_t off, unsigned bytes, uint32_t value);
    void (*notify)(void *dev, unsigned queue);
    void (*reset)(void *dev);
};

/* What the transport needs of the VMM besides the bus: guest RAM and a place to say
   what the driver did wrong. */
struct virtio_env {
    struct virtq_mem mem;
    void (*log)(void *ctx, const char *device, const char *what);
    void *log_ctx;
};

struct virtio_pci {
    struct pci_func func;
    const struct virtio_type *type;
    void *dev;
    const struct virtio_env *env;
    uint64_t driver_features;
    uint32_t device_feature_select, driver_feature_select;
    uint16_t queue_select;
    uint8_t status, generation, isr;
    unsigned cfg_cap;                   /* offset of the PCI configuration access cap */
    struct virtq vq[VIRTIO_QUEUES_MAX];
};

/* Sets up the PCI function of device `type` (instance `dev`); attach vp->func to a bus. */
void virtio_pci_init(struct virtio_pci *vp, const struct virtio_type *type, void *dev,
                     const struct virtio_env *env);
/* Whether the driver accepted `feature` (valid once FEATURES_OK is set). */
bool virtio_pci_has(const struct virtio_pci *vp, uint64_t feature);
/* Whether the device may use queue q now: DRIVER_OK, no NEEDS_RESET, enabled. */
bool virtio_pci_live(const struct virtio_pci *vp, unsigned q);
/* The device put buffers in q's used ring and the driver wants to hear: ISR bit 0, INTx. */
void virtio_pci_interrupt(struct virtio_pci *vp);
/* The driver broke the rules (`what`): NEEDS_RESET (2.1.2), a configuration change
   interrupt, the message logged; the device stays still until the driver resets it. */
void virtio_pci_fail(struct virtio_pci *vp, const char *what);
/* Takes the next chain of queue q; false when there is none or the queue failed. */
bool virtio_pci_pop(struct virtio_pci *vp, unsigned q, struct virtq_chain *c);
/* Returns a chain; interrupts unless the driver asked not to. */
void virtio_pci_push(struct virtio_pci *vp, unsigned q, uint16_t head, uint32_t len);
