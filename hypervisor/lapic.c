/* SPDX-License-Identifier: MIT */
/* Vireo: local APIC in xAPIC mode, IPIs and a timer calibrated against the i8254 PIT. */
#include "cpu.h"
#include "intr.h"
#include "lapic.h"
#include "paging.h"
#include "printf.h"
#include "x86.h"

/* SDM Vol. 3A table 11-1: register offsets. */
enum lapic_reg {
    LAPIC_ID = 0x20, LAPIC_TPR = 0x80, LAPIC_EOI = 0xb0, LAPIC_SVR = 0xf0,
    LAPIC_ESR = 0x280, LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310, LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390, LAPIC_TIMER_DIV = 0x3e0,
};

#define APIC_BASE_ENABLE (1ull << 11)
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define TIMER_DIV_16 0x3
#define ICR_NMI 0x400u
#define ICR_ASSERT (1u << 14)
#define ICR_PENDING (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

/* i8254 channel 2, gated by port 0x61 (Intel 8254 datasheet, mode 0). */
#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_CMD_CH2_MODE0 0xb0
#define PORT_61 0x61
#define PORT_61_GATE2 0x01
#define PORT_61_SPEAKER 0x02
#define PORT_61_OUT2 0x20
#define CALIBRATE_MS 10u
#define PIT_POLL_LIMIT 100000000u

uint64_t tsc_khz;
static uint32_t timer_khz;          /* LAPIC timer ticks per ms at divide 16 */
static bool deadline_mode;
static volatile uint32_t *regs;

static uint32_t rd(enum lapic_reg r) { return regs[r / 4]; }
static void wr(enum lapic_reg r, uint32_t v) { regs[r / 4] = v; }

void lapic_init_cpu(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
    wr(LAPIC_TPR, 0);
    wr(LAPIC_LVT_TIMER, LVT_MASKED);
    wr(LAPIC_LVT_ERROR, LVT_MASKED);
    wr(LAPIC_LVT_LINT0, LVT_MASKED);        /* no ExtINT from the 8259s */
    wr(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    wr(LAPIC_ESR, 0);
    wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
}

uint32_t lapic_id(void) { return rd(LAPIC_ID) >> 24; }

void lapic_eoi(void)
{
    if (regs)
        wr(LAPIC_EOI, 0);
}

static void calibrate(void)
{
    const uint16_t count = PIT_HZ / (1000 / CALIBRATE_MS);
    outb(PORT_61, (uint8_t)((inb(PORT_61) & ~PORT_61_SPEAKER) | PORT_61_GATE2));
    outb(PIT_CMD, PIT_CMD_CH2_MODE0);
    wr(LAPIC_TIMER_INIT, UINT32_MAX);
    outb(PIT_CH2, (uint8_t)count);
    uint64_t t0 = rdtsc();
    uint32_t c0 = rd(LAPIC_TIMER_CUR);
    outb(PIT_CH2, (uint8_t)(count >> 8));
    unsigned polls = 0;
    while (!(inb(PORT_61) & PORT_61_OUT2) && ++polls < PIT_POLL_LIMIT)
        ;
    uint64_t t1 = rdtsc();
    uint32_t c1 = rd(LAPIC_TIMER_CUR);
    wr(LAPIC_TIMER_INIT, 0);
    if (polls >= PIT_POLL_LIMIT)
        boot_fail("timer calibration: the i8254 PIT channel 2 never counted down");
    tsc_khz = (t1 - t0) / CALIBRATE_MS;
    timer_khz = (c0 - c1) / CALIBRATE_MS;
    if (!tsc_khz || !timer_khz)
        boot_fail("timer calibration: TSC %lu kHz, LAPIC timer %u kHz", tsc_khz, timer_khz);
}

void lapic_init_bsp(uint64_t phys)
{
    regs = paging_map_mmio(phys, 0x1000);
    deadline_mode = cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE;
    lapic_init_cpu();
    calibrate();
    kprintf("timer: TSC %lu kHz, LAPIC timer %u kHz, %s mode\n", tsc_khz, timer_khz * 16,
            deadline_mode ? "TSC-deadline" : "one-shot");
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_khz / 1000;
    while (rdtsc() < end)
        cpu_relax();
}

bool lapic_timer_selftest(unsigned us)
{
    struct cpu *c = this_cpu();
    uint64_t before = c->timer_ticks;
    uint64_t give_up = rdtsc() + 100ull * us * tsc_khz / 1000;
    lapic_timer_at(rdtsc() + (uint64_t)us * tsc_khz / 1000);
    irq_enable();
    while (c->timer_ticks == before && rdtsc() < give_up)
        cpu_relax();
    irq_disable();
    wr(LAPIC_LVT_TIMER, LVT_MASKED);
    return c->timer_ticks != before;
}

void lapic_send_ipi(uint32_t apic_id, uint32_t icr)
{
    wr(LAPIC_ICR_HI, apic_id << 24);
    wr(LAPIC_ICR_LO, icr);
    while (rd(LAPIC_ICR_LO) & ICR_PENDING)
        cpu_relax();
}

void lapic_nmi_others(void)
{
    if (!regs)
        return;
    wr(LAPIC_ICR_HI, 0);
    wr(LAPIC_ICR_LO, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

void lapic_timer_at(uint64_t tsc)
{
    if (deadline_mode) {
        wr(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
        wrmsr(MSR_TSC_DEADLINE, tsc);
        return;
    }
    uint64_t now = rdtsc();
    uint64_t ticks = !tsc ? 0 : tsc <= now ? 1 : (tsc - now) * timer_khz / tsc_khz + 1;
    wr(LAPIC_LVT_TIMER, VEC_TIMER);
    wr(LAPIC_TIMER_INIT, (uint32_t)MIN(ticks, (uint64_t)UINT32_MAX));
}
