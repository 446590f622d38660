/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the virtio PCI transport, split virtqueues and virtio-blk
   (vmm/dev/virtio_pci.c, virtq.c, virtio_blk.c), driven as Linux's drivers drive them,
   and with malformed rings: each must end in NEEDS_RESET and a message, never a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
#include "virtio_blk.h"

#define WINDOW 0xe0000000ull
#define SLOT 1
#define IRQ 10
#define RAM_SIZE 0x40000u
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u
#define DATA 0x10000u
#define QSIZE 16u
#define DISK_SECTORS 64u
#define COMMON VIRTIO_COMMON
#define ISR VIRTIO_ISR
#define NOTIFY VIRTIO_NOTIFY

static struct pci_bus bus;
static struct virtio_blk blk;
static uint8_t ram[RAM_SIZE];
static uint8_t disk[DISK_SECTORS * 512];
static char last_log[128];
static unsigned logs;
static uint16_t avail_idx, used_seen;

static uint8_t *fake_ram(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    return gpa <= RAM_SIZE && len <= RAM_SIZE - gpa ? ram + gpa : NULL;
}

static void fake_log(void *ctx, const char *device, const char *what)
{
    (void)ctx;
    snprintf(last_log, sizeof(last_log), "%s: %s", device, what);
    logs++;
}

static const struct virtio_env env = { { NULL, fake_ram }, fake_log, NULL };

static uint32_t rd(uint32_t off, unsigned bytes)
{
    uint32_t v = 0;
    return pci_bus_ops.read(&bus, WINDOW + off, bytes, &v) ? v : 0xffffffffu;
}

static void wr(uint32_t off, unsigned bytes, uint32_t v)
{
    assert_true(pci_bus_ops.write(&bus, WINDOW + off, bytes, v));
}

static uint32_t cfg(unsigned reg, unsigned bytes)
{
    uint32_t v = 0;
    pci_bus_ops.write(&bus, 0xcf8, 4, 0x80000000u | SLOT << 11 | (reg & 0xfc));
    pci_bus_ops.read(&bus, 0xcfc + (reg & 3), bytes, &v);
    return v;
}

static void cfg_set(unsigned reg, unsigned bytes, uint32_t v)
{
    pci_bus_ops.write(&bus, 0xcf8, 4, 0x80000000u | SLOT << 11 | (reg & 0xfc));
    pci_bus_ops.write(&bus, 0xcfc + (reg & 3), bytes, v);
}

static uint8_t status(void) { return (uint8_t)rd(COMMON + 0x14, 1); }

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

static void desc(uint32_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next)
{
    put(table + 16 * i, 8, addr);
    put(table + 16 * i + 8, 4, len);
    put(table + 16 * i + 12, 2, flags);
    put(table + 16 * i + 14, 2, next);
}

static void submit(uint16_t head)
{
    put(AVAIL + 4 + 2 * (avail_idx % QSIZE), 2, head);
    put(AVAIL + 2, 2, ++avail_idx);
    wr(NOTIFY, 2, 0);
}

/* The driver's side of 3.1.1 with `features` (low, high dwords) and queue 0 set up. */
static void driver_init(uint32_t lo, uint32_t hi)
{
    wr(COMMON + 0x14, 1, 0);
    assert_int_equal(status(), 0);
    wr(COMMON + 0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(COMMON + 0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(COMMON + 0x08, 4, 0);
    wr(COMMON + 0x0c, 4, lo);
    wr(COMMON + 0x08, 4, 1);
    wr(COMMON + 0x0c, 4, hi);
    wr(COMMON + 0x14, 1, 0x0b);
    if (!(status() & VIRTIO_STATUS_FEATURES_OK))
        return;
    wr(COMMON + 0x16, 2, 0);
    assert_int_equal(rd(COMMON + 0x18, 2), 128);
    wr(COMMON + 0x18, 2, QSIZE);
    wr(COMMON + 0x20, 4, DESC);
    wr(COMMON + 0x24, 4, 0);
    wr(COMMON + 0x28, 4, AVAIL);
    wr(COMMON + 0x2c, 4, 0);
    wr(COMMON + 0x30, 4, USED);
    wr(COMMON + 0x34, 4, 0);
    wr(COMMON + 0x1c, 2, 1);
    wr(COMMON + 0x14, 1, 0x0f);
}

static int setup(void **state)
{
    (void)state;
    fake_reset(1000);
    memset(ram, 0, sizeof(ram));
    for (unsigned i = 0; i < sizeof(disk); i++)
        disk[i] = (uint8_t)(i * 7 + i / 512);
    last_log[0] = '\0';
    logs = 0;
    avail_idx = used_seen = 0;
    pci_bus_init(&bus, &fake.plat, WINDOW, 0x1000000);
    virtio_blk_init(&blk, disk, sizeof(disk) + 100, false, "vireo-disk-0", &env);
    assert_true(pci_bus_attach(&bus, &blk.vp.func, SLOT, IRQ));
    assert_true(pci_bus_assign(&bus));
    pci_bus_ops.reset(&bus);
    driver_init(1u << 2 | 1u << 6 | 1u << 9 | 1u << 28, 1);
    return 0;
}

/* A request: header at DATA, `len` data bytes at DATA + 0x100 (device-written if `in`),
   status at DATA + 0x80; three direct descriptors from `d`. Returns the status byte. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool in, uint16_t d)
{
    put(DATA, 4, type);
    put(DATA + 4, 4, 0);
    put(DATA + 8, 8, sector);
    ram[DATA + 0x80] = 0xee;
    desc(DESC, d, DATA, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1));
    desc(DESC, d + 1u, DATA + 0x100, len, VIRTQ_DESC_F_NEXT | (in ? VIRTQ_DESC_F_WRITE : 0),
         (uint16_t)(d + 2));
    desc(DESC, d + 2u, DATA + 0x80, 1, VIRTQ_DESC_F_WRITE, 0);
    submit(d);
    return ram[DATA + 0x80];
}

static uint32_t used_len(unsigned k) { return (uint32_t)get(USED + 4 + 8 * (k % QSIZE) + 4, 4); }

/* VIO0001: the PCI face Linux's virtio_pci_modern probes: IDs, revision, class, the
   vendor capabilities in order, BAR 0 of 16 KiB, INTA#. */
static void virtio_pci_identity(void **state)
{
    (void)state;
    assert_int_equal(cfg(0, 4), 0x10421af4u);
    assert_int_equal(cfg(8, 4), 0x01800001u);
    assert_int_equal(cfg(0x2c, 4), 0x00401af4u);
    assert_int_equal(cfg(0x3d, 1), 1);
    assert_int_equal(cfg(0x3c, 1), IRQ);
    unsigned types[5], n = 0;
    for (unsigned p = cfg(0x34, 1); p && n < 5; p = cfg(p + 1, 1)) {
        assert_int_equal(cfg(p, 1), 0x09);
        assert_int_equal(cfg(p + 4, 1), 0);
        types[n++] = cfg(p + 3, 1);
        assert_true(cfg(p + 8, 4) + cfg(p + 12, 4) <= VIRTIO_BAR_SIZE);
        if (types[n - 1] == 2)
            assert_int_equal(cfg(p + 16, 4), VIRTIO_NOTIFY_MULT);
    }
    assert_int_equal(n, 5);
    assert_int_equal(types[0], 1);
    assert_int_equal(types[4], 5);
    cfg_set(0x10, 4, 0xffffffffu);
    assert_int_equal(cfg(0x10, 4), (uint32_t)-VIRTIO_BAR_SIZE);
    cfg_set(0x10, 4, (uint32_t)WINDOW);
}

/* VIO0002: feature negotiation: VERSION_1 required, nothing beyond the offer; device
   features by select; reset clears. */
static void virtio_features(void **state)
{
    (void)state;
    wr(COMMON + 0x00, 4, 0);
    assert_int_equal(rd(COMMON + 0x04, 4), 1u << 2 | 1u << 6 | 1u << 9 | 1u << 28);
    wr(COMMON + 0x00, 4, 1);
    assert_int_equal(rd(COMMON + 0x04, 4), 1);
    wr(COMMON + 0x00, 4, 7);
    assert_int_equal(rd(COMMON + 0x04, 4), 0);
    assert_int_equal(rd(COMMON + 0x12, 2), 1);
    assert_int_equal(rd(COMMON + 0x10, 2), 0xffff);
    assert_int_equal(status(), 0x0f);
    driver_init(0, 0);
    assert_int_equal(status() & VIRTIO_STATUS_FEATURES_OK, 0);
    driver_init(1u << 3, 1);                      /* a feature never offered */
    assert_int_equal(status() & VIRTIO_STATUS_FEATURES_OK, 0);
    driver_init(0, 1);
    assert_int_equal(status(), 0x0f);
    assert_false(virtio_pci_has(&blk.vp, VIRTIO_F_INDIRECT_DESC));
    /* features are frozen once FEATURES_OK is set */
    wr(COMMON + 0x08, 4, 0);
    wr(COMMON + 0x0c, 4, 1u << 28);
    assert_int_equal(rd(COMMON + 0x0c, 4), 0);
}

/* VIO0003: the block device's configuration: capacity in whole sectors, limits. */
static void virtio_blk_config(void **state)
{
    (void)state;
    assert_int_equal(rd(VIRTIO_DEVICE_CFG, 4), DISK_SECTORS);
    assert_int_equal(rd(VIRTIO_DEVICE_CFG + 4, 4), 0);
    assert_int_equal(rd(VIRTIO_DEVICE_CFG + 0x0c, 4), 126);
    assert_int_equal(rd(VIRTIO_DEVICE_CFG + 0x14, 4), 512);
    assert_int_equal(rd(VIRTIO_DEVICE_CFG + 0x40, 4), 0xffffffffu);
}

/* VIO0004: read, write, flush, get-id, each completing in the used ring with the bytes
   written, an interrupt through ISR bit 0 and INTA#, cleared by reading the ISR. */
static void virtio_blk_io(void **state)
{
    (void)state;
    assert_int_equal(request(0, 3, 1024, true, 0), 0);
    assert_memory_equal(ram + DATA + 0x100, disk + 3 * 512, 1024);
    assert_int_equal(get(USED + 2, 2), 1);
    assert_int_equal(get(USED + 4, 4), 0);
    assert_int_equal(used_len(0), 1025);
    assert_true(fake.level[IRQ]);
    assert_int_equal(rd(ISR, 1), 1);
    assert_false(fake.level[IRQ]);
    assert_int_equal(rd(ISR, 1), 0);
    memset(ram + DATA + 0x100, 0xab, 512);
    assert_int_equal(request(1, 63, 512, false, 3), 0);
    assert_int_equal(disk[63 * 512], 0xab);
    assert_int_equal(disk[63 * 512 + 511], 0xab);
    assert_int_equal(used_len(1), 1);
    assert_int_equal(request(4, 0, 0, false, 6), 0);
    memset(ram + DATA + 0x100, 0, 32);
    assert_int_equal(request(8, 0, 20, true, 9), 0);
    assert_string_equal((char *)ram + DATA + 0x100, "vireo-disk-0");
    assert_int_equal(used_len(3), 21);
}

/* VIO0005: requests the device refuses with a status, not a reset: past the end, not
   whole sectors, unknown types, writes to a read-only disk. */
static void virtio_blk_errors(void **state)
{
    (void)state;
    assert_int_equal(request(0, 63, 1024, true, 0), 1);
    assert_int_equal(request(1, 64, 512, false, 3), 1);
    assert_int_equal(request(0, UINT64_MAX, 512, true, 6), 1);
    assert_int_equal(request(0, 0, 100, true, 9), 1);
    assert_int_equal(request(77, 0, 512, true, 12), 2);
    assert_int_equal(status(), 0x0f);
    virtio_blk_init(&blk, disk, sizeof(disk), true, NULL, &env);
    pci_bus_init(&bus, &fake.plat, WINDOW, 0x1000000);
    assert_true(pci_bus_attach(&bus, &blk.vp.func, SLOT, IRQ));
    assert_true(pci_bus_assign(&bus));
    avail_idx = 0;
    memset(ram, 0, sizeof(ram));
    driver_init(1u << 5, 1);
    assert_int_equal(status(), 0x0f);
    assert_int_equal(request(1, 0, 512, false, 0), 1);
    assert_int_equal(request(0, 0, 512, true, 3), 0);
}

/* VIO0006: an indirect table carries the whole request. */
static void virtio_indirect(void **state)
{
    (void)state;
    const uint32_t table = 0x8000;
    put(DATA, 4, 0);
    put(DATA + 8, 8, 5);
    desc(table, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 2);
    desc(table, 2, DATA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    desc(table, 1, DATA + 0x80, 1, VIRTQ_DESC_F_WRITE, 0);
    desc(DESC, 4, table, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    ram[DATA + 0x80] = 0xee;
    submit(4);
    assert_int_equal(ram[DATA + 0x80], 0);
    assert_memory_equal(ram + DATA + 0x100, disk + 5 * 512, 512);
    assert_int_equal(status(), 0x0f);
}

/* A malformed ring: the device must say so, set NEEDS_RESET, interrupt for the config
   change, touch nothing further, and work again after a reset. */
static void expect_failure(const char *what)
{
    if (!(status() & VIRTIO_STATUS_NEEDS_RESET))
        fail_msg("no NEEDS_RESET where '%s' was expected", what);
    if (!strstr(last_log, what))
        fail_msg("expected '%s', logged '%s'", what, last_log);
    assert_int_equal(rd(ISR, 1) & 2, 2);
    unsigned before = logs;
    wr(NOTIFY, 2, 0);
    assert_int_equal(logs, before);
    avail_idx = 0;
    memset(ram, 0, sizeof(ram));
    driver_init(1u << 2 | 1u << 28, 1);
    assert_int_equal(status(), 0x0f);
    assert_int_equal(request(0, 0, 512, true, 0), 0);
}

/* VIO0007: malformed chains and rings, each caught. */
static void virtio_malformed(void **state)
{
    (void)state;
    desc(DESC, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
    desc(DESC, 1, DATA + 0x80, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    submit(0);
    expect_failure("loops");
    submit(QSIZE);
    expect_failure("head descriptor index");
    desc(DESC, 0, DATA, 16, VIRTQ_DESC_F_NEXT, QSIZE + 5);
    submit(0);
    expect_failure("next descriptor index");
    desc(DESC, 0, RAM_SIZE - 8, 16, VIRTQ_DESC_F_NEXT, 1);
    submit(0);
    expect_failure("outside guest RAM");
    desc(DESC, 0, 0xfffffffffffffff0ull, 0x20, 0, 0);
    submit(0);
    expect_failure("outside guest RAM");
    desc(DESC, 0, DATA + 0x80, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    desc(DESC, 1, DATA, 16, 0, 0);
    submit(0);
    expect_failure("readable buffer follows");
    put(AVAIL + 2, 2, avail_idx + QSIZE + 1u);
    wr(NOTIFY, 2, 0);
    expect_failure("more than a queue ahead");
    desc(DESC, 0, DATA + 0x80, 1, VIRTQ_DESC_F_WRITE, 0);
    submit(0);
    expect_failure("header or status");
    desc(DESC, 0, DATA, 16, 0, 0);
    submit(0);
    expect_failure("header or status");
}

/* VIO0008: malformed indirect tables: nested, with NEXT, misshapen, outside RAM, looping. */
static void virtio_malformed_indirect(void **state)
{
    (void)state;
    const uint32_t table = 0x8000;
    desc(table, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
    desc(DESC, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
    submit(0);
    expect_failure("indirect descriptor where none");
    desc(DESC, 0, table, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    submit(0);
    expect_failure("with NEXT");
    desc(DESC, 0, table, 24, VIRTQ_DESC_F_INDIRECT, 0);
    submit(0);
    expect_failure("multiple of 16");
    desc(DESC, 0, table, 0x100000, VIRTQ_DESC_F_INDIRECT, 0);
    submit(0);
    expect_failure("multiple of 16");
    desc(DESC, 0, RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
    submit(0);
    expect_failure("table outside guest RAM");
    desc(table, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
    desc(table, 1, DATA + 0x80, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    desc(DESC, 0, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
    submit(0);
    expect_failure("loops");
    /* not negotiated: indirect descriptors are an error */
    avail_idx = 0;
    driver_init(0, 1);
    desc(table, 0, DATA, 16, 0, 0);
    desc(DESC, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
    submit(0);
    expect_failure("indirect descriptor where none");
}

/* VIO0009: queue setup errors: rings outside RAM or misaligned, a size that is no power
   of two; an enabled queue's addresses stay put. */
static void virtio_queue_setup(void **state)
{
    (void)state;
    wr(COMMON + 0x20, 4, 0x5000);
    assert_int_equal(rd(COMMON + 0x20, 4), DESC);
    wr(COMMON + 0x14, 1, 0);
    wr(COMMON + 0x14, 1, 3);
    wr(COMMON + 0x08, 4, 1);
    wr(COMMON + 0x0c, 4, 1);
    wr(COMMON + 0x14, 1, 0x0b);
    wr(COMMON + 0x18, 2, 12);
    wr(COMMON + 0x1c, 2, 1);
    assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
    assert_non_null(strstr(last_log, "power of two"));
    wr(COMMON + 0x14, 1, 0);
    wr(COMMON + 0x14, 1, 0x0b);
    assert_int_equal(status(), 3);              /* features were reset: no VERSION_1 */
    wr(COMMON + 0x08, 4, 1);
    wr(COMMON + 0x0c, 4, 1);
    wr(COMMON + 0x14, 1, 0x0b);
    wr(COMMON + 0x30, 4, RAM_SIZE - 8);
    wr(COMMON + 0x1c, 2, 1);
    assert_non_null(strstr(last_log, "used ring outside"));
    wr(COMMON + 0x14, 1, 0);
    wr(COMMON + 0x16, 2, 3);                    /* no such queue */
    assert_int_equal(rd(COMMON + 0x18, 2), 0);
    wr(COMMON + 0x1c, 2, 1);
    assert_int_equal(rd(COMMON + 0x1c, 2), 0);
    wr(COMMON + 0x16, 2, 0);
    wr(COMMON + 0x20, 4, 0x1008);
    wr(COMMON + 0x1c, 2, 1);
    assert_non_null(strstr(last_log, "misaligned"));
}

/* VIO0010: the PCI configuration access capability reaches the common configuration. */
static void virtio_cfg_window(void **state)
{
    (void)state;
    unsigned p = cfg(0x34, 1);
    while (cfg(p + 3, 1) != 5)
        p = cfg(p + 1, 1);
    cfg_set(p + 4, 1, 0);
    cfg_set(p + 8, 4, 0x14);
    cfg_set(p + 12, 4, 1);
    assert_int_equal(cfg(p + 16, 1), 0x0f);
    cfg_set(p + 8, 4, 0x12);
    cfg_set(p + 12, 4, 2);
    assert_int_equal(cfg(p + 16, 2), 1);
    cfg_set(p + 8, 4, 0x14);
    cfg_set(p + 12, 4, 1);
    cfg_set(p + 16, 1, 0);
    assert_int_equal(status(), 0);
    cfg_set(p + 12, 4, 3);                      /* a bad length: nothing happens */
    cfg_set(p + 16, 4, 0x0f);
    assert_int_equal(status(), 0);
}

/* VIO0012: the bus saves each function's transport state after its header: a restore
   brings back queues, features and status, and refuses a state the device cannot hold. */
static void virtio_save_restore(void **state)
{
    (void)state;
    static uint8_t buf[16384], bad[16384];
    const size_t vq0 = 8 + 4 + PCI_SLOTS * PCI_CFG_SIZE + 4 + 8 + 24;
    assert_int_equal(request(0, 1, 512, true, 0), 0);
    size_t n = pci_bus_ops.save(&bus, buf, sizeof(buf));
    assert_int_equal(n, vq0 + 4 * 40);
    assert_int_equal(pci_bus_ops.save(&bus, buf, n - 1), 0);
    pci_bus_ops.reset(&bus);
    assert_int_equal(status(), 0);
    assert_true(pci_bus_ops.restore(&bus, buf, n));
    assert_int_equal(status(), 0x0f);
    assert_int_equal(request(0, 2, 512, true, 3), 0);
    assert_int_equal(get(USED + 2, 2), 2);
    assert_memory_equal(ram + DATA + 0x100, disk + 2 * 512, 512);
    memcpy(bad, buf, n);
    bad[vq0 + 32] = 2;                          /* queue 0 enabled: neither 0 nor 1 */
    assert_false(pci_bus_ops.restore(&bus, bad, n));
    memcpy(bad, buf, n);
    pci_put(bad + vq0 + 16, 4, RAM_SIZE - 8);   /* its used ring outside RAM */
    assert_false(pci_bus_ops.restore(&bus, bad, n));
    memcpy(bad, buf, n);
    pci_put(bad + vq0 + 26, 2, 4096);           /* another maximum */
    assert_false(pci_bus_ops.restore(&bus, bad, n));
    assert_false(pci_bus_ops.restore(&bus, buf, n - 1));
    assert_false(pci_bus_ops.restore(&bus, buf, n - 40));
    assert_int_equal(status(), 0x0f);
    assert_int_equal(request(0, 3, 512, true, 6), 0);
}

/* VIO0011: random bytes in every ring and table, random notifies and register writes:
   nothing may crash or touch memory outside the fake RAM (ASan watches). */
static void virtio_hostile(void **state)
{
    (void)state;
    uint32_t x = 0x9e3779b9u;
    for (unsigned round = 0; round < 3000; round++) {
        for (unsigned i = DESC; i < USED + 0x100; i++) {
            x = x * 1103515245u + 12345u;
            if (x % 7 == 0)
                ram[i] = (uint8_t)(x >> 17);
        }
        desc(DESC, x % QSIZE, DATA + (x >> 20) % 0x100, (x >> 8) % 2048,
             (uint16_t)(x % 8), (uint16_t)((x >> 3) % (QSIZE + 2)));
        wr(NOTIFY, 2, 0);
        if (round % 97 == 0)
            wr(COMMON + (x >> 5) % 0x38, 1u << ((x >> 9) % 3), x);
        rd(ISR, 1);
        if (status() & VIRTIO_STATUS_NEEDS_RESET || !(status() & VIRTIO_STATUS_DRIVER_OK)) {
            avail_idx = 0;
            memset(ram + USED, 0, 0x100);
            driver_init(1u << 28, 1);
        }
    }
    fake_hostile(&pci_bus_ops, &bus, WINDOW, 0x40, 2);
    fake_hostile(&pci_bus_ops, &bus, WINDOW + VIRTIO_DEVICE_CFG, 0x48, 2);
    fake_hostile(&pci_bus_ops, &bus, WINDOW + VIRTIO_NOTIFY, 0x10, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(virtio_pci_identity, setup),
        cmocka_unit_test_setup(virtio_features, setup),
        cmocka_unit_test_setup(virtio_blk_config, setup),
        cmocka_unit_test_setup(virtio_blk_io, setup),
        cmocka_unit_test_setup(virtio_blk_errors, setup),
        cmocka_unit_test_setup(virtio_indirect, setup),
        cmocka_unit_test_setup(virtio_malformed, setup),
        cmocka_unit_test_setup(virtio_malformed_indirect, setup),
        cmocka_unit_test_setup(virtio_queue_setup, setup),
        cmocka_unit_test_setup(virtio_cfg_window, setup),
        cmocka_unit_test_setup(virtio_hostile, setup),
        cmocka_unit_test_setup(virtio_save_restore, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
