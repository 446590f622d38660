/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the local APIC in xAPIC mode, after the SDM Vol. 3A chapter 10: ID, version,
   TPR/PPR, EOI, LDR/DFR, SVR, ISR/TMR/IRR, ESR, ICR (fixed and lowest-priority IPIs with
   the shorthands; one CPU, so INIT, SIPI, NMI and SMI go nowhere), the six LVT entries and
   the timer in one-shot, periodic and TSC-deadline modes. The timer is not stepped: the
   current count is computed from the clock when read. Reset leaves what a PC BIOS hands
   over (MP spec 3.6.2.2, virtual wire): APIC on, LINT0 ExtINT, LINT1 NMI. */
#include "lapic.h"
#include "lib.h"

enum {
    REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_APR = 0x90, REG_PPR = 0xa0,
    REG_EOI = 0xb0, REG_RRD = 0xc0, REG_LDR = 0xd0, REG_DFR = 0xe0, REG_SVR = 0xf0,
    REG_ISR = 0x100, REG_TMR = 0x180, REG_IRR = 0x200, REG_ESR = 0x280, REG_ICR_LO = 0x300,
    REG_ICR_HI = 0x310, REG_LVT = 0x320, REG_TIMER_INITIAL = 0x380,
    REG_TIMER_CURRENT = 0x390, REG_TIMER_DIVIDE = 0x3e0,
};

#define LVT_MASKED (1u << 16)
#define LVT_MODE(v) (((v) >> 8) & 7)
#define TIMER_MODE(v) (((v) >> 17) & 3)
#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC_DEADLINE 2
#define SVR_ENABLE (1u << 8)
#define SVR_BITS 0x3ffu                 /* vector, enable, focus check disable */
#define ICR_LO_BITS 0x000ccfffu         /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_LOGICAL (1u << 11)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)
#define SHORT_NONE 0
#define SHORT_SELF 1
#define SHORT_ALL 2
#define DFR_FLAT 0xf
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG (1u << 7)
#define ESR_BITS 0xe0u
#define DIVIDE_BITS 0xbu
#define BROADCAST 0xff
#define SAVE_MAGIC 0x43495041u          /* "APIC" */
#define SAVE_VERSION 1

/* Per LVT entry, the bits a write sets (delivery status and remote IRR are the chip's). */
static const uint32_t lvt_bits[LAPIC_LVT_COUNT] = {
    [LVT_TIMER] = 0x000700ffu,          /* vector, mask, timer mode (with TSC-deadline) */
    [LVT_THERMAL] = 0x000107ffu, [LVT_PERF] = 0x000107ffu,
    [LVT_LINT0] = 0x0001a7ffu, [LVT_LINT1] = 0x0001a7ffu,  /* + polarity, trigger */
    [LVT_ERROR] = 0x000100ffu,
};

static bool test_bit(const uint32_t *v, unsigned n) { return v[n / 32] >> (n % 32) & 1; }
static void set_bit(uint32_t *v, unsigned n) { v[n / 32] |= 1u << (n % 32); }
static void clear_bit(uint32_t *v, unsigned n) { v[n / 32] &= ~(1u << (n % 32)); }

/* The highest bit set in a 256-bit register, or -1. */
static int highest(const uint32_t *v)
{
    for (int i = 7; i >= 0; i--)
        if (v[i])
            return i * 32 + 31 - __builtin_clz(v[i]);
    return -1;
}

static bool sw_enabled(const struct lapic *l) { return l->s.svr & SVR_ENABLE; }

bool lapic_hw_enabled(const struct lapic *l) { return l->s.base & LAPIC_BASE_ENABLE; }

/* SDM 10.8.3.1: PPR is the TPR, or the class of the highest in-service vector if higher. */
static uint32_t ppr(const struct lapic *l)
{
    int isrv = highest(l->s.isr);
    uint32_t cls = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (l->s.tpr & 0xf0) >= cls ? l->s.tpr : cls;
}

static void error(struct lapic *l, uint32_t bit);

/* A fixed interrupt arrives: vectors 0-15 are illegal (SDM 10.5.3). */
static void accept(struct lapic *l, uint8_t vector, bool level)
{
    if (vector < 16) {
        error(l, ESR_RECV_ILLEGAL);
        return;
    }
    set_bit(l->s.irr, vector);
    if (level)
        set_bit(l->s.tmr, vector);
    else
        clear_bit(l->s.tmr, vector);
}

/* SDM 10.5.3: an error is latched for the next ESR write and raises the error LVT. */
static void error(struct lapic *l, uint32_t bit)
{
    uint32_t lvt = l->s.lvt[LVT_ERROR];
    bool fresh = !(l->s.esr_pending & bit);
    l->s.esr_pending |= bit;
    if (fresh && !(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
        accept(l, (uint8_t)lvt, false);
}

static unsigned divisor(const struct lapic *l)
{
    uint32_t d = l->s.timer_divide;
    unsigned code = (d & 3) | (d >> 1 & 4);
    return code == 7 ? 1 : 2u << code;
}

static uint32_t timer_mode(const struct lapic *l) { return TIMER_MODE(l->s.lvt[LVT_TIMER]); }

/* One period of the count in TSC ticks (at least one). */
static uint64_t period(const struct lapic *l)
{
    uint64_t ticks = (uint64_t)l->s.timer_initial * divisor(l);
    uint64_t t = dev_ticks_to_tsc(l->plat, ticks, l->timer_hz);
    return t ? t : 1;
}

static uint32_t current_count(const struct lapic *l)
{
    if (!l->s.timer_armed || timer_mode(l) == TIMER_TSC_DEADLINE)
        return 0;
    uint64_t now = dev_now(l->plat), init = l->s.timer_initial;
    uint64_t elapsed = now <= l->s.timer_start ? 0 :
        dev_tsc_to_ticks(l->plat, now - l->s.timer_start, l->timer_hz) / divisor(l);
    if (timer_mode(l) == TIMER_PERIODIC)
        return (uint32_t)(init - elapsed % init);
    return elapsed >= init ? 0 : (uint32_t)(init - elapsed);
}

static void set_lvt(struct lapic *l, unsigned i, uint32_t v)
{
    uint32_t old = l->s.lvt[i];
    v &= lvt_bits[i];
    if (!sw_enabled(l))
        v |= LVT_MASKED;
    if (i == LVT_TIMER && TIMER_MODE(v) == 3)
        v &= ~(3u << 17);               /* reserved mode: stay one-shot */
    l->s.lvt[i] = v;
    /* SDM 10.5.4.1: a switch into or out of TSC-deadline mode disarms the timer. */
    if (i == LVT_TIMER && (TIMER_MODE(old) == TIMER_TSC_DEADLINE) !=
                          (TIMER_MODE(v) == TIMER_TSC_DEADLINE)) {
        l->s.timer_armed = 0;
        l->s.tsc_deadline = 0;
    }
}

static void set_svr(struct lapic *l, uint32_t v)
{
    l->s.svr = v & SVR_BITS;
    if (!sw_enabled(l))                 /* SDM 10.4.7.2: software disable masks every LVT */
        for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++)
            l->s.lvt[i] |= LVT_MASKED;
}

static bool dest_matches(const struct lapic *l, uint8_t dest, bool logical)
{
    if (!logical)
        return dest == BROADCAST || dest == l->s.id >> 24;
    uint8_t ldr = (uint8_t)(l->s.ldr >> 24);
    if (l->s.dfr >> 28 == DFR_FLAT)
        return (ldr & dest) != 0;
    /* Cluster model: the high nibble picks the cluster (15: all), the low one the APICs. */
    return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xf);
}

bool lapic_deliver(struct lapic *l, const struct apic_msg *m)
{
    if (!lapic_hw_enabled(l) || !dest_matches(l, m->dest, m->logical))
        return false;
    if (m->mode == APIC_MODE_FIXED || m->mode == APIC_MODE_LOWEST)
        accept(l, m->vector, m->level);
    return true;                        /* SMI, NMI, INIT, SIPI, ExtINT: not modelled */
}

/* SDM 10.6.1: an IPI; with one CPU "all" is this one and "all but self" nobody. */
static void send_ipi(struct lapic *l)
{
    uint32_t lo = l->s.icr_lo;
    struct apic_msg m = { (uint8_t)lo, (uint8_t)LVT_MODE(lo), (uint8_t)(l->s.icr_hi >> 24),
                          lo & ICR_LOGICAL, lo & ICR_LEVEL_TRIGGER };
    bool fixed = m.mode == APIC_MODE_FIXED || m.mode == APIC_MODE_LOWEST;
    unsigned sh = ICR_SHORTHAND(lo);
    if (fixed && m.vector < 16) {
        error(l, ESR_SEND_ILLEGAL);
        return;
    }
    if (sh == SHORT_SELF || sh == SHORT_ALL) {
        if (fixed)
            accept(l, m.vector, m.level);
    } else if (sh == SHORT_NONE) {
        lapic_deliver(l, &m);
    }
}

static void eoi(struct lapic *l)
{
    int v = highest(l->s.isr);
    if (v < 0)
        return;
    clear_bit(l->s.isr, (unsigned)v);
    if (test_bit(l->s.tmr, (unsigned)v) && l->eoi)
        l->eoi(l->eoi_ctx, (uint8_t)v);
}

static uint32_t reg_read(struct lapic *l, uint32_t off)
{
    unsigned idx = (off >> 4) & 7;
    switch (off & ~0x70u) {
    case REG_ISR: return l->s.isr[idx];
    case REG_TMR: return l->s.tmr[idx];
    case REG_IRR: return l->s.irr[idx];
    }
    if (off >= REG_LVT && off < REG_LVT + 0x10 * LAPIC_LVT_COUNT)
        return l->s.lvt[(off - REG_LVT) >> 4];
    switch (off) {
    case REG_ID: return l->s.id;
    case REG_VERSION: return LAPIC_VERSION | (LAPIC_LVT_COUNT - 1u) << 16;
    case REG_TPR: return l->s.tpr;
    case REG_APR: case REG_RRD: case REG_EOI: return 0;
    case REG_PPR: return ppr(l);
    case REG_LDR: return l->s.ldr;
    case REG_DFR: return l->s.dfr;
    case REG_SVR: return l->s.svr;
    case REG_ESR: return l->s.esr;
    case REG_ICR_LO: return l->s.icr_lo;
    case REG_ICR_HI: return l->s.icr_hi;
    case REG_TIMER_INITIAL: return l->s.timer_initial;
    case REG_TIMER_CURRENT: return current_count(l);
    case REG_TIMER_DIVIDE: return l->s.timer_divide;
    }
    error(l, ESR_ILLEGAL_REG);
    return 0;
}

static void timer_load(struct lapic *l, uint32_t v)
{
    if (timer_mode(l) == TIMER_TSC_DEADLINE)
        return;                         /* SDM 10.5.4.1: ignored in TSC-deadline mode */
    l->s.timer_initial = v;
    l->s.timer_start = dev_now(l->plat);
    l->s.timer_armed = v != 0;
}

static void reg_write(struct lapic *l, uint32_t off, uint32_t v)
{
    if (off >= REG_LVT && off < REG_LVT + 0x10 * LAPIC_LVT_COUNT) {
        set_lvt(l, (off - REG_LVT) >> 4, v);
        return;
    }
    switch (off) {
    case REG_ID: l->s.id = v & 0xff000000u; break;
    case REG_TPR: l->s.tpr = v & 0xff; break;
    case REG_EOI: eoi(l); break;
    case REG_LDR: l->s.ldr = v & 0xff000000u; break;
    case REG_DFR: l->s.dfr = v | 0x0fffffffu; break;
    case REG_SVR: set_svr(l, v); break;
    case REG_ESR: l->s.esr = l->s.esr_pending; l->s.esr_pending = 0; break;
    case REG_ICR_LO: l->s.icr_lo = v & ICR_LO_BITS; send_ipi(l); break;
    case REG_ICR_HI: l->s.icr_hi = v & 0xff000000u; break;
    case REG_TIMER_INITIAL: timer_load(l, v); break;
    case REG_TIMER_DIVIDE: l->s.timer_divide = v & DIVIDE_BITS; break;
    case REG_VERSION: case REG_APR: case REG_PPR: case REG_RRD: case REG_TIMER_CURRENT:
        break;                          /* read-only */
    default:
        if ((off & ~0x70u) != REG_ISR && (off & ~0x70u) != REG_TMR &&
            (off & ~0x70u) != REG_IRR)
            error(l, ESR_ILLEGAL_REG);
    }
}

/* SDM 10.4.1: registers are 16-byte aligned and taken as aligned 32-bit accesses; the
   APIC does not decode others. With IA32_APIC_BASE's enable clear it answers nothing. */
static bool lapic_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct lapic *l = dev;
    uint64_t off = addr - l->range[0].base;
    if (!lapic_hw_enabled(l) || bytes != 4 || (off & 0xf) || off >= LAPIC_SIZE)
        return false;
    *value = reg_read(l, (uint32_t)off);
    return true;
}

static bool lapic_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct lapic *l = dev;
    uint64_t off = addr - l->range[0].base;
    if (!lapic_hw_enabled(l) || bytes != 4 || (off & 0xf) || off >= LAPIC_SIZE)
        return false;
    reg_write(l, (uint32_t)off, value);
    return true;
}

/* The registers as at power-up (SDM 10.12.5.1 for the values), keeping IA32_APIC_BASE. */
static void power_up(struct lapic *l)
{
    uint64_t base = l->s.base;
    memset(&l->s, 0, sizeof(l->s));
    l->s.base = base;
    l->s.dfr = 0xffffffffu;
    l->s.svr = 0xff;
    for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++)
        l->s.lvt[i] = LVT_MASKED;
}

static void lapic_reset(void *dev)
{
    struct lapic *l = dev;
    l->s.base = LAPIC_DEFAULT_BASE | LAPIC_BASE_BSP | LAPIC_BASE_ENABLE;
    power_up(l);
    set_svr(l, SVR_ENABLE | 0xff);
    set_lvt(l, LVT_LINT0, APIC_MODE_EXTINT << 8);
    set_lvt(l, LVT_LINT1, APIC_MODE_NMI << 8);
}

bool lapic_set_base(struct lapic *l, uint64_t v)
{
    uint64_t reserved = ~(LAPIC_BASE_ADDR_MASK | LAPIC_BASE_BSP | LAPIC_BASE_ENABLE);
    if ((v & reserved) || (v & LAPIC_BASE_ADDR_MASK) != l->range[0].base ||
        (v & LAPIC_BASE_BSP) != (l->s.base & LAPIC_BASE_BSP))
        return false;
    bool was = lapic_hw_enabled(l);
    l->s.base = v;
    if (was && !lapic_hw_enabled(l))    /* SDM 10.4.3: comes back as after power-up */
        power_up(l);
    return true;
}

uint64_t lapic_tsc_deadline(const struct lapic *l)
{
    return timer_mode(l) == TIMER_TSC_DEADLINE ? l->s.tsc_deadline : 0;
}

void lapic_set_tsc_deadline(struct lapic *l, uint64_t tsc)
{
    if (lapic_hw_enabled(l) && timer_mode(l) == TIMER_TSC_DEADLINE)
        l->s.tsc_deadline = tsc;
}

bool lapic_extint(const struct lapic *l)
{
    uint32_t lint0 = l->s.lvt[LVT_LINT0];
    return lapic_hw_enabled(l) && !(lint0 & LVT_MASKED) && LVT_MODE(lint0) == APIC_MODE_EXTINT;
}

int lapic_pending(const struct lapic *l)
{
    if (!lapic_hw_enabled(l) || !sw_enabled(l))
        return -1;
    int v = highest(l->s.irr);
    if (v < 0)
        return -1;
    return ((uint32_t)v & 0xf0) > (ppr(l) & 0xf0) ? v : -1;
}

void lapic_ack(struct lapic *l, uint8_t vector)
{
    clear_bit(l->s.irr, vector);
    set_bit(l->s.isr, vector);
}

static uint64_t lapic_deadline(const void *dev)
{
    const struct lapic *l = dev;
    if (!lapic_hw_enabled(l))
        return DEV_NO_DEADLINE;
    if (timer_mode(l) == TIMER_TSC_DEADLINE)
        return l->s.tsc_deadline ? l->s.tsc_deadline : DEV_NO_DEADLINE;
    if (!l->s.timer_armed ||
        (timer_mode(l) == TIMER_PERIODIC && (l->s.lvt[LVT_TIMER] & LVT_MASKED)))
        return DEV_NO_DEADLINE;
    uint64_t p = period(l);
    return l->s.timer_start > DEV_NO_DEADLINE - p ? DEV_NO_DEADLINE : l->s.timer_start + p;
}

static void timer_fire(struct lapic *l)
{
    uint32_t lvt = l->s.lvt[LVT_TIMER];
    if (!(lvt & LVT_MASKED))
        accept(l, (uint8_t)lvt, false);
}

static void lapic_advance(void *dev, uint64_t now)
{
    struct lapic *l = dev;
    uint64_t due = lapic_deadline(l);
    if (due == DEV_NO_DEADLINE || now < due)
        return;
    if (timer_mode(l) == TIMER_TSC_DEADLINE) {
        l->s.tsc_deadline = 0;
    } else if (timer_mode(l) == TIMER_PERIODIC) {
        uint64_t p = period(l);         /* missed periods collapse into one interrupt */
        l->s.timer_start += (now - l->s.timer_start) / p * p;
    } else {
        l->s.timer_armed = 0;
    }
    timer_fire(l);
}

static size_t lapic_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct lapic *l = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &l->s, sizeof(l->s), buf, len);
}

static bool valid(const struct lapic *l, const struct lapic_state *s)
{
    uint64_t base_bits = LAPIC_BASE_ADDR_MASK | LAPIC_BASE_BSP | LAPIC_BASE_ENABLE;
    bool ok = !(s->base & ~base_bits) && (s->base & LAPIC_BASE_ADDR_MASK) == l->range[0].base &&
              !(s->id & 0xffffff) && s->tpr <= 0xff && !(s->ldr & 0xffffff) &&
              (s->dfr | 0xf0000000u) == 0xffffffffu && !(s->svr & ~SVR_BITS) &&
              !(s->esr & ~ESR_BITS) && !(s->esr_pending & ~ESR_BITS) &&
              !(s->icr_lo & ~ICR_LO_BITS) && !(s->icr_hi & 0xffffff) &&
              !(s->timer_divide & ~DIVIDE_BITS) && s->timer_armed <= 1 &&
              !(s->irr[0] & 0xffff) && !(s->isr[0] & 0xffff);
    for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++)
        ok = ok && !(s->lvt[i] & ~lvt_bits[i]);
    return ok && TIMER_MODE(s->lvt[LVT_TIMER]) != 3;
}

static bool lapic_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct lapic *l = dev;
    struct lapic_state s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) || !valid(l, &s))
        return false;
    l->s = s;
    return true;
}

void lapic_init(struct lapic *l, const struct dev_platform *p, uint64_t timer_hz)
{
    memset(l, 0, sizeof(*l));
    l->plat = p;
    l->timer_hz = timer_hz ? timer_hz : 1;
    l->range[0] = (struct dev_range){ DEV_MMIO, LAPIC_DEFAULT_BASE, LAPIC_SIZE };
}

const struct dev_ops lapic_ops = {
    .name = "lapic",
    .read = lapic_read,
    .write = lapic_write,
    .reset = lapic_reset,
    .save = lapic_save,
    .restore = lapic_restore,
    .deadline = lapic_deadline,
    .advance = lapic_advance,
};
