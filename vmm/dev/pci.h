/* SPDX-License-Identifier: MIT */
/* Vireo VMM: PCI bus 0 behind a host bridge, reached by configuration mechanism #1. */
#pragma once
#include "dev.h"

#define PCI_SLOTS 32                    /* devices on bus 0, function 0 each */
#define PCI_CFG_SIZE 256
#define PCI_BARS 6

/* PCI Local Bus 3.0, 6.1: the type 0 configuration header. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS 0x09                  /* programming interface, subclass, class */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INT_LINE 0x3c
#define PCI_INT_PIN 0x3d
#define PCI_CAP_FIRST 0x40              /* where capabilities start */

#define PCI_CMD_IO 0x0001u
#define PCI_CMD_MEM 0x0002u
#define PCI_CMD_MASTER 0x0004u
#define PCI_CMD_INTX_DISABLE 0x0400u
#define PCI_STATUS_INTX 0x0008u
#define PCI_STATUS_CAP 0x0010u
#define PCI_INT_PIN_A 1

struct pci_func;

/* What a function does beyond its header: BAR accesses (`off` within the BAR; false: not
   decoded, reads all ones) and hooks around configuration accesses (may be NULL):
   cfg_reading before `bytes` at `off` are read, cfg_written after a write landed. */
struct pci_func_ops {
    bool (*bar_read)(void *dev, unsigned bar, uint64_t off, unsigned bytes, uint32_t *value);
    bool (*bar_write)(void *dev, unsigned bar, uint64_t off, unsigned bytes, uint32_t value);
    void (*cfg_reading)(void *dev, unsigned off, unsigned bytes);
    void (*cfg_written)(void *dev, unsigned off, unsigned bytes);
    void (*reset)(void *dev);
    /* The function's state beyond its header, saved and restored with the bus (may be
       NULL; with save, check and restore too): save returns the bytes written (0: `len`
       is too small); check says whether restore would take `buf`, which changes nothing;
       restore then takes it (and sets INTx). */
    size_t (*save)(const void *dev, uint8_t *buf, size_t len);
    bool (*check)(const void *dev, const uint8_t *buf, size_t len);
    void (*restore)(void *dev, const uint8_t *buf, size_t len);
};

struct pci_func {
    uint8_t cfg[PCI_CFG_SIZE];
    uint8_t wmask[PCI_CFG_SIZE];        /* the bits a configuration write may change */
    uint8_t boot_cfg[PCI_CFG_SIZE];     /* as the firmware left it: what reset restores */
    uint32_t bar_size[PCI_BARS];        /* 0: no BAR; else a power of two >= 16 */
    const struct pci_func_ops *ops;
    void *dev;
    struct pci_bus *bus;
    uint8_t irq;                        /* the ISA line INTA# is wired to; 0: none */
    bool intx;                          /* the function asserts INTA# */
};

struct pci_bus {
    uint32_t address;                   /* CONFIG_ADDRESS (0xcf8) */
    struct pci_func *slot[PCI_SLOTS];
    struct pci_func host;               /* 00:00.0 */
    const struct dev_platform *plat;
    struct dev_range range[3];          /* 0xcf8, the MMIO window, 0xcfc-0xcff */
};

extern const struct dev_ops pci_bus_ops;

/* A bus with the host bridge at slot 0 whose BARs go in [mmio_base, mmio_base + size). */
void pci_bus_init(struct pci_bus *b, const struct dev_platform *p, uint64_t mmio_base,
                  uint64_t mmio_size);
/* A function's header: IDs, class (class << 16 | subclass << 8 | prog-if), revision. */
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_code,
                   uint8_t revision, const struct pci_func_ops *ops, void *dev);
/* A 32-bit memory BAR of `size` bytes (a power of two, 16 or more). */
void pci_func_bar(struct pci_func *f, unsigned bar, uint32_t size);
/* Appends a capability (its first two bytes are filled in: ID, next); returns its offset,
   or 0 if it does not fit. */
unsigned pci_func_cap(struct pci_func *f, uint8_t id, const void *body, unsigned len);
/* Puts a function in a free slot with INTA# on ISA line `irq`; false if none is free. */
bool pci_bus_attach(struct pci_bus *b, struct pci_func *f, unsigned slot, uint8_t irq);
/* The firmware's part: BAR addresses in the window (largest first, naturally aligned),
   memory decode on, interrupt line set. False if the window is too small. */
bool pci_bus_assign(struct pci_bus *b);
/* The function sets its INTA# (level-triggered, shared by the functions on its line). */
void pci_func_intx(struct pci_func *f, bool level);
/* The address BAR `bar` decodes now; 0 if none (not sized, or memory decode off). */
uint64_t pci_func_bar_addr(const struct pci_func *f, unsigned bar);

/* Little-endian fields of a configuration space or register image. */
static inline uint32_t pci_get(const uint8_t *p, unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static inline void pci_put(uint8_t *p, unsigned bytes, uint32_t v)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
