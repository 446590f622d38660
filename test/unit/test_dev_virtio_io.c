/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of virtio-console and the loopback virtio-net (vmm/dev/
   virtio_console.c, virtio_net.c) on the PCI transport, driven as Linux drives them,
   with malformed chains that must end in NEEDS_RESET, never a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
#include "virtio_console.h"
#include "virtio_net.h"

#define WINDOW 0xe0000000ull
#define SLOT 2
#define IRQ 11
#define RAM_SIZE 0x40000u
#define QSIZE 16u
#define DATA 0x20000u
#define RXQ 0
#define TXQ 1
#define NOTIFY VIRTIO_NOTIFY

static struct pci_bus bus;
static struct virtio_console con;
static struct virtio_net net;
static uint8_t ram[RAM_SIZE];
static char last_log[128];
static uint8_t out[256];
static size_t out_len;
static uint16_t avail_idx[2];

/* Queue q's rings: descriptors, available and used ring, one 0x1000 page each. */
static uint32_t ring_desc(unsigned q) { return 0x1000u + 0x3000u * q; }
static uint32_t ring_avail(unsigned q) { return ring_desc(q) + 0x1000u; }
static uint32_t ring_used(unsigned q) { return ring_desc(q) + 0x2000u; }

static uint8_t *fake_ram(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    return gpa <= RAM_SIZE && len <= RAM_SIZE - gpa ? ram + gpa : NULL;
}

static void fake_log(void *ctx, const char *device, const char *what)
{
    (void)ctx;
    snprintf(last_log, sizeof(last_log), "%s: %s", device, what);
}

static const struct virtio_env env = { { NULL, fake_ram }, fake_log, NULL };

static void console_out(void *ctx, const uint8_t *bytes, size_t n)
{
    assert_ptr_equal(ctx, out);
    assert_true(out_len + n <= sizeof(out));
    memcpy(out + out_len, bytes, n);
    out_len += n;
}

static uint32_t rd(uint32_t off, unsigned bytes)
{
    uint32_t v = 0;
    return pci_bus_ops.read(&bus, WINDOW + off, bytes, &v) ? v : 0xffffffffu;
}

static void wr(uint32_t off, unsigned bytes, uint32_t v)
{
    assert_true(pci_bus_ops.write(&bus, WINDOW + off, bytes, v));
}

static uint8_t status(void) { return (uint8_t)rd(VIRTIO_COMMON + 0x14, 1); }

static void put(uint32_t gpa, unsigned bytes, uint64_t v)
{
    for (unsigned i = 0; i < bytes; i++)
        ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(uint32_t gpa, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)ram[gpa + i] << (8 * i);
    return v;
}

static void desc(unsigned q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next)
{
    uint32_t d = ring_desc(q) + 16 * i;
    put(d, 8, addr);
    put(d + 8, 4, len);
    put(d + 12, 2, flags);
    put(d + 14, 2, next);
}

/* Makes chain `head` available on queue q; `kick` notifies. */
static void offer(unsigned q, uint16_t head, bool kick)
{
    put(ring_avail(q) + 4 + 2 * (avail_idx[q] % QSIZE), 2, head);
    put(ring_avail(q) + 2, 2, ++avail_idx[q]);
    if (kick)
        wr(NOTIFY + VIRTIO_NOTIFY_MULT * q, 2, q);
}

static uint32_t used_len(unsigned q, unsigned k)
{
    return (uint32_t)get(ring_used(q) + 4 + 8 * (k % QSIZE) + 4, 4);
}

/* 3.1.1 with VERSION_1 and the device's `lo` features, both queues set up. */
static void driver_init(uint32_t lo)
{
    wr(VIRTIO_COMMON + 0x14, 1, 0);
    wr(VIRTIO_COMMON + 0x14, 1, 3);
    wr(VIRTIO_COMMON + 0x08, 4, 0);
    wr(VIRTIO_COMMON + 0x0c, 4, lo);
    wr(VIRTIO_COMMON + 0x08, 4, 1);
    wr(VIRTIO_COMMON + 0x0c, 4, 1);
    wr(VIRTIO_COMMON + 0x14, 1, 0x0b);
    assert_int_equal(rd(VIRTIO_COMMON + 0x12, 2), 2);
    for (unsigned q = 0; q < 2; q++) {
        wr(VIRTIO_COMMON + 0x16, 2, q);
        wr(VIRTIO_COMMON + 0x18, 2, QSIZE);
        wr(VIRTIO_COMMON + 0x20, 4, ring_desc(q));
        wr(VIRTIO_COMMON + 0x28, 4, ring_avail(q));
        wr(VIRTIO_COMMON + 0x30, 4, ring_used(q));
        wr(VIRTIO_COMMON + 0x1c, 2, 1);
        avail_idx[q] = 0;
    }
    wr(VIRTIO_COMMON + 0x14, 1, 0x0f);
    assert_int_equal(status(), 0x0f);
}

static void attach(struct virtio_pci *vp)
{
    fake_reset(1000);
    memset(ram, 0, sizeof(ram));
    last_log[0] = '\0';
    out_len = 0;
    pci_bus_init(&bus, &fake.plat, WINDOW, 0x1000000);
    assert_true(pci_bus_attach(&bus, &vp->func, SLOT, IRQ));
    assert_true(pci_bus_assign(&bus));
    pci_bus_ops.reset(&bus);
}

static int setup_console(void **state)
{
    (void)state;
    virtio_console_init(&con, &env, console_out, out);
    attach(&con.vp);
    driver_init(0);
    return 0;
}

static int setup_net(void **state)
{
    (void)state;
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    virtio_net_init(&net, mac, &env);
    attach(&net.vp);
    driver_init(1u << 5);
    return 0;
}

/* CON0001: IDs and class; transmit buffers reach the VMM in order, each used with 0. */
static void console_transmit(void **state)
{
    (void)state;
    uint32_t v = 0;
    pci_bus_ops.write(&bus, 0xcf8, 4, 0x80000000u | SLOT << 11);
    pci_bus_ops.read(&bus, 0xcfc, 4, &v);
    assert_int_equal(v, 0x10431af4u);
    memcpy(ram + DATA, "hello, ", 7);
    memcpy(ram + DATA + 0x100, "hvc0\n", 5);
    desc(TXQ, 0, DATA, 7, VIRTQ_DESC_F_NEXT, 1);
    desc(TXQ, 1, DATA + 0x100, 5, 0, 0);
    offer(TXQ, 0, true);
    assert_int_equal(out_len, 12);
    assert_memory_equal(out, "hello, hvc0\n", 12);
    assert_int_equal(get(ring_used(TXQ) + 2, 2), 1);
    assert_int_equal(used_len(TXQ, 0), 0);
    assert_true(fake.level[IRQ]);
    assert_int_equal(rd(VIRTIO_ISR, 1), 1);
    assert_false(fake.level[IRQ]);
    assert_int_equal(rd(VIRTIO_DEVICE_CFG + 4, 4), 0);
}

/* CON0002: input fills the receive buffers the driver offered, and what does not fit
   stays with the caller. */
static void console_receive(void **state)
{
    (void)state;
    assert_int_equal(virtio_console_input(&con, (const uint8_t *)"abc", 3), 0);
    desc(RXQ, 0, DATA, 4, VIRTQ_DESC_F_WRITE, 0);
    desc(RXQ, 1, DATA + 0x100, 4, VIRTQ_DESC_F_WRITE, 0);
    offer(RXQ, 0, true);
    offer(RXQ, 1, true);
    assert_int_equal(virtio_console_input(&con, (const uint8_t *)"0123456789", 10), 8);
    assert_memory_equal(ram + DATA, "0123", 4);
    assert_memory_equal(ram + DATA + 0x100, "4567", 4);
    assert_int_equal(used_len(RXQ, 0), 4);
    assert_int_equal(used_len(RXQ, 1), 4);
    desc(RXQ, 2, DATA + 0x200, 16, 0, 0);       /* a receive buffer the device would read */
    offer(RXQ, 2, true);
    assert_int_equal(virtio_console_input(&con, (const uint8_t *)"89", 2), 0);
    assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
    assert_non_null(strstr(last_log, "virtio-console: receive buffer"));
}

/* CON0003: a transmit chain that loops, or points outside RAM, needs a reset. */
static void console_malformed(void **state)
{
    (void)state;
    desc(TXQ, 0, DATA, 7, VIRTQ_DESC_F_NEXT, 0);
    offer(TXQ, 0, true);
    assert_int_equal(out_len, 0);
    assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
    assert_non_null(strstr(last_log, "loops"));
    driver_init(0);
    desc(TXQ, 0, RAM_SIZE - 2, 7, 0, 0);
    offer(TXQ, 0, true);
    assert_non_null(strstr(last_log, "outside guest RAM"));
}

/* Offers `n` receive buffers of `len` bytes at DATA + 0x800 * i. */
static void rx_buffers(unsigned n, uint32_t len)
{
    for (unsigned i = 0; i < n; i++) {
        desc(RXQ, i, DATA + 0x800 * i, len, VIRTQ_DESC_F_WRITE, 0);
        offer(RXQ, (uint16_t)i, false);
    }
    wr(NOTIFY, 2, RXQ);
}

/* Transmits `len` frame bytes (header separate, as Linux may send it) from chain `d`. */
static void tx_frame(uint16_t d, const uint8_t *frame, uint32_t len)
{
    memset(ram + DATA + 0x8000, 0, VIRTIO_NET_HDR);
    memcpy(ram + DATA + 0x8100, frame, len);
    desc(TXQ, d, DATA + 0x8000, VIRTIO_NET_HDR, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1));
    desc(TXQ, d + 1u, DATA + 0x8100, len, 0, 0);
    offer(TXQ, d, true);
}

/* NET0001: the MAC in the configuration; a frame sent comes back on the receive queue
   behind a header with num_buffers 1; both queues interrupt. */
static void net_loopback(void **state)
{
    (void)state;
    uint8_t frame[60];
    for (unsigned i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)(i * 3 + 1);
    assert_int_equal(rd(VIRTIO_DEVICE_CFG, 4), 0x12005452u);
    assert_int_equal(rd(VIRTIO_DEVICE_CFG + 4, 2), 0x5634);
    rx_buffers(2, 1526);
    tx_frame(0, frame, sizeof(frame));
    assert_int_equal(get(ring_used(TXQ) + 2, 2), 1);
    assert_int_equal(get(ring_used(RXQ) + 2, 2), 1);
    assert_int_equal(used_len(RXQ, 0), VIRTIO_NET_HDR + sizeof(frame));
    assert_int_equal(get(DATA + 10, 2), 1);
    assert_memory_equal(ram + DATA + VIRTIO_NET_HDR, frame, sizeof(frame));
    assert_int_equal(rd(VIRTIO_ISR, 1), 1);
    assert_int_equal(net.tx_frames, 1);
    assert_int_equal(net.rx_frames, 1);
}

/* NET0002: no receive buffer, one too small, or a frame over 1514 bytes: dropped,
   the transmit buffer still used, the device still well. */
static void net_drops(void **state)
{
    (void)state;
    static uint8_t big[2000];
    tx_frame(0, big, 60);
    assert_int_equal(net.dropped, 1);
    rx_buffers(1, 40);
    tx_frame(2, big, 60);
    assert_int_equal(net.dropped, 2);
    assert_int_equal(used_len(RXQ, 0), 0);
    tx_frame(4, big, sizeof(big));
    assert_int_equal(net.dropped, 3);
    assert_int_equal(get(ring_used(TXQ) + 2, 2), 3);
    assert_int_equal(status(), 0x0f);
}

/* NET0003: malformed: a transmit chain without a whole header, one with a writable
   buffer, a receive buffer the device would read. */
static void net_malformed(void **state)
{
    (void)state;
    desc(TXQ, 0, DATA, 8, 0, 0);
    offer(TXQ, 0, true);
    assert_non_null(strstr(last_log, "virtio-net: transmit chain"));
    driver_init(1u << 5);
    desc(TXQ, 0, DATA, 12, VIRTQ_DESC_F_NEXT, 1);
    desc(TXQ, 1, DATA + 0x100, 60, VIRTQ_DESC_F_WRITE, 0);
    offer(TXQ, 0, true);
    assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
    driver_init(1u << 5);
    last_log[0] = '\0';
    desc(RXQ, 0, DATA, 1526, 0, 0);
    offer(RXQ, 0, true);
    tx_frame(2, ram, 60);
    assert_non_null(strstr(last_log, "receive buffer"));
}

/* NET0004: random ring bytes on both queues: nothing breaks (ASan watches). */
static void net_hostile(void **state)
{
    (void)state;
    uint32_t x = 0x2545f491u;
    for (unsigned round = 0; round < 2000; round++) {
        for (uint32_t i = ring_desc(0); i < ring_used(1) + 0x100; i += 1 + x % 13) {
            x = x * 1103515245u + 12345u;
            if (x % 5 == 0)
                ram[i] = (uint8_t)(x >> 16);
        }
        wr(NOTIFY + 4 * (x % 2), 2, 0);
        rd(VIRTIO_ISR, 1);
        if (status() != 0x0f)
            driver_init(1u << 5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(console_transmit, setup_console),
        cmocka_unit_test_setup(console_receive, setup_console),
        cmocka_unit_test_setup(console_malformed, setup_console),
        cmocka_unit_test_setup(net_loopback, setup_net),
        cmocka_unit_test_setup(net_drops, setup_net),
        cmocka_unit_test_setup(net_malformed, setup_net),
        cmocka_unit_test_setup(net_hostile, setup_net),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
