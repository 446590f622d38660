/* SPDX-License-Identifier: MIT */
/* Vireo: libFuzzer target for the virtio devices (vmm/dev/virtio_*.c, virtq.c, pci.c):
   a driver set up as Linux sets it up, then a program of 4-byte operations from the input
   (descriptors, ring entries, raw RAM bytes, notifications, register writes, input):
   no crash, no UB, no access outside guest RAM (ASan), and the used index moves only by
   the chains the device took. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "virtio_blk.h"
#include "virtio_console.h"
#include "virtio_net.h"

#define RAM_SIZE 0x10000u
#define WINDOW 0xe0000000ull
#define QSIZE 8u
#define DATA 0x8000u

static uint8_t ram[RAM_SIZE];
static uint8_t disk[16 * 512];
static struct pci_bus bus;
static struct virtio_blk blk;
static struct virtio_console con;
static struct virtio_net net;
static struct virtio_pci *vp;
static uint16_t avail_idx[2];
/* Console input comes from the VMM's memory, never from guest RAM. */
static const char input[] = "input from the host's console, for the guest's hvc0 port";

static void check(bool ok)
{
    if (!ok)
        abort();
}

static uint8_t *fake_ram(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    return gpa <= RAM_SIZE && len <= RAM_SIZE - gpa ? ram + gpa : NULL;
}

static void fake_log(void *ctx, const char *device, const char *what)
{
    (void)ctx;
    check(device && what && *what);
}

static uint64_t fake_now(void *ctx) { (void)ctx; return 0; }
static void fake_irq(void *ctx, unsigned line, bool level) { (void)ctx, (void)line, (void)level; }
static void fake_out(void *ctx, const uint8_t *bytes, size_t n) { (void)ctx, (void)bytes, (void)n; }

static const struct virtio_env env = { { NULL, fake_ram }, fake_log, NULL };
static struct dev_platform plat = { .tsc_khz = 1000000, .now = fake_now, .irq = fake_irq };

static uint32_t desc_base(unsigned q) { return 0x1000u + 0x1000u * q; }
static uint32_t avail_base(unsigned q) { return 0x3000u + 0x1000u * q; }
static uint32_t used_base(unsigned q) { return 0x5000u + 0x1000u * q; }

static void wr(uint32_t off, unsigned bytes, uint32_t v)
{
    pci_bus_ops.write(&bus, WINDOW + off, bytes, v);
}

static uint32_t rd(uint32_t off, unsigned bytes)
{
    uint32_t v = 0;
    pci_bus_ops.read(&bus, WINDOW + off, bytes, &v);
    return v;
}

static void put16(uint32_t gpa, uint16_t v)
{
    ram[gpa] = (uint8_t)v;
    ram[gpa + 1] = (uint8_t)(v >> 8);
}

static void driver_init(uint32_t features)
{
    wr(VIRTIO_COMMON + 0x14, 1, 0);
    wr(VIRTIO_COMMON + 0x14, 1, 3);
    wr(VIRTIO_COMMON + 0x08, 4, 0);
    wr(VIRTIO_COMMON + 0x0c, 4, features);
    wr(VIRTIO_COMMON + 0x08, 4, 1);
    wr(VIRTIO_COMMON + 0x0c, 4, 1);
    wr(VIRTIO_COMMON + 0x14, 1, 0x0b);
    for (unsigned q = 0; q < vp->type->queues && q < 2; q++) {
        wr(VIRTIO_COMMON + 0x16, 2, q);
        wr(VIRTIO_COMMON + 0x18, 2, QSIZE);
        wr(VIRTIO_COMMON + 0x20, 4, desc_base(q));
        wr(VIRTIO_COMMON + 0x28, 4, avail_base(q));
        wr(VIRTIO_COMMON + 0x30, 4, used_base(q));
        wr(VIRTIO_COMMON + 0x1c, 2, 1);
        avail_idx[q] = 0;
    }
    wr(VIRTIO_COMMON + 0x14, 1, 0x0f);
}

static void setup(uint8_t which)
{
    memset(ram, 0, sizeof(ram));
    pci_bus_init(&bus, &plat, WINDOW, 0x100000);
    switch (which % 3) {
    case 0:
        virtio_blk_init(&blk, disk, sizeof(disk), which & 4, "fuzz", &env);
        vp = &blk.vp;
        break;
    case 1:
        virtio_console_init(&con, &env, fake_out, NULL);
        vp = &con.vp;
        break;
    default:
        virtio_net_init(&net, (const uint8_t[6]){ 2, 0, 0, 0, 0, 1 }, &env);
        vp = &net.vp;
        break;
    }
    check(pci_bus_attach(&bus, &vp->func, 1, 10));
    check(pci_bus_assign(&bus));
    pci_bus_ops.reset(&bus);
    driver_init(which & 8 ? 1u << 28 : 0);
}

/* Saves the bus, changes byte `at` of the functions' part (if it is there) and restores:
   whatever the restore takes must be a state the device can run from. */
static void save_restore(uint32_t at)
{
    static uint8_t buf[16384];
    size_t n = pci_bus_ops.save(&bus, buf, sizeof(buf));
    size_t head = sizeof(struct dev_save_header) + 4 + PCI_SLOTS * PCI_CFG_SIZE;
    check(n > head);
    buf[head + at % (n - head)] ^= (uint8_t)(at >> 8 | 1);
    pci_bus_ops.restore(&bus, buf, n);
}

/* One operation: op's low 3 bits choose it; a, b, c are its arguments. */
static void step(uint8_t op, uint8_t a, uint8_t b, uint8_t c)
{
    unsigned q = (op >> 3) & 1;
    uint32_t d = desc_base(q) + 16u * (a % (QSIZE + 1));
    uint16_t before = vp->vq[q].used_idx;
    switch (op & 7) {
    case 0:                             /* a descriptor */
        memset(ram + d, 0, 16);
        put16(d, (uint16_t)(DATA + b * 32u));
        put16(d + 8, (uint16_t)(c * 8u));
        put16(d + 12, (uint16_t)(op >> 4));
        put16(d + 14, (uint16_t)(a >> 4));
        break;
    case 1:                             /* make a chain available and notify */
        put16(avail_base(q) + 4 + 2 * (avail_idx[q] % QSIZE), (uint16_t)(a % (QSIZE + 2)));
        put16(avail_base(q) + 2, ++avail_idx[q]);
        wr(VIRTIO_NOTIFY + VIRTIO_NOTIFY_MULT * q, 2, q);
        check((uint16_t)(vp->vq[q].used_idx - before) <= QSIZE);
        break;
    case 2:                             /* any RAM byte */
        ram[(uint32_t)a << 8 | b] = c;
        break;
    case 3:
        rd(VIRTIO_ISR, 1);
        break;
    case 4:                             /* a common configuration register */
        wr(VIRTIO_COMMON + a % 0x40, 1u << (b % 3), c * 0x01010101u);
        break;
    case 5:                             /* the device configuration, or console input */
        rd(VIRTIO_DEVICE_CFG + a % 0x48, 1u << (b % 3));
        if (vp == &con.vp)
            virtio_console_input(&con, (const uint8_t *)input, c % sizeof(input));
        break;
    case 6:
        driver_init(a);
        break;
    default:                            /* notify without a new chain, or save and restore */
        if (a & 0x80)
            save_restore((uint32_t)b << 8 | c);
        else
            wr(VIRTIO_NOTIFY + VIRTIO_NOTIFY_MULT * (a % 4), 2, b);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    setup(data[0]);
    for (size_t i = 1; i + 4 <= size; i += 4)
        step(data[i], data[i + 1], data[i + 2], data[i + 3]);
    return 0;
}
