/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the guest's PCI bus and the devices on it, set up as firmware would: the
   host bridge at 00:00.0, virtio-blk at 00:01.0 on the image that `disk=` names,
   virtio-console at 00:02.0 (its output as console lines), virtio-net with a loopback
   peer at 00:03.0; BARs in the MMIO hole, INTA# on ISA lines made level-triggered in the
   ELCR. */
#include "dev/bus.h"
#include "dev/virtio_blk.h"
#include "dev/virtio_console.h"
#include "dev/virtio_net.h"
#include "pcidev.h"
#include "vmm.h"

/* The PCI hole: from the top of low RAM's range up to the I/O APIC (LAPIC, HPET and the
   rest of the top 20 MiB stay out). */
#define PCI_MMIO_BASE 0xe0000000ull
#define PCI_MMIO_SIZE (0xfec00000ull - PCI_MMIO_BASE)
#define BLK_SLOT 1
#define BLK_IRQ 10
#define CON_SLOT 2
#define CON_IRQ 11
#define NET_SLOT 3
#define NET_IRQ 5
#define LINE 120
#define ELCR_PORT 0x4d0
/* The largest disk image: a copy of it lives in the VMM's bss, paged in as it is touched. */
#define DISK_MAX (64ull << 20)

static struct pci_bus pci;
static struct virtio_blk blk;
static struct virtio_console con;
static struct virtio_net net;
/* A locally administered unicast address (bit 1 of the first byte set, bit 0 clear). */
static const uint8_t net_mac[6] = { 0x02, 0x56, 0x49, 0x52, 0x45, 0x4f };
static struct {
    char text[LINE];
    unsigned len;
} con_line;
static uint8_t disk[DISK_MAX] __attribute__((aligned(4096)));
static uint16_t level_lines;            /* ISA lines with a PCI INTA# on them */

static uint8_t *ram(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    return guest_ram(gpa, len);
}

static void log_error(void *ctx, const char *device, const char *what)
{
    (void)ctx;
    vmm_print("vmm: %s: %s; the device needs a reset\n", device, what);
}

static const struct virtio_env env = { { NULL, ram }, log_error, NULL };

/* The module is read-only to the VMM: its bytes are copied once, and the guest's writes
   last as long as the guest (the module itself never changes). */
static bool add_blk(const uint8_t *image, uint64_t size)
{
    if (size > DISK_MAX || size < VIRTIO_BLK_SECTOR) {
        vmm_print("vmm: disk= image of %lu bytes: it must hold 512 bytes to 64 MiB\n", size);
        return false;
    }
    memcpy(disk, image, size);
    virtio_blk_init(&blk, disk, size, false, "vireo-disk", &env);
    if (!pci_bus_attach(&pci, &blk.vp.func, BLK_SLOT, BLK_IRQ))
        return false;
    level_lines |= 1u << BLK_IRQ;
    vmm_print("vmm: virtio-blk at 00:%02x.0: %lu sectors, IRQ %u\n", BLK_SLOT,
              size / VIRTIO_BLK_SECTOR, BLK_IRQ);
    return true;
}

/* What the guest writes to the virtio console becomes console lines (CR dropped). */
static void con_out(void *ctx, const uint8_t *bytes, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (bytes[i] != '\n' && con_line.len < LINE - 1) {
            if (bytes[i] != '\r')
                con_line.text[con_line.len++] = (char)bytes[i];
            continue;
        }
        con_line.text[con_line.len] = '\0';
        vmm_print("%s\n", con_line.text);
        con_line.len = 0;
    }
}

static bool add_io(void)
{
    virtio_console_init(&con, &env, con_out, NULL);
    virtio_net_init(&net, net_mac, &env);
    level_lines |= 1u << CON_IRQ | 1u << NET_IRQ;
    return pci_bus_attach(&pci, &con.vp.func, CON_SLOT, CON_IRQ) &&
           pci_bus_attach(&pci, &net.vp.func, NET_SLOT, NET_IRQ);
}

bool pcidev_init(struct bus *b, const struct dev_platform *p)
{
    uint64_t size;
    const uint8_t *image = vmm_module("disk", &size);
    pci_bus_init(&pci, p, PCI_MMIO_BASE, PCI_MMIO_SIZE);
    if ((image && !add_blk(image, size)) || !add_io())
        return false;
    if (!pci_bus_assign(&pci))
        return false;
    struct dev d = { &pci_bus_ops, &pci, pci.range, ARRAY_SIZE(pci.range) };
    return bus_add(b, &d);
}

/* PCI interrupts are level-triggered and shared: the firmware marks their lines in the
   ELCR (after the 8259's reset, which clears it). */
void pcidev_set_lines(struct bus *b)
{
    bus_pio_write(b, ELCR_PORT, 1, level_lines & 0xff);
    bus_pio_write(b, ELCR_PORT + 1, 1, level_lines >> 8);
}

unsigned pcidev_irqs(uint8_t *dev, uint8_t *irq, unsigned max)
{
    unsigned n = 0;
    for (unsigned s = 1; s < PCI_SLOTS && n < max; s++) {
        const struct pci_func *f = pci.slot[s];
        if (f && f->cfg[PCI_INT_PIN]) {
            dev[n] = (uint8_t)s;
            irq[n++] = f->irq;
        }
    }
    return n;
}
