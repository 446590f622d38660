/* SPDX-License-Identifier: MIT */
/* Vireo VMM: Motorola MC146818A real-time clock plus CMOS RAM, after its datasheet: time,
   alarm and calendar registers in BCD or binary, 12- or 24-hour; register A (UIP, divider,
   periodic rate), B (SET, interrupt enables, data mode), C (flags, cleared by reading), D
   (valid RAM and time); periodic, alarm and update-ended interrupts on one IRQ line.
   The clock runs from the platform's TSC: an update happens each second after the divider
   chain's origin, with UIP set for the 244 us before it. Byte 0x32 is the century, as PC
   BIOSes keep it; the BIOS memory-size bytes come from the guest's RAM. */
#include "mc146818.h"
#include "calendar.h"
#include "lib.h"

#define REG_SEC 0x00
#define REG_SEC_ALARM 0x01
#define REG_MIN 0x02
#define REG_MIN_ALARM 0x03
#define REG_HOUR 0x04
#define REG_HOUR_ALARM 0x05
#define REG_WDAY 0x06
#define REG_MDAY 0x07
#define REG_MON 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32
#define A_UIP 0x80
#define A_DV_SHIFT 4
#define A_DV_MASK 0x70
#define A_DV_RUN 2                      /* 32.768 kHz time base, divider running */
#define A_RS_MASK 0x0f
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80
#define HOUR_PM 0x80
#define ALARM_ANY 0xc0                  /* "don't care" codes: both top bits set */
#define PORT_INDEX 0x70
#define INDEX_MASK 0x7f
#define INDEX_NMI 0x80
#define CRYSTAL_HZ 32768u
#define UIP_US 244
#define ALARM_SCAN_MAX 86400u           /* one day holds every time of day there is */
#define KIB 1024u
#define MIB (1024u * 1024u)
#define SAVE_MAGIC 0x38313436u          /* "6418" */
#define SAVE_VERSION 1

const struct dev_range mc146818_ranges[1] = { { DEV_PIO, PORT_INDEX, 2 } };

static uint64_t sec_tsc(const struct mc146818 *rtc) { return rtc->plat->tsc_khz * 1000u; }
static uint8_t reg_a(const struct mc146818 *rtc) { return rtc->s.cmos[REG_A]; }
static uint8_t reg_b(const struct mc146818 *rtc) { return rtc->s.cmos[REG_B]; }

static bool divider_on(const struct mc146818 *rtc)
{
    return ((reg_a(rtc) & A_DV_MASK) >> A_DV_SHIFT) == A_DV_RUN;
}

static bool updating(const struct mc146818 *rtc)
{
    return divider_on(rtc) && !(reg_b(rtc) & B_SET);
}

/* Updates since the divider's origin at TSC `t`. */
static uint64_t updates(const struct mc146818 *rtc, uint64_t t)
{
    uint64_t sec = sec_tsc(rtc);
    return sec ? (t - MIN(t, rtc->s.div_tsc)) / sec : 0;
}

static uint64_t seconds_at(const struct mc146818 *rtc, uint64_t t)
{
    return rtc->s.sec_base + updates(rtc, t) - MIN(updates(rtc, t), rtc->s.k_base);
}

static uint8_t to_reg(const struct mc146818 *rtc, unsigned v)
{
    return reg_b(rtc) & B_DM_BINARY ? (uint8_t)v : dev_to_bcd(v % 100);
}

static unsigned from_reg(const struct mc146818 *rtc, uint8_t v)
{
    return reg_b(rtc) & B_DM_BINARY ? v : dev_from_bcd(v);
}

static uint8_t hour_reg(const struct mc146818 *rtc, unsigned h)
{
    if (reg_b(rtc) & B_24H)
        return to_reg(rtc, h);
    return (uint8_t)(to_reg(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0));
}

static unsigned hour_value(const struct mc146818 *rtc, uint8_t v)
{
    if (reg_b(rtc) & B_24H)
        return from_reg(rtc, v);
    return from_reg(rtc, v & (uint8_t)~HOUR_PM) % 12 + (v & HOUR_PM ? 12 : 0);
}

/* The time registers as the clock reads at `seconds`. */
static void encode(struct mc146818 *rtc, uint64_t seconds)
{
    struct calendar_time t;
    uint8_t *r = rtc->s.cmos;
    calendar_from_seconds(seconds, &t);
    r[REG_SEC] = to_reg(rtc, t.second);
    r[REG_MIN] = to_reg(rtc, t.minute);
    r[REG_HOUR] = hour_reg(rtc, t.hour);
    r[REG_WDAY] = to_reg(rtc, t.weekday + 1);
    r[REG_MDAY] = to_reg(rtc, t.day);
    r[REG_MON] = to_reg(rtc, t.month);
    r[REG_YEAR] = to_reg(rtc, t.year % 100);
    r[REG_CENTURY] = to_reg(rtc, t.year / 100);
}

/* The time the registers hold; nonsense a guest wrote is brought into range. */
static uint64_t decode(const struct mc146818 *rtc)
{
    const uint8_t *r = rtc->s.cmos;
    unsigned yy = from_reg(rtc, r[REG_YEAR]) % 100, cc = from_reg(rtc, r[REG_CENTURY]);
    struct calendar_time t = {
        .year = cc >= 19 && cc <= 21 ? cc * 100 + yy : yy < 70 ? 2000 + yy : 1900 + yy,
        .month = from_reg(rtc, r[REG_MON]), .day = from_reg(rtc, r[REG_MDAY]),
        .hour = hour_value(rtc, r[REG_HOUR]), .minute = from_reg(rtc, r[REG_MIN]),
        .second = from_reg(rtc, r[REG_SEC]),
    };
    return calendar_to_seconds(&t);
}

/* The running clock, written out into its registers before they are read or changed. */
static void materialize(struct mc146818 *rtc, uint64_t now)
{
    if (updating(rtc))
        encode(rtc, seconds_at(rtc, now));
}

/* The registers become the clock; updates go on at the divider's phase. */
static void commit(struct mc146818 *rtc, uint64_t now)
{
    rtc->s.sec_base = decode(rtc);
    rtc->s.k_base = updates(rtc, now);
}

/* The alarm compares register images: each byte equal, or a "don't care" code. */
static bool alarm_hits(const struct mc146818 *rtc, uint64_t seconds)
{
    unsigned tod = (unsigned)(seconds % 86400);
    uint8_t now[3] = { to_reg(rtc, tod % 60), to_reg(rtc, tod / 60 % 60),
                       hour_reg(rtc, tod / 3600) };
    static const uint8_t alarm_regs[3] = { REG_SEC_ALARM, REG_MIN_ALARM, REG_HOUR_ALARM };
    for (unsigned i = 0; i < 3; i++) {
        uint8_t alarm = rtc->s.cmos[alarm_regs[i]];
        if ((alarm & ALARM_ANY) != ALARM_ANY && alarm != now[i])
            return false;
    }
    return true;
}

/* Ticks of the crystal per periodic interrupt for rate select 1-15 (datasheet table). */
static uint64_t periodic_ticks(const struct mc146818 *rtc)
{
    unsigned rs = reg_a(rtc) & A_RS_MASK;
    return !rs ? 0 : rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

static uint64_t periods(const struct mc146818 *rtc, uint64_t t)
{
    uint64_t ticks = dev_tsc_to_ticks(rtc->plat, t - MIN(t, rtc->s.div_tsc), CRYSTAL_HZ);
    return ticks / periodic_ticks(rtc);
}

static void update_irq(struct mc146818 *rtc)
{
    uint8_t *c = &rtc->s.cmos[REG_C], b = reg_b(rtc);
    bool irqf = ((*c & C_PF) && (b & B_PIE)) || ((*c & C_AF) && (b & B_AIE)) ||
                ((*c & C_UF) && (b & B_UIE));
    *c = (uint8_t)(irqf ? *c | C_IRQF : *c & ~C_IRQF);
    if (rtc->s.irq_level != irqf) {
        rtc->s.irq_level = irqf;
        rtc->plat->irq(rtc->plat->ctx, rtc->irq, irqf);
    }
}

/* Every update and periodic edge in (last, now] sets its flag. */
static void rtc_advance(void *dev, uint64_t now)
{
    struct mc146818 *rtc = dev;
    uint64_t last = rtc->s.last;
    uint8_t *c = &rtc->s.cmos[REG_C];
    if (now <= last)
        return;
    if (updating(rtc) && updates(rtc, now) > updates(rtc, last)) {
        *c |= C_UF;
        uint64_t from = updates(rtc, last) + 1, to = updates(rtc, now);
        to = MIN(to, from + ALARM_SCAN_MAX - 1);
        for (uint64_t k = from; k <= to && !(*c & C_AF); k++)
            if (alarm_hits(rtc, rtc->s.sec_base + k - MIN(k, rtc->s.k_base)))
                *c |= C_AF;
    }
    if (divider_on(rtc) && periodic_ticks(rtc) && periods(rtc, now) > periods(rtc, last))
        *c |= C_PF;
    rtc->s.last = now;
    update_irq(rtc);
}

static uint64_t rtc_deadline(const void *dev)
{
    const struct mc146818 *rtc = dev;
    uint8_t b = reg_b(rtc);
    uint64_t d = DEV_NO_DEADLINE, last = rtc->s.last;
    if (rtc->s.irq_level)               /* nothing changes the line until C is read */
        return d;
    if ((b & B_PIE) && divider_on(rtc) && periodic_ticks(rtc)) {
        uint64_t ticks = (periods(rtc, last) + 1) * periodic_ticks(rtc);
        d = rtc->s.div_tsc + dev_ticks_to_tsc(rtc->plat, ticks, CRYSTAL_HZ);
    }
    if ((b & (B_UIE | B_AIE)) && updating(rtc))
        d = MIN(d, rtc->s.div_tsc + (updates(rtc, last) + 1) * sec_tsc(rtc));
    return d;
}

/* UIP: set in the 244 us before each update. A guest whose reads of A come further apart
   than that (each one a VM exit) could miss it every time and wait for it forever: an
   update since its last read of A shows as UIP once, as if that read fell in the window. */
static bool uip(struct mc146818 *rtc, uint64_t now)
{
    uint64_t sec = sec_tsc(rtc), k = updates(rtc, now), seen = rtc->s.a_read_k;
    if (!updating(rtc) || !sec) {
        rtc->s.a_read_k = k;
        return false;
    }
    uint64_t phase = (now - MIN(now, rtc->s.div_tsc)) % sec;
    bool window = phase >= sec - rtc->plat->tsc_khz * UIP_US / 1000;
    rtc->s.a_read_k = window ? k + 1 : k;   /* the coming update has been seen */
    return window || k > seen;
}

static bool is_time_reg(unsigned i)
{
    return i == REG_SEC || i == REG_MIN || i == REG_HOUR || (i >= REG_WDAY && i <= REG_YEAR) ||
           i == REG_CENTURY;
}

/* Register A or B: the divider and SET decide whether the clock runs. */
static void write_control(struct mc146818 *rtc, unsigned i, uint8_t v, uint64_t now)
{
    bool was_on = divider_on(rtc), was_updating = updating(rtc);
    materialize(rtc, now);
    if (i == REG_A) {
        rtc->s.cmos[REG_A] = (uint8_t)((rtc->s.cmos[REG_A] & A_UIP) | (v & ~A_UIP));
    } else {
        rtc->s.cmos[REG_B] = v & B_SET ? (uint8_t)(v & ~B_UIE) : v;  /* SET clears UIE */
    }
    if (!was_on && divider_on(rtc))     /* the first update comes half a second later */
        rtc->s.div_tsc = now - MIN(now, sec_tsc(rtc) / 2);
    if (!was_updating && updating(rtc))
        commit(rtc, now);
    update_irq(rtc);
}

static bool rtc_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct mc146818 *rtc = dev;
    uint8_t v = (uint8_t)value;
    if (bytes != 1)
        return false;
    uint64_t now = dev_now(rtc->plat);
    rtc_advance(rtc, now);
    if (addr == PORT_INDEX) {
        rtc->s.index = v & INDEX_MASK;
        rtc->s.nmi_masked = !!(v & INDEX_NMI);
        return true;
    }
    unsigned i = rtc->s.index;
    if (i == REG_A || i == REG_B) {
        write_control(rtc, i, v, now);
    } else if (is_time_reg(i) && updating(rtc)) {
        materialize(rtc, now);
        rtc->s.cmos[i] = v;
        commit(rtc, now);
    } else if (i != REG_C && i != REG_D) {  /* C and D are read-only */
        rtc->s.cmos[i] = v;
    }
    return true;
}

static bool rtc_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct mc146818 *rtc = dev;
    if (bytes != 1)
        return false;
    uint64_t now = dev_now(rtc->plat);
    rtc_advance(rtc, now);
    unsigned i = rtc->s.index;
    if (addr == PORT_INDEX) {
        *value = 0xff;                  /* the index register is write-only */
    } else if (i == REG_A) {
        *value = (reg_a(rtc) & (uint8_t)~A_UIP) | (uip(rtc, now) ? A_UIP : 0);
    } else if (i == REG_C) {
        *value = rtc->s.cmos[REG_C];
        rtc->s.cmos[REG_C] = 0;
        update_irq(rtc);
    } else {
        if (is_time_reg(i))
            materialize(rtc, now);
        *value = rtc->s.cmos[i];
    }
    return true;
}

/* The BIOS data a PC's CMOS holds: memory sizes (0x15-0x18, 0x30-0x31, 0x34-0x35, and
   0x5b-0x5d as QEMU and SeaBIOS use them), equipment, century, checksum (0x2e-0x2f). */
static void bios_bytes(struct mc146818 *rtc)
{
    uint8_t *r = rtc->s.cmos;
    uint64_t below = rtc->config.ram_below_4g, above = rtc->config.ram_above_4g;
    uint64_t ext = below > MIB ? MIN((below - MIB) / KIB, 0xffffu) : 0;
    uint64_t high = below > 16 * MIB ? MIN((below - 16 * MIB) / (64 * KIB), 0xffffu) : 0;
    uint64_t over = MIN(above / (64 * KIB), 0xffffffu);
    r[0x15] = 0x80;                     /* 640 KiB of base memory */
    r[0x16] = 0x02;
    r[0x17] = r[0x30] = (uint8_t)ext;
    r[0x18] = r[0x31] = (uint8_t)(ext >> 8);
    r[0x34] = (uint8_t)high;
    r[0x35] = (uint8_t)(high >> 8);
    r[0x5b] = (uint8_t)over;
    r[0x5c] = (uint8_t)(over >> 8);
    r[0x5d] = (uint8_t)(over >> 16);
    r[0x14] = 0x02;                     /* equipment: a maths coprocessor, VGA, no floppy */
    unsigned sum = 0;
    for (unsigned i = 0x10; i < 0x2e; i++)
        sum += r[i];
    r[0x2e] = (uint8_t)(sum >> 8);
    r[0x2f] = (uint8_t)sum;
}

void mc146818_init(struct mc146818 *rtc, const struct dev_platform *plat, unsigned irq,
                   const struct mc146818_config *config)
{
    rtc->plat = plat;
    rtc->irq = irq;
    rtc->config = *config;
}

/* Power on: the BIOS's usual set-up (1024 Hz rate, BCD, 24 hours) and the host's time. */
static void rtc_reset(void *dev)
{
    struct mc146818 *rtc = dev;
    uint64_t now = dev_now(rtc->plat), at = MIN(rtc->config.at_tsc, now);
    memset(&rtc->s, 0, sizeof(rtc->s));
    rtc->s.cmos[REG_A] = A_DV_RUN << A_DV_SHIFT | 6;
    rtc->s.cmos[REG_B] = B_24H;
    rtc->s.cmos[REG_D] = D_VRT;
    rtc->s.div_tsc = at;                /* the host's clock was read just after an update */
    rtc->s.sec_base = rtc->config.seconds;
    rtc->s.last = now;
    rtc->s.a_read_k = updates(rtc, now);
    encode(rtc, seconds_at(rtc, now));
    bios_bytes(rtc);
    rtc->plat->irq(rtc->plat->ctx, rtc->irq, false);
}

uint64_t mc146818_seconds(struct mc146818 *rtc)
{
    uint64_t now = dev_now(rtc->plat);
    return updating(rtc) ? seconds_at(rtc, now) : decode(rtc);
}

static size_t rtc_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct mc146818 *rtc = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &rtc->s, sizeof(rtc->s), buf, len);
}

static bool rtc_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct mc146818 *rtc = dev;
    struct mc146818_state s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        s.index > INDEX_MASK || s.nmi_masked > 1 || s.irq_level > 1 ||
        (s.cmos[REG_C] & 0x0f) || s.cmos[REG_D] != D_VRT || (s.cmos[REG_A] & A_UIP))
        return false;
    rtc->s = s;
    rtc->plat->irq(rtc->plat->ctx, rtc->irq, s.irq_level);
    return true;
}

const struct dev_ops mc146818_ops = {
    .name = "mc146818",
    .read = rtc_read,
    .write = rtc_write,
    .reset = rtc_reset,
    .save = rtc_save,
    .restore = rtc_restore,
    .deadline = rtc_deadline,
    .advance = rtc_advance,
};
