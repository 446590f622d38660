/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the local APIC (vmm/dev/lapic.c) and the I/O APIC's delivery to it
   (vmm/dev/ioapic.c), on a fake clock where one APIC timer tick is 1000 TSC ticks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dev_fake.h"
/* By path: the hypervisor has headers of the same names on the include path. */
#include "../../vmm/dev/ioapic.h"
#include "../../vmm/dev/lapic.h"

#define TICK 1000ull                    /* TSC ticks per timer tick at divide-by-1 */
#define T0 (1000000 * TICK)
#define BASE LAPIC_DEFAULT_BASE
#define ID 0x20
#define VERSION 0x30
#define TPR 0x80
#define PPR 0xa0
#define EOI 0xb0
#define LDR 0xd0
#define DFR 0xe0
#define SVR 0xf0
#define ISR 0x100
#define TMR 0x180
#define IRR 0x200
#define ESR 0x280
#define ICR_LO 0x300
#define ICR_HI 0x310
#define LVT_T 0x320
#define LINT0 0x350
#define LINT1 0x360
#define LVT_ERR 0x370
#define INITIAL 0x380
#define CURRENT 0x390
#define DIVIDE 0x3e0
#define MASKED (1u << 16)
#define SELF (1u << 18)
#define ALL_BUT_SELF (3u << 18)
#define PERIODIC (1u << 17)
#define DEADLINE_MODE (2u << 17)
#define DIV1 0xb
#define DIV2 0x0
#define RTE(pin) (0x10 + 2 * (pin))
#define RTE_LEVEL (1u << 15)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LOGICAL (1u << 11)

static struct lapic apic;
static struct ioapic io;
static unsigned eois;

static uint32_t rd(uint32_t off)
{
    uint32_t v = 0xdeadbeef;
    assert_true(lapic_ops.read(&apic, BASE + off, 4, &v));
    return v;
}

static void wr(uint32_t off, uint32_t v) { assert_true(lapic_ops.write(&apic, BASE + off, 4, v)); }

static void io_wr(uint32_t reg, uint32_t v)
{
    assert_true(ioapic_ops.write(&io, IOAPIC_BASE, 4, reg));
    assert_true(ioapic_ops.write(&io, IOAPIC_BASE + 0x10, 4, v));
}

static uint32_t io_rd(uint32_t reg)
{
    uint32_t v = 0;
    assert_true(ioapic_ops.write(&io, IOAPIC_BASE, 4, reg));
    assert_true(ioapic_ops.read(&io, IOAPIC_BASE + 0x10, 4, &v));
    return v;
}

static bool deliver(void *ctx, const struct apic_msg *m) { return lapic_deliver(ctx, m); }

static void on_eoi(void *ctx, uint8_t vector)
{
    eois++;
    ioapic_eoi(ctx, vector);
}

static void at(uint64_t ticks)
{
    fake.tsc = T0 + ticks * TICK;
    if (lapic_ops.deadline(&apic) <= fake.tsc)
        lapic_ops.advance(&apic, fake.tsc);
}

static bool irr(unsigned v) { return rd(IRR + (v / 32) * 0x10) >> (v % 32) & 1; }

/* Takes the interrupt the CPU would take now, or -1. */
static int take(void)
{
    int v = lapic_pending(&apic);
    if (v >= 0)
        lapic_ack(&apic, (uint8_t)v);
    return v;
}

static int setup(void **state)
{
    (void)state;
    fake_reset(T0);
    eois = 0;
    lapic_init(&apic, &fake.plat, FAKE_TSC_HZ / TICK);
    lapic_ops.reset(&apic);
    apic.eoi = on_eoi;
    apic.eoi_ctx = &io;
    ioapic_init(&io, deliver, &apic);
    ioapic_ops.reset(&io);
    return 0;
}

/* LAPIC0001: the state a BIOS hands over: ID 0, version 0x14 with 6 LVT entries, the
   APIC on (SVR 0x1ff), LINT0 ExtINT and LINT1 NMI (virtual wire), the rest masked. */
static void lapic_reset_state(void **state)
{
    (void)state;
    assert_int_equal(rd(ID), 0);
    assert_int_equal(rd(VERSION), 0x50014);
    assert_int_equal(rd(SVR), 0x1ff);
    assert_int_equal(rd(DFR), 0xffffffff);
    assert_int_equal(rd(LINT0), 0x700);
    assert_int_equal(rd(LINT1), 0x400);
    assert_int_equal(rd(LVT_T), MASKED);
    assert_int_equal(rd(LVT_ERR), MASKED);
    assert_int_equal(rd(PPR), 0);
    assert_true(lapic_extint(&apic));
    assert_int_equal(lapic_pending(&apic), -1);
    assert_int_equal(apic.s.base, 0xfee00900u);
}

/* LAPIC0002: self-IPIs and priorities (SDM 10.8.3): the highest IRR vector whose class is
   above PPR; an in-service class blocks its own and lower ones; TPR blocks classes at or
   below it; EOI ends the highest in service. */
static void lapic_priority(void **state)
{
    (void)state;
    wr(ICR_LO, SELF | 0x31);
    wr(ICR_LO, SELF | 0x52);
    assert_true(irr(0x31) && irr(0x52));
    assert_int_equal(take(), 0x52);
    assert_int_equal(rd(PPR), 0x50);
    assert_int_equal(lapic_pending(&apic), -1);
    wr(ICR_LO, SELF | 0x5f);                    /* same class as in service: waits */
    assert_int_equal(lapic_pending(&apic), -1);
    wr(EOI, 0);
    assert_int_equal(rd(ISR + 0x20), 0);
    assert_int_equal(take(), 0x5f);
    wr(EOI, 0);
    wr(TPR, 0x30);
    assert_int_equal(lapic_pending(&apic), -1);  /* class 3 is not above TPR's 3 */
    assert_int_equal(rd(PPR), 0x30);
    wr(TPR, 0x2f);
    assert_int_equal(take(), 0x31);
    wr(EOI, 0);
    wr(EOI, 0);                                 /* nothing in service: ignored */
    assert_int_equal(eois, 0);                  /* edge vectors: no I/O APIC EOI */
    wr(ICR_LO, ALL_BUT_SELF | 0x40);            /* one CPU: nobody */
    assert_int_equal(lapic_pending(&apic), -1);
    wr(ICR_HI, 0x00000000);                     /* physical destination 0: this one */
    wr(ICR_LO, 0x41);
    wr(ICR_HI, 0x05000000);                     /* another APIC */
    wr(ICR_LO, 0x42);
    assert_true(irr(0x41));
    assert_false(irr(0x42));
    assert_int_equal(rd(ICR_LO) & (1u << 12), 0);   /* delivery status: idle */
}

/* LAPIC0003: illegal vectors set ESR bits (latched by the next ESR write) and raise the
   error LVT; unknown registers are "illegal register address". */
static void lapic_errors(void **state)
{
    (void)state;
    wr(LVT_ERR, 0xfe);
    wr(ICR_LO, SELF | 0x05);
    assert_false(irr(0x05));
    assert_int_equal(rd(ESR), 0);
    wr(ESR, 0);
    assert_int_equal(rd(ESR), 0x20);
    assert_true(irr(0xfe));
    (void)rd(0x3f0);
    wr(ESR, 0);
    assert_int_equal(rd(ESR), 0x80);
    wr(ESR, 0);
    assert_int_equal(rd(ESR), 0);
    uint32_t v;                                 /* widths and offsets it does not decode */
    assert_false(lapic_ops.read(&apic, BASE + ID, 1, &v));
    assert_false(lapic_ops.read(&apic, BASE + ID + 4, 4, &v));
    assert_false(lapic_ops.write(&apic, BASE + TPR, 2, 0));
}

/* LAPIC0004: one-shot: counts initial..0 at the divided clock, raises its vector once. */
static void lapic_timer_oneshot(void **state)
{
    (void)state;
    wr(DIVIDE, DIV1);
    wr(LVT_T, 0xec);
    wr(INITIAL, 100);
    assert_int_equal(lapic_ops.deadline(&apic), T0 + 100 * TICK);
    at(40);
    assert_int_equal(rd(CURRENT), 60);
    assert_false(irr(0xec));
    at(100);
    assert_true(irr(0xec));
    assert_int_equal(rd(CURRENT), 0);
    assert_int_equal(lapic_ops.deadline(&apic), DEV_NO_DEADLINE);
    assert_int_equal(rd(INITIAL), 100);
    wr(DIVIDE, 0x3);                            /* divide by 16 */
    wr(INITIAL, 10);
    assert_int_equal(lapic_ops.deadline(&apic), T0 + (100 + 160) * TICK);
    wr(LVT_T, MASKED | 0xec);                   /* masked: counts, raises nothing */
    take(); wr(EOI, 0);
    at(300);
    assert_false(irr(0xec));
    wr(INITIAL, 0);                             /* 0 stops it */
    assert_int_equal(lapic_ops.deadline(&apic), DEV_NO_DEADLINE);
}

/* LAPIC0005: periodic: reloads; missed periods collapse into one interrupt. */
static void lapic_timer_periodic(void **state)
{
    (void)state;
    wr(DIVIDE, DIV2);
    wr(LVT_T, PERIODIC | 0xef);
    wr(INITIAL, 50);                            /* 100 ticks a period */
    at(30);
    assert_int_equal(rd(CURRENT), 50 - 15);
    at(350);
    assert_int_equal(take(), 0xef);
    wr(EOI, 0);
    assert_int_equal(lapic_pending(&apic), -1);
    assert_int_equal(lapic_ops.deadline(&apic), T0 + 400 * TICK);
    assert_int_equal(rd(CURRENT), 50 - 25);
    at(400);
    assert_int_equal(take(), 0xef);
}

/* LAPIC0006: TSC-deadline mode: fires at the deadline and disarms; the initial count is
   ignored; leaving the mode disarms. */
static void lapic_timer_tsc_deadline(void **state)
{
    (void)state;
    wr(LVT_T, DEADLINE_MODE | 0xee);
    wr(INITIAL, 5);
    assert_int_equal(rd(INITIAL), 0);
    assert_int_equal(lapic_ops.deadline(&apic), DEV_NO_DEADLINE);
    lapic_set_tsc_deadline(&apic, T0 + 70 * TICK);
    assert_int_equal(lapic_tsc_deadline(&apic), T0 + 70 * TICK);
    assert_int_equal(lapic_ops.deadline(&apic), T0 + 70 * TICK);
    at(69);
    assert_false(irr(0xee));
    at(71);
    assert_true(irr(0xee));
    assert_int_equal(lapic_tsc_deadline(&apic), 0);
    lapic_set_tsc_deadline(&apic, T0 + 90 * TICK);
    wr(LVT_T, 0xee);                            /* back to one-shot */
    assert_int_equal(lapic_ops.deadline(&apic), DEV_NO_DEADLINE);
    lapic_set_tsc_deadline(&apic, T0 + 95 * TICK);  /* not in the mode: ignored */
    assert_int_equal(lapic_tsc_deadline(&apic), 0);
}

/* LAPIC0007: a level-triggered I/O APIC pin: IRR and TMR, remote IRR until the EOI,
   sent again after the EOI while still asserted, not after it is lowered. */
static void lapic_ioapic_level(void **state)
{
    (void)state;
    io_wr(RTE(9) + 1, 0);
    io_wr(RTE(9), RTE_LEVEL | 0x49);
    ioapic_set_irq(&io, 9, true);
    assert_true(io_rd(RTE(9)) & RTE_REMOTE_IRR);
    assert_true(rd(TMR + 0x20) & 1u << 9);
    assert_int_equal(take(), 0x49);
    wr(EOI, 0);
    assert_int_equal(eois, 1);
    assert_true(io_rd(RTE(9)) & RTE_REMOTE_IRR);    /* still high: sent again */
    assert_int_equal(take(), 0x49);
    ioapic_set_irq(&io, 9, false);
    wr(EOI, 0);
    assert_false(io_rd(RTE(9)) & RTE_REMOTE_IRR);
    assert_int_equal(lapic_pending(&apic), -1);
    io_wr(RTE(9), RTE_LEVEL | MASKED | 0x49);       /* masked while asserted ... */
    ioapic_set_irq(&io, 9, true);
    assert_int_equal(lapic_pending(&apic), -1);
    io_wr(RTE(9), RTE_LEVEL | 0x49);                /* ... unmasking sends */
    assert_int_equal(lapic_pending(&apic), 0x49);
    io_wr(RTE(9), 0x49);                            /* edge: no remote IRR */
    assert_false(io_rd(RTE(9)) & RTE_REMOTE_IRR);
}

/* LAPIC0008: edge pins: one message per rising edge, lost while masked; polarity,
   physical and logical (flat, cluster) destinations. */
static void lapic_ioapic_edge(void **state)
{
    (void)state;
    io_wr(RTE(2), 0x30);
    ioapic_set_irq(&io, 2, true);
    ioapic_set_irq(&io, 2, true);               /* no new edge */
    assert_int_equal(take(), 0x30);
    wr(EOI, 0);
    assert_int_equal(lapic_pending(&apic), -1);
    ioapic_set_irq(&io, 2, false);
    io_wr(RTE(2), MASKED | 0x30);
    ioapic_set_irq(&io, 2, true);
    io_wr(RTE(2), 0x30);
    assert_int_equal(lapic_pending(&apic), -1);
    io_wr(RTE(4), (1u << 13) | 0x34);           /* active low: the falling edge asserts */
    ioapic_set_irq(&io, 4, true);
    ioapic_set_irq(&io, 4, false);
    assert_int_equal(take(), 0x34);
    wr(EOI, 0);
    io_wr(RTE(5) + 1, 0x03000000);              /* physical APIC 3: nobody */
    io_wr(RTE(5), 0x35);
    ioapic_set_irq(&io, 5, true);
    assert_int_equal(lapic_pending(&apic), -1);
    wr(LDR, 0x01000000);                        /* flat: logical APIC bit 0 */
    io_wr(RTE(6) + 1, 0x03000000);
    io_wr(RTE(6), RTE_LOGICAL | 0x36 | 1u << 8); /* lowest priority */
    ioapic_set_irq(&io, 6, true);
    assert_int_equal(take(), 0x36);
    wr(EOI, 0);
    wr(DFR, 0x0fffffff);                        /* cluster: cluster 2, member bit 0 */
    assert_int_equal(rd(DFR), 0x0fffffff);
    wr(LDR, 0x21000000);
    io_wr(RTE(7) + 1, 0x11000000);              /* cluster 1: not ours */
    io_wr(RTE(7), RTE_LOGICAL | 0x37);
    ioapic_set_irq(&io, 7, true);
    assert_int_equal(lapic_pending(&apic), -1);
    io_wr(RTE(8) + 1, 0x23000000);
    io_wr(RTE(8), RTE_LOGICAL | 0x38);
    ioapic_set_irq(&io, 8, true);
    assert_int_equal(take(), 0x38);
    ioapic_set_irq(&io, 30, true);              /* no such pin */
}

/* LAPIC0009: SVR software disable masks every LVT (and keeps them masked); IA32_APIC_BASE:
   global disable silences the MMIO page and comes back as after power-up; a new base,
   x2APIC mode and reserved bits are refused. */
static void lapic_enable_disable(void **state)
{
    (void)state;
    wr(SVR, 0xff);
    assert_int_equal(rd(LINT0), MASKED | 0x700);
    wr(LINT0, 0x700);
    assert_int_equal(rd(LINT0), MASKED | 0x700);
    assert_false(lapic_extint(&apic));
    wr(ICR_LO, SELF | 0x60);
    assert_int_equal(lapic_pending(&apic), -1);  /* held while disabled */
    wr(SVR, 0x1ff);
    assert_int_equal(lapic_pending(&apic), 0x60);
    assert_false(lapic_set_base(&apic, 0xfed00900u));
    assert_false(lapic_set_base(&apic, 0xfee00d00u));   /* x2APIC */
    assert_false(lapic_set_base(&apic, 0xfee00901u));
    assert_false(lapic_set_base(&apic, 0xfee00800u));   /* BSP is read-only */
    assert_true(lapic_set_base(&apic, 0xfee00100u));
    assert_false(lapic_hw_enabled(&apic));
    uint32_t v;
    assert_false(lapic_ops.read(&apic, BASE + ID, 4, &v));
    assert_int_equal(lapic_pending(&apic), -1);
    assert_int_equal(lapic_ops.deadline(&apic), DEV_NO_DEADLINE);
    struct apic_msg m = { 0x70, 0, 0, false, false };
    assert_false(lapic_deliver(&apic, &m));
    assert_true(lapic_set_base(&apic, 0xfee00900u));
    assert_int_equal(rd(SVR), 0xff);
    assert_int_equal(rd(LINT0), MASKED);
    assert_int_equal(rd(IRR + 0x30), 0);
}

/* LAPIC0010: save and restore round-trip; short, foreign and impossible states refused. */
static void lapic_save_restore(void **state)
{
    (void)state;
    uint8_t buf[512], bad[512];
    wr(TPR, 0x20);
    wr(LVT_T, PERIODIC | 0xef);
    wr(INITIAL, 1000);
    wr(ICR_LO, SELF | 0x44);
    size_t n = lapic_ops.save(&apic, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(lapic_ops.save(&apic, buf, n - 1), 0);
    lapic_ops.reset(&apic);
    assert_false(lapic_ops.restore(&apic, buf, n - 1));
    assert_true(lapic_ops.restore(&apic, buf, n));
    assert_int_equal(rd(TPR), 0x20);
    assert_int_equal(rd(INITIAL), 1000);
    assert_true(irr(0x44));
    size_t hdr = sizeof(struct dev_save_header);
    memcpy(bad, buf, n);
    bad[0] ^= 1;                                /* foreign magic */
    assert_false(lapic_ops.restore(&apic, bad, n));
    memcpy(bad, buf, n);
    struct lapic_state s;
    memcpy(&s, buf + hdr, sizeof(s));
    s.base = 0xfed00900u;                       /* relocated */
    memcpy(bad + hdr, &s, sizeof(s));
    assert_false(lapic_ops.restore(&apic, bad, n));
    memcpy(&s, buf + hdr, sizeof(s));
    s.lvt[LVT_TIMER] |= 3u << 17;               /* reserved timer mode */
    memcpy(bad + hdr, &s, sizeof(s));
    assert_false(lapic_ops.restore(&apic, bad, n));
    memcpy(&s, buf + hdr, sizeof(s));
    s.irr[0] = 1;                               /* vector 0 cannot be pending */
    memcpy(bad + hdr, &s, sizeof(s));
    assert_false(lapic_ops.restore(&apic, bad, n));
    assert_int_equal(rd(TPR), 0x20);            /* untouched by the refusals */
    n = ioapic_ops.save(&io, buf, sizeof(buf));
    assert_true(n > 0 && ioapic_ops.restore(&io, buf, n));
    struct ioapic_state is;
    memcpy(&is, buf + hdr, sizeof(is));
    is.redir[0] = RTE_REMOTE_IRR;               /* remote IRR on an edge pin */
    memcpy(bad, buf, n);
    memcpy(bad + hdr, &is, sizeof(is));
    assert_false(ioapic_ops.restore(&io, bad, n));
}

/* LAPIC0011: garbage at every offset and width of both APICs, then every timer mode and
   divider with random counts: nothing breaks, the vectors stay legal. */
static void lapic_hostile(void **state)
{
    (void)state;
    fake_hostile(&lapic_ops, &apic, BASE, LAPIC_SIZE, 20);
    fake_hostile(&ioapic_ops, &io, IOAPIC_BASE, 0x20, 200);
    lapic_ops.reset(&apic);
    for (uint32_t i = 0; i < 4000; i++) {
        wr(0x300 + (i % 16) * 0x10, i * 2654435761u);
        at(i);
        ioapic_set_irq(&io, i % 24, i & 1);
        int v = take();
        assert_true(v < 0 || v >= 16);
        if (i % 3)
            wr(EOI, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(lapic_reset_state, setup),
        cmocka_unit_test_setup(lapic_priority, setup),
        cmocka_unit_test_setup(lapic_errors, setup),
        cmocka_unit_test_setup(lapic_timer_oneshot, setup),
        cmocka_unit_test_setup(lapic_timer_periodic, setup),
        cmocka_unit_test_setup(lapic_timer_tsc_deadline, setup),
        cmocka_unit_test_setup(lapic_ioapic_level, setup),
        cmocka_unit_test_setup(lapic_ioapic_edge, setup),
        cmocka_unit_test_setup(lapic_enable_disable, setup),
        cmocka_unit_test_setup(lapic_save_restore, setup),
        cmocka_unit_test_setup(lapic_hostile, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
