/* SPDX-License-Identifier: MIT */
/* Vireo VMM: PCI bus 0, after the PCI Local Bus Specification 3.0: configuration
   mechanism #1 (3.2.2.3.2: CONFIG_ADDRESS at 0xcf8, dword only; CONFIG_DATA at
   0xcfc-0xcff, any width), type 0 headers with writable masks, BAR sizing (6.2.5.1),
   capability lists (6.7), INTx# as level-triggered ISA lines, and the memory BARs
   decoded in one MMIO window. The VMM is the firmware: it assigns BARs and lines. */
#include "pci.h"
#include "lib.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define ADDR_ENABLE 0x80000000u
#define ADDR_MASK 0x80fffffcu           /* enable, bus, device, function, register */
#define ADDR_BUS(a) (((a) >> 16) & 0xff)
#define ADDR_SLOT(a) (((a) >> 11) & 0x1f)
#define ADDR_FUNC(a) (((a) >> 8) & 0x7)
#define ADDR_REG(a) ((a) & 0xfc)
#define BAR_MEM_MASK 0xfffffff0u
#define CAP_END PCI_CFG_SIZE
#define SAVE_MAGIC 0x42494350u          /* "PCIB" */
#define SAVE_VERSION 1
/* A host bridge's IDs: Red Hat's generic host bridge for virtual machines (1b36:0008). */
#define HOST_VENDOR 0x1b36
#define HOST_DEVICE 0x0008
#define CLASS_HOST_BRIDGE 0x060000u

struct pci_save {
    uint32_t address;
    uint8_t cfg[PCI_SLOTS][PCI_CFG_SIZE];
};

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_code,
                   uint8_t revision, const struct pci_func_ops *ops, void *dev)
{
    memset(f, 0, sizeof(*f));
    f->ops = ops;
    f->dev = dev;
    pci_put(f->cfg + PCI_VENDOR_ID, 2, vendor);
    pci_put(f->cfg + PCI_DEVICE_ID, 2, device);
    f->cfg[PCI_REVISION] = revision;
    pci_put(f->cfg + PCI_CLASS, 3, class_code);
    pci_put(f->wmask + PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE);
    f->wmask[PCI_INT_LINE] = 0xff;
}

void pci_func_bar(struct pci_func *f, unsigned bar, uint32_t size)
{
    if (bar >= PCI_BARS || size < 16 || (size & (size - 1)))
        return;
    f->bar_size[bar] = size;
    pci_put(f->wmask + PCI_BAR0 + 4 * bar, 4, ~(size - 1) & BAR_MEM_MASK);
}

unsigned pci_func_cap(struct pci_func *f, uint8_t id, const void *body, unsigned len)
{
    unsigned off = PCI_CAP_FIRST, last = 0;
    for (unsigned p = f->cfg[PCI_CAP_PTR]; p; p = f->cfg[p + 1]) {
        last = p;
        off = (p + f->cfg[p + 2] + 3u) & ~3u;   /* ours keep their length at +2 */
    }
    if (len < 3 || off + len > CAP_END)
        return 0;
    memcpy(f->cfg + off, body, len);
    f->cfg[off] = id;
    f->cfg[off + 1] = 0;
    f->cfg[off + 2] = (uint8_t)len;
    f->cfg[last ? last + 1 : PCI_CAP_PTR] = (uint8_t)off;
    pci_put(f->cfg + PCI_STATUS, 2, pci_get(f->cfg + PCI_STATUS, 2) | PCI_STATUS_CAP);
    return off;
}

uint64_t pci_func_bar_addr(const struct pci_func *f, unsigned bar)
{
    if (bar >= PCI_BARS || !f->bar_size[bar] || !(f->cfg[PCI_COMMAND] & PCI_CMD_MEM))
        return 0;
    return pci_get(f->cfg + PCI_BAR0 + 4 * bar, 4) & BAR_MEM_MASK;
}

/* An ISA line is the wired OR of the INTA# pins on it whose INTx is not disabled. */
static void update_line(struct pci_bus *b, uint8_t irq)
{
    bool level = false;
    for (unsigned s = 0; s < PCI_SLOTS; s++) {
        struct pci_func *f = b->slot[s];
        if (f && f->irq == irq && f->intx &&
            !(pci_get(f->cfg + PCI_COMMAND, 2) & PCI_CMD_INTX_DISABLE))
            level = true;
    }
    b->plat->irq(b->plat->ctx, irq, level);
}

void pci_func_intx(struct pci_func *f, bool level)
{
    uint16_t status = (uint16_t)pci_get(f->cfg + PCI_STATUS, 2);
    f->intx = level;
    status = (uint16_t)(level ? status | PCI_STATUS_INTX : status & ~PCI_STATUS_INTX);
    pci_put(f->cfg + PCI_STATUS, 2, status);
    if (f->bus && f->irq)
        update_line(f->bus, f->irq);
}

bool pci_bus_attach(struct pci_bus *b, struct pci_func *f, unsigned slot, uint8_t irq)
{
    if (slot >= PCI_SLOTS || b->slot[slot] || irq >= 16)
        return false;
    f->bus = b;
    f->irq = irq;
    f->cfg[PCI_INT_PIN] = irq ? PCI_INT_PIN_A : 0;
    f->cfg[PCI_INT_LINE] = irq ? irq : 0xff;
    b->slot[slot] = f;
    return true;
}

void pci_bus_init(struct pci_bus *b, const struct dev_platform *p, uint64_t mmio_base,
                  uint64_t mmio_size)
{
    memset(b, 0, sizeof(*b));
    b->plat = p;
    /* CONFIG_ADDRESS as one port (a dword access comes to a model at its first port):
       0xcf9 is the chipset's reset control register on a PC. */
    b->range[0] = (struct dev_range){ DEV_PIO, CONFIG_ADDRESS, 1 };
    b->range[1] = (struct dev_range){ DEV_MMIO, mmio_base, mmio_size };
    b->range[2] = (struct dev_range){ DEV_PIO, CONFIG_ADDRESS + 4, 4 };
    pci_func_init(&b->host, HOST_VENDOR, HOST_DEVICE, CLASS_HOST_BRIDGE, 0, NULL, NULL);
    pci_put(b->host.wmask + PCI_COMMAND, 2, 0);
    b->host.cfg[PCI_COMMAND] = PCI_CMD_MEM | PCI_CMD_IO;
    b->host.wmask[PCI_INT_LINE] = 0;
    pci_bus_attach(b, &b->host, 0, 0);
    b->host.cfg[PCI_INT_LINE] = 0;
}

/* The largest BAR not placed yet (bit set in `done`), or false if all are. */
static bool next_bar(struct pci_bus *b, const uint8_t done[PCI_SLOTS], unsigned *slot,
                     unsigned *bar)
{
    uint32_t best = 0;
    for (unsigned s = 0; s < PCI_SLOTS; s++)
        for (unsigned i = 0; b->slot[s] && i < PCI_BARS; i++)
            if (!(done[s] & (1u << i)) && b->slot[s]->bar_size[i] > best) {
                best = b->slot[s]->bar_size[i];
                *slot = s;
                *bar = i;
            }
    return best;
}

bool pci_bus_assign(struct pci_bus *b)
{
    uint8_t done[PCI_SLOTS] = { 0 };
    uint64_t at = b->range[1].base, end = b->range[1].base + b->range[1].size;
    unsigned s, i;
    while (next_bar(b, done, &s, &i)) {
        struct pci_func *f = b->slot[s];
        uint64_t size = f->bar_size[i];
        at = (at + size - 1) & ~(size - 1);
        if (at + size > end || at + size > (1ull << 32))
            return false;
        pci_put(f->cfg + PCI_BAR0 + 4 * i, 4, (uint32_t)at);
        f->cfg[PCI_COMMAND] |= PCI_CMD_MEM;
        at += size;
        done[s] |= (uint8_t)(1u << i);
    }
    for (s = 0; s < PCI_SLOTS; s++)
        if (b->slot[s])
            memcpy(b->slot[s]->boot_cfg, b->slot[s]->cfg, PCI_CFG_SIZE);
    return true;
}

/* The function CONFIG_ADDRESS selects, if it is enabled and names one on bus 0. */
static struct pci_func *selected(const struct pci_bus *b)
{
    uint32_t a = b->address;
    if (!(a & ADDR_ENABLE) || ADDR_BUS(a) || ADDR_FUNC(a))
        return NULL;
    return b->slot[ADDR_SLOT(a)];
}

static uint32_t cfg_read(struct pci_func *f, unsigned off, unsigned bytes)
{
    if (f->ops && f->ops->cfg_reading)
        f->ops->cfg_reading(f->dev, off, bytes);
    return pci_get(f->cfg + off, bytes);
}

static void cfg_write(struct pci_func *f, unsigned off, unsigned bytes, uint32_t value)
{
    uint16_t old_cmd = (uint16_t)pci_get(f->cfg + PCI_COMMAND, 2);
    for (unsigned i = 0; i < bytes; i++) {
        uint8_t m = f->wmask[off + i], v = (uint8_t)(value >> (8 * i));
        f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (v & m));
    }
    if ((old_cmd ^ pci_get(f->cfg + PCI_COMMAND, 2)) & PCI_CMD_INTX_DISABLE && f->irq)
        update_line(f->bus, f->irq);
    if (f->ops && f->ops->cfg_written)
        f->ops->cfg_written(f->dev, off, bytes);
}


/* The function and BAR that decode `gpa` for `bytes`, with the offset in the BAR. */
static struct pci_func *bar_at(struct pci_bus *b, uint64_t gpa, unsigned bytes, unsigned *bar,
                               uint64_t *off)
{
    for (unsigned s = 0; s < PCI_SLOTS; s++)
        for (unsigned i = 0; b->slot[s] && i < PCI_BARS; i++) {
            uint64_t base = pci_func_bar_addr(b->slot[s], i);
            if (base && gpa - base < b->slot[s]->bar_size[i] &&
                gpa - base + bytes <= b->slot[s]->bar_size[i]) {
                *bar = i;
                *off = gpa - base;
                return b->slot[s];
            }
        }
    return NULL;
}

static bool pio_read(struct pci_bus *b, uint32_t port, unsigned bytes, uint32_t *value)
{
    if (port == CONFIG_ADDRESS) {
        if (bytes != 4)
            return false;               /* other widths are not CONFIG_ADDRESS (3.2.2.3.2) */
        *value = b->address;
        return true;
    }
    unsigned k = port - CONFIG_DATA;
    if (port < CONFIG_DATA || k + bytes > 4)
        return false;
    struct pci_func *f = selected(b);
    *value = f ? cfg_read(f, ADDR_REG(b->address) + k, bytes) : 0xffffffffu >> (32 - 8 * bytes);
    return true;
}

static bool pio_write(struct pci_bus *b, uint32_t port, unsigned bytes, uint32_t value)
{
    if (port == CONFIG_ADDRESS) {
        if (bytes != 4)
            return false;
        b->address = value & ADDR_MASK;
        return true;
    }
    unsigned k = port - CONFIG_DATA;
    if (port < CONFIG_DATA || k + bytes > 4)
        return false;
    struct pci_func *f = selected(b);
    if (f)
        cfg_write(f, ADDR_REG(b->address) + k, bytes, value);
    return true;
}

static bool width_ok(unsigned bytes) { return bytes == 1 || bytes == 2 || bytes == 4; }

static bool pci_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct pci_bus *b = dev;
    if (!width_ok(bytes))
        return false;
    if (addr - b->range[1].base < b->range[1].size) {
        unsigned bar;
        uint64_t off;
        struct pci_func *f = bar_at(b, addr, bytes, &bar, &off);
        return f && f->ops && f->ops->bar_read && f->ops->bar_read(f->dev, bar, off, bytes, value);
    }
    return pio_read(b, (uint32_t)addr, bytes, value);
}

static bool pci_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct pci_bus *b = dev;
    if (!width_ok(bytes))
        return false;
    if (addr - b->range[1].base < b->range[1].size) {
        unsigned bar;
        uint64_t off;
        struct pci_func *f = bar_at(b, addr, bytes, &bar, &off);
        if (f && f->ops && f->ops->bar_write)
            f->ops->bar_write(f->dev, bar, off, bytes, value);
        return true;                    /* a write nobody decodes vanishes */
    }
    return pio_write(b, (uint32_t)addr, bytes, value);
}

/* Each function's header as the firmware left it, and the function's own reset. */
static void pci_reset(void *dev)
{
    struct pci_bus *b = dev;
    b->address = 0;
    for (unsigned s = 0; s < PCI_SLOTS; s++) {
        struct pci_func *f = b->slot[s];
        if (!f)
            continue;
        memcpy(f->cfg, f->boot_cfg, PCI_CFG_SIZE);
        if (f->ops && f->ops->reset)
            f->ops->reset(f->dev);
    }
}

static bool has_state(const struct pci_func *f) { return f && f->ops && f->ops->save; }

/* After the headers, each function with state of its own: a 32-bit length, the state.
   Returns the bytes written, or SIZE_MAX if `len` is too small. */
static size_t save_funcs(const struct pci_bus *b, uint8_t *buf, size_t len)
{
    size_t at = 0;
    for (unsigned s = 0; s < PCI_SLOTS; s++) {
        const struct pci_func *f = b->slot[s];
        if (!has_state(f))
            continue;
        size_t n = len - at >= 4 ? f->ops->save(f->dev, buf + at + 4, len - at - 4) : 0;
        if (!n || n > UINT32_MAX)
            return SIZE_MAX;
        pci_put(buf + at, 4, (uint32_t)n);
        at += 4 + n;
    }
    return at;
}

static size_t pci_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct pci_bus *b = dev;
    static struct pci_save st;
    memset(&st, 0, sizeof(st));
    st.address = b->address;
    for (unsigned s = 0; s < PCI_SLOTS; s++)
        if (b->slot[s])
            memcpy(st.cfg[s], b->slot[s]->cfg, PCI_CFG_SIZE);
    size_t head = dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &st, sizeof(st), buf, len);
    size_t tail = head ? save_funcs(b, buf + head, len - head) : SIZE_MAX;
    return tail == SIZE_MAX ? 0 : head + tail;
}

enum restore_step { RESTORE_CHECK, RESTORE_APPLY };

/* Walks the functions' states in `buf`: checks them all, or (once they passed) applies. */
static bool restore_funcs(struct pci_bus *b, const uint8_t *buf, size_t len,
                          enum restore_step step)
{
    size_t at = 0;
    for (unsigned s = 0; s < PCI_SLOTS; s++) {
        struct pci_func *f = b->slot[s];
        if (!has_state(f))
            continue;
        if (len - at < 4)
            return false;
        uint32_t n = pci_get(buf + at, 4);
        if (n > len - at - 4)
            return false;
        if (step == RESTORE_CHECK && !f->ops->check(f->dev, buf + at + 4, n))
            return false;
        if (step == RESTORE_APPLY)
            f->ops->restore(f->dev, buf + at + 4, n);
        at += 4 + n;
    }
    return at == len;
}

/* Only the writable bits may differ from what the functions hold now. */
static bool pci_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct pci_bus *b = dev;
    static struct pci_save st;
    size_t head = sizeof(struct dev_save_header) + sizeof(st);
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &st, sizeof(st), buf, len) ||
        st.address & ~ADDR_MASK || !restore_funcs(b, buf + head, len - head, RESTORE_CHECK))
        return false;
    for (unsigned s = 0; s < PCI_SLOTS; s++)
        for (unsigned i = 0; b->slot[s] && i < PCI_CFG_SIZE; i++)
            if ((st.cfg[s][i] ^ b->slot[s]->cfg[i]) & ~b->slot[s]->wmask[i] &
                ~(i == PCI_STATUS ? PCI_STATUS_INTX : 0))
                return false;
    b->address = st.address;
    for (unsigned s = 0; s < PCI_SLOTS; s++)
        if (b->slot[s]) {
            uint8_t status = b->slot[s]->cfg[PCI_STATUS];
            memcpy(b->slot[s]->cfg, st.cfg[s], PCI_CFG_SIZE);
            b->slot[s]->cfg[PCI_STATUS] = status;
        }
    restore_funcs(b, buf + head, len - head, RESTORE_APPLY);
    return true;
}

const struct dev_ops pci_bus_ops = {
    .name = "pci", .read = pci_read, .write = pci_write, .reset = pci_reset,
    .save = pci_save, .restore = pci_restore,
};
