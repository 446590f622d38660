/* SPDX-License-Identifier: MIT */
/* Vireo VMM: a virtio console after virtio 1.2, 5.3: receiveq0 and transmitq0 of port 0,
   no features (no size, no multiport, no emergency write), so Linux makes it hvc0. What
   the guest transmits goes to the VMM's callback as it arrives; input is put into the
   receive buffers the driver has made available. */
#include "virtio_console.h"
#include "lib.h"

#define RXQ 0
#define TXQ 1
#define QUEUE_SIZE 64
#define CFG_SIZE 12                     /* cols, rows, max_nr_ports, emerg_wr */

static bool con_cfg_read(void *dev, uint32_t off, unsigned bytes, uint32_t *value)
{
    (void)dev;
    if (off + bytes > CFG_SIZE)
        return false;
    *value = 0;                         /* no F_SIZE or F_MULTIPORT: nothing to say */
    return true;
}

/* 5.3.6.1: each buffer of the transmit queue is data for the port; none comes back. */
static void transmit(struct virtio_console *con)
{
    struct virtq_chain *c = &con->chain;
    while (virtio_pci_pop(&con->vp, TXQ, c)) {
        for (unsigned i = 0; i < c->readable; i++)
            if (c->buf[i].len && con->out)
                con->out(con->out_ctx, c->buf[i].p, c->buf[i].len);
        virtio_pci_push(&con->vp, TXQ, c->head, 0);
    }
}

static void con_notify(void *dev, unsigned queue)
{
    if (queue == TXQ)
        transmit(dev);
    /* RXQ: the driver added receive buffers; input waits for virtio_console_input */
}

size_t virtio_console_input(struct virtio_console *con, const uint8_t *bytes, size_t n)
{
    struct virtq_chain *c = &con->chain;
    size_t done = 0;
    while (done < n && virtio_pci_pop(&con->vp, RXQ, c)) {
        if (c->readable) {
            virtio_pci_fail(&con->vp, "receive buffer the device would have to read");
            break;
        }
        uint64_t k = virtq_write(c, 0, bytes + done, n - done);
        virtio_pci_push(&con->vp, RXQ, c->head, (uint32_t)k);
        done += k;
    }
    return done;
}

static void con_reset(void *dev) { (void)dev; }

const struct virtio_type virtio_console_type = {
    .name = "virtio-console", .id = 3, .pci_class = 0x078000,  /* communication, other */
    .features = 0, .queues = 2, .queue_max = QUEUE_SIZE, .cfg_size = CFG_SIZE,
    .cfg_read = con_cfg_read, .notify = con_notify, .reset = con_reset,
};

void virtio_console_init(struct virtio_console *con, const struct virtio_env *env,
                         void (*out)(void *ctx, const uint8_t *bytes, size_t n), void *ctx)
{
    memset(con, 0, sizeof(*con));
    con->out = out;
    con->out_ctx = ctx;
    virtio_pci_init(&con->vp, &virtio_console_type, con, env);
}
