/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the virtio PCI transport after virtio 1.2, 4.1 (modern devices only): IDs
   0x1af4:0x1040 + type, revision 1 (4.1.2), the vendor capabilities for the common,
   notification, ISR, device and PCI configuration access structures in memory BAR 0
   (4.1.4), feature negotiation and device status (3.1), queue setup through the common
   configuration, and interrupts as INTx# through the ISR status (4.1.4.5): there is no
   MSI-X, so the vectors read NO_VECTOR (4.1.5.1.2) and drivers fall back to INTx. */
#include "virtio_pci.h"
#include "lib.h"

#define VENDOR_VIRTIO 0x1af4
#define DEVICE_MODERN_BASE 0x1040
#define SUBSYS_ID 0x0040                /* 4.1.2.1: 0x40 or more for non-transitional */
#define CAP_VENDOR 0x09
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4
#define CFG_PCI 5
#define NO_VECTOR 0xffff
#define ISR_QUEUE 1
#define ISR_CONFIG 2
#define CAP_BAR 4                       /* struct virtio_pci_cap's fields */
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_DATA 16
#define CAP_SIZE 16
#define OFFERED(vp) ((vp)->type->features | VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC)
#define SAVE_MAGIC 0x4f495456u          /* "VTIO" */
#define SAVE_VERSION 1

/* 4.1.4.3: struct virtio_pci_common_cfg. */
enum {
    DEVICE_FEATURE_SELECT = 0x00, DEVICE_FEATURE = 0x04, DRIVER_FEATURE_SELECT = 0x08,
    DRIVER_FEATURE = 0x0c, MSIX_CONFIG = 0x10, NUM_QUEUES = 0x12, DEVICE_STATUS = 0x14,
    CONFIG_GENERATION = 0x15, QUEUE_SELECT = 0x16, QUEUE_SIZE = 0x18, QUEUE_MSIX = 0x1a,
    QUEUE_ENABLE = 0x1c, QUEUE_NOTIFY_OFF = 0x1e, QUEUE_DESC = 0x20, QUEUE_DRIVER = 0x28,
    QUEUE_DEVICE = 0x30,
};

static struct virtq *selected(struct virtio_pci *vp)
{
    return vp->queue_select < vp->type->queues ? &vp->vq[vp->queue_select] : NULL;
}

bool virtio_pci_has(const struct virtio_pci *vp, uint64_t feature)
{
    return (vp->driver_features & feature) == feature;
}

bool virtio_pci_live(const struct virtio_pci *vp, unsigned q)
{
    return q < vp->type->queues && vp->vq[q].enabled &&
           (vp->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) ==
               VIRTIO_STATUS_DRIVER_OK;
}

void virtio_pci_interrupt(struct virtio_pci *vp)
{
    vp->isr |= ISR_QUEUE;
    pci_func_intx(&vp->func, true);
}

void virtio_pci_fail(struct virtio_pci *vp, const char *what)
{
    if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
        return;
    vp->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (vp->env->log)
        vp->env->log(vp->env->log_ctx, vp->type->name, what);
    if (vp->status & VIRTIO_STATUS_DRIVER_OK) {
        vp->isr |= ISR_CONFIG;
        pci_func_intx(&vp->func, true);
    }
}

bool virtio_pci_pop(struct virtio_pci *vp, unsigned q, struct virtq_chain *c)
{
    const char *why = NULL;
    if (!virtio_pci_live(vp, q))
        return false;
    enum virtq_status st = virtq_pop(&vp->vq[q], &vp->env->mem, c, &why);
    if (st == VIRTQ_ERROR)
        virtio_pci_fail(vp, why);
    return st == VIRTQ_OK;
}

void virtio_pci_push(struct virtio_pci *vp, unsigned q, uint16_t head, uint32_t len)
{
    if (virtq_push(&vp->vq[q], &vp->env->mem, head, len))
        virtio_pci_interrupt(vp);
}

/* Status 0 (or a PCI reset): the device as it came up (4.1.4.3.2). */
static void device_reset(struct virtio_pci *vp)
{
    vp->driver_features = 0;
    vp->device_feature_select = vp->driver_feature_select = 0;
    vp->queue_select = 0;
    vp->status = vp->isr = 0;
    for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
        uint16_t max = q < vp->type->queues ? vp->type->queue_max : 0;
        vp->vq[q] = (struct virtq){ .size = max, .max = max };
    }
    pci_func_intx(&vp->func, false);
    if (vp->type->reset)
        vp->type->reset(vp->dev);
}

/* The common configuration as the driver reads it. */
static void common_image(struct virtio_pci *vp, uint8_t img[VIRTIO_COMMON_SIZE])
{
    const struct virtq *q = selected(vp);
    unsigned dsel = vp->device_feature_select, gsel = vp->driver_feature_select;
    memset(img, 0, VIRTIO_COMMON_SIZE);
    pci_put(img + DEVICE_FEATURE_SELECT, 4, dsel);
    pci_put(img + DEVICE_FEATURE, 4, dsel < 2 ? (uint32_t)(OFFERED(vp) >> (32 * dsel)) : 0);
    pci_put(img + DRIVER_FEATURE_SELECT, 4, gsel);
    pci_put(img + DRIVER_FEATURE, 4, gsel < 2 ? (uint32_t)(vp->driver_features >> (32 * gsel)) : 0);
    pci_put(img + MSIX_CONFIG, 2, NO_VECTOR);
    pci_put(img + NUM_QUEUES, 2, vp->type->queues);
    img[DEVICE_STATUS] = vp->status;
    img[CONFIG_GENERATION] = vp->generation;
    pci_put(img + QUEUE_SELECT, 2, vp->queue_select);
    pci_put(img + QUEUE_MSIX, 2, NO_VECTOR);
    if (!q)
        return;
    pci_put(img + QUEUE_SIZE, 2, q->size);
    pci_put(img + QUEUE_ENABLE, 2, q->enabled);
    pci_put(img + QUEUE_NOTIFY_OFF, 2, vp->queue_select);
    for (unsigned h = 0; h < 2; h++) {
        pci_put(img + QUEUE_DESC + 4 * h, 4, (uint32_t)(q->desc >> (32 * h)));
        pci_put(img + QUEUE_DRIVER + 4 * h, 4, (uint32_t)(q->driver >> (32 * h)));
        pci_put(img + QUEUE_DEVICE + 4 * h, 4, (uint32_t)(q->device >> (32 * h)));
    }
}

/* 3.1.1: FEATURES_OK holds only for features that include VERSION_1 and that we offered. */
static void write_status(struct virtio_pci *vp, uint8_t value)
{
    if (!value) {
        device_reset(vp);
        return;
    }
    bool ok = virtio_pci_has(vp, VIRTIO_F_VERSION_1) && !(vp->driver_features & ~OFFERED(vp));
    if ((value & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK) && !ok)
        value &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
    vp->status = (uint8_t)((vp->status & VIRTIO_STATUS_NEEDS_RESET) | value);
}

static void write_driver_features(struct virtio_pci *vp, uint32_t value)
{
    unsigned sel = vp->driver_feature_select;
    if (sel >= 2 || (vp->status & VIRTIO_STATUS_FEATURES_OK))
        return;
    vp->driver_features &= ~(0xffffffffull << (32 * sel));
    vp->driver_features |= (uint64_t)value << (32 * sel);
}

static void enable_queue(struct virtio_pci *vp, struct virtq *q)
{
    if (q->enabled)
        return;
    const char *why = virtq_check(q, &vp->env->mem);
    if (why) {
        virtio_pci_fail(vp, why);
        return;
    }
    q->indirect = virtio_pci_has(vp, VIRTIO_F_INDIRECT_DESC);
    q->enabled = true;
}

/* Half of a 64-bit ring address (low dword at the field, high dword 4 above). */
static void write_address(uint64_t *field, unsigned half, uint32_t value)
{
    *field &= ~(0xffffffffull << (32 * half));
    *field |= (uint64_t)value << (32 * half);
}

static void queue_write(struct virtio_pci *vp, unsigned off, unsigned bytes, uint32_t value)
{
    struct virtq *q = selected(vp);
    if (!q || q->enabled)
        return;                         /* 4.1.4.3.2: no changes to an enabled queue */
    if (off == QUEUE_SIZE && bytes == 2)
        q->size = (uint16_t)value;
    else if (off == QUEUE_ENABLE && bytes == 2 && value == 1)
        enable_queue(vp, q);
    else if (bytes == 4 && off >= QUEUE_DESC && off < QUEUE_DEVICE + 8) {
        uint64_t *field = off < QUEUE_DRIVER ? &q->desc : off < QUEUE_DEVICE ? &q->driver
                                                                              : &q->device;
        write_address(field, (off / 4) & 1, value);
    }
}

static void common_write(struct virtio_pci *vp, unsigned off, unsigned bytes, uint32_t value)
{
    if (off == DEVICE_FEATURE_SELECT && bytes == 4)
        vp->device_feature_select = value;
    else if (off == DRIVER_FEATURE_SELECT && bytes == 4)
        vp->driver_feature_select = value;
    else if (off == DRIVER_FEATURE && bytes == 4)
        write_driver_features(vp, value);
    else if (off == DEVICE_STATUS && bytes == 1)
        write_status(vp, (uint8_t)value);
    else if (off == QUEUE_SELECT && bytes == 2)
        vp->queue_select = (uint16_t)value;
    else if (off >= QUEUE_SIZE)
        queue_write(vp, off, bytes, value);
    /* MSI-X vectors (no MSI-X: they stay NO_VECTOR), read-only fields, odd widths: ignored */
}

/* Whether [off, off + bytes) lies within the structure at [base, base + size) of BAR 0. */
static bool within(uint64_t off, unsigned bytes, uint32_t base, uint32_t size)
{
    return off >= base && off + bytes <= (uint64_t)base + size;
}

static bool bar_read(void *dev, unsigned bar, uint64_t off, unsigned bytes, uint32_t *value)
{
    struct virtio_pci *vp = dev;
    uint32_t notify_size = VIRTIO_NOTIFY_MULT * vp->type->queues;
    if (bar != 0)
        return false;
    if (within(off, bytes, VIRTIO_COMMON, VIRTIO_COMMON_SIZE)) {
        uint8_t img[VIRTIO_COMMON_SIZE];
        common_image(vp, img);
        *value = pci_get(img + off, bytes);
    } else if (off == VIRTIO_ISR) {
        *value = vp->isr;               /* 4.1.4.5.1: reading clears it */
        vp->isr = 0;
        pci_func_intx(&vp->func, false);
    } else if (within(off, bytes, VIRTIO_DEVICE_CFG, vp->type->cfg_size)) {
        return vp->type->cfg_read(vp->dev, (uint32_t)(off - VIRTIO_DEVICE_CFG), bytes, value);
    } else if (within(off, bytes, VIRTIO_NOTIFY, notify_size)) {
        *value = 0;
    } else {
        return false;
    }
    return true;
}

static bool bar_write(void *dev, unsigned bar, uint64_t off, unsigned bytes, uint32_t value)
{
    struct virtio_pci *vp = dev;
    uint32_t notify_size = VIRTIO_NOTIFY_MULT * vp->type->queues;
    if (bar != 0)
        return false;
    if (within(off, bytes, VIRTIO_COMMON, VIRTIO_COMMON_SIZE))
        common_write(vp, (unsigned)off, bytes, value);
    else if (within(off, bytes, VIRTIO_DEVICE_CFG, vp->type->cfg_size)) {
        if (vp->type->cfg_write)
            vp->type->cfg_write(vp->dev, (uint32_t)(off - VIRTIO_DEVICE_CFG), bytes, value);
    } else if (within(off, bytes, VIRTIO_NOTIFY, notify_size)) {
        unsigned q = (unsigned)(off - VIRTIO_NOTIFY) / VIRTIO_NOTIFY_MULT;
        if (virtio_pci_live(vp, q))
            vp->type->notify(vp->dev, q);
    }
    return true;
}

/* 4.1.4.9: the PCI configuration access capability's window onto the BAR. An access of
   1, 2 or 4 bytes at an offset aligned to it, within BAR 0, else nothing happens. */
static bool cfg_window(struct virtio_pci *vp, unsigned off, unsigned bytes, uint32_t *boff,
                       unsigned *len)
{
    unsigned c = vp->cfg_cap;
    if (!c || off + bytes <= c + CAP_DATA || off >= c + CAP_DATA + 4)
        return false;
    *boff = pci_get(vp->func.cfg + c + CAP_OFFSET, 4);
    *len = pci_get(vp->func.cfg + c + CAP_LENGTH, 4);
    return vp->func.cfg[c + CAP_BAR] == 0 && (*len == 1 || *len == 2 || *len == 4) &&
           !(*boff % *len) && *boff < VIRTIO_BAR_SIZE;
}

static void cfg_reading(void *dev, unsigned off, unsigned bytes)
{
    struct virtio_pci *vp = dev;
    uint32_t boff, v = 0;
    unsigned len;
    if (!cfg_window(vp, off, bytes, &boff, &len))
        return;
    if (!bar_read(vp, 0, boff, len, &v))
        v = 0xffffffffu;
    pci_put(vp->func.cfg + vp->cfg_cap + CAP_DATA, 4, v);
}

static void cfg_written(void *dev, unsigned off, unsigned bytes)
{
    struct virtio_pci *vp = dev;
    uint32_t boff;
    unsigned len;
    if (cfg_window(vp, off, bytes, &boff, &len))
        bar_write(vp, 0, boff, len, pci_get(vp->func.cfg + vp->cfg_cap + CAP_DATA, len));
}

static void func_reset(void *dev) { device_reset(dev); }

/* The transport's state as saved: plain integers only (a bool must not be read from a
   buffer unchecked). The device type's own state is not part of it yet. */
struct saved_queue {
    uint64_t desc, driver, device;
    uint16_t size, max, last_avail, used_idx;
    uint8_t enabled, indirect, pad[6];
};

struct saved_state {
    uint64_t driver_features;
    uint32_t device_feature_select, driver_feature_select;
    uint16_t queue_select;
    uint8_t status, generation, isr, pad[3];
    struct saved_queue vq[VIRTIO_QUEUES_MAX];
};

static size_t func_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct virtio_pci *vp = dev;
    struct saved_state st;
    memset(&st, 0, sizeof(st));
    st.driver_features = vp->driver_features;
    st.device_feature_select = vp->device_feature_select;
    st.driver_feature_select = vp->driver_feature_select;
    st.queue_select = vp->queue_select;
    st.status = vp->status;
    st.generation = vp->generation;
    st.isr = vp->isr;
    for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
        const struct virtq *v = &vp->vq[q];
        st.vq[q] = (struct saved_queue){ v->desc, v->driver, v->device, v->size, v->max,
                                         v->last_avail, v->used_idx, v->enabled,
                                         v->indirect, { 0 } };
    }
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &st, sizeof(st), buf, len);
}

static struct virtq queue_from(const struct saved_queue *sq)
{
    return (struct virtq){ .size = sq->size, .max = sq->max, .enabled = sq->enabled,
                           .indirect = sq->indirect, .desc = sq->desc, .driver = sq->driver,
                           .device = sq->device, .last_avail = sq->last_avail,
                           .used_idx = sq->used_idx };
}

/* A queue the device could hold: its own maximum, flags 0 or 1, and if enabled a size
   and rings it took at enable (and indirect descriptors only if negotiated). */
static bool queue_valid(const struct virtio_pci *vp, const struct saved_state *st, unsigned q)
{
    const struct saved_queue *sq = &st->vq[q];
    if (sq->max != vp->vq[q].max || sq->size > sq->max || sq->enabled > 1 || sq->indirect > 1)
        return false;
    if (!sq->enabled)
        return !sq->indirect;
    struct virtq v = queue_from(sq);
    return !virtq_check(&v, &vp->env->mem) &&
           (!sq->indirect || st->driver_features & VIRTIO_F_INDIRECT_DESC);
}

static bool func_check(const void *dev, const uint8_t *buf, size_t len)
{
    const struct virtio_pci *vp = dev;
    static const uint8_t status_bits = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
        VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_NEEDS_RESET |
        VIRTIO_STATUS_FAILED;
    struct saved_state st;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &st, sizeof(st), buf, len) ||
        st.driver_features & ~OFFERED(vp) || st.status & ~status_bits ||
        st.isr & ~(ISR_QUEUE | ISR_CONFIG))
        return false;
    for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++)
        if (!queue_valid(vp, &st, q))
            return false;
    return true;
}

static void func_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct virtio_pci *vp = dev;
    struct saved_state st;
    if (!func_check(vp, buf, len))
        return;
    memcpy(&st, buf + sizeof(struct dev_save_header), sizeof(st));
    vp->driver_features = st.driver_features;
    vp->device_feature_select = st.device_feature_select;
    vp->driver_feature_select = st.driver_feature_select;
    vp->queue_select = st.queue_select;
    vp->status = st.status;
    vp->generation = st.generation;
    vp->isr = st.isr;
    for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++)
        vp->vq[q] = queue_from(&st.vq[q]);
    pci_func_intx(&vp->func, vp->isr != 0);
}

static const struct pci_func_ops virtio_func_ops = {
    .bar_read = bar_read, .bar_write = bar_write, .cfg_reading = cfg_reading,
    .cfg_written = cfg_written, .reset = func_reset, .save = func_save, .check = func_check,
    .restore = func_restore,
};

/* struct virtio_pci_cap (4.1.4) for a structure in BAR 0, plus `extra` (notify's
   multiplier) after it. */
static unsigned add_cap(struct virtio_pci *vp, uint8_t type, uint32_t off, uint32_t len,
                        const uint32_t *extra)
{
    uint8_t cap[CAP_SIZE + 4] = { 0 };
    cap[3] = type;
    cap[CAP_BAR] = 0;
    pci_put(cap + CAP_OFFSET, 4, off);
    pci_put(cap + CAP_LENGTH, 4, len);
    if (extra)
        pci_put(cap + CAP_SIZE, 4, *extra);
    return pci_func_cap(&vp->func, CAP_VENDOR, cap, extra ? CAP_SIZE + 4 : CAP_SIZE);
}

void virtio_pci_init(struct virtio_pci *vp, const struct virtio_type *type, void *dev,
                     const struct virtio_env *env)
{
    static const uint32_t mult = VIRTIO_NOTIFY_MULT, data = 0;
    memset(vp, 0, sizeof(*vp));
    vp->type = type;
    vp->dev = dev;
    vp->env = env;
    pci_func_init(&vp->func, VENDOR_VIRTIO, (uint16_t)(DEVICE_MODERN_BASE + type->id),
                  type->pci_class, 1, &virtio_func_ops, vp);
    pci_put(vp->func.cfg + PCI_SUBSYS_VENDOR, 2, VENDOR_VIRTIO);
    pci_put(vp->func.cfg + PCI_SUBSYS_ID, 2, SUBSYS_ID);
    pci_func_bar(&vp->func, 0, VIRTIO_BAR_SIZE);
    add_cap(vp, CFG_COMMON, VIRTIO_COMMON, VIRTIO_COMMON_SIZE, NULL);
    add_cap(vp, CFG_NOTIFY, VIRTIO_NOTIFY, VIRTIO_NOTIFY_MULT * type->queues, &mult);
    add_cap(vp, CFG_ISR, VIRTIO_ISR, 1, NULL);
    add_cap(vp, CFG_DEVICE, VIRTIO_DEVICE_CFG, type->cfg_size, NULL);
    vp->cfg_cap = add_cap(vp, CFG_PCI, 0, 0, &data);
    memset(vp->func.wmask + vp->cfg_cap + CAP_BAR, 0xff, 1);
    memset(vp->func.wmask + vp->cfg_cap + CAP_OFFSET, 0xff, 12);
    device_reset(vp);
}
