/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a virtio console (virtio 1.2, 5.3): one port, no multiport. */
#pragma once
#include "virtio_pci.h"

struct virtio_console {
    struct virtio_pci vp;
    void (*out)(void *ctx, const uint8_t *bytes, size_t n);    /* what the guest sends */
    void *out_ctx;
    struct virtq_chain chain;
};

extern const struct virtio_type virtio_console_type;

void virtio_console_init(struct virtio_console *con, const struct virtio_env *env,
                         void (*out)(void *ctx, const uint8_t *bytes, size_t n), void *ctx);
/* Input for the guest: fills its receive buffers; returns how many bytes they took (the
   caller keeps the rest until the driver adds buffers). */
size_t virtio_console_input(struct virtio_console *con, const uint8_t *bytes, size_t n);
