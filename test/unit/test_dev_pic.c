/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the i8259A pair (vmm/dev/i8259.c), the IRQ router and the bus. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "bus.h"
#include "dev_fake.h"
#include "i8259.h"
#include "irq.h"

#define MASTER_BASE 0x30
#define SLAVE_BASE 0x38
#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define EOI 0x20

static struct i8259 pic;

static void out(uint16_t port, uint8_t v) { assert_true(i8259_ops.write(&pic, port, 1, v)); }

static uint8_t in(uint16_t port)
{
    uint32_t v = 0xdead;
    assert_true(i8259_ops.read(&pic, port, 1, &v));
    assert_true(v <= 0xff);
    return (uint8_t)v;
}

static uint8_t isr(uint16_t cmd)
{
    out(cmd, OCW3_READ_ISR);
    uint8_t v = in(cmd);
    out(cmd, OCW3_READ_IRR);
    return v;
}

/* Linux's init_8259A(): mask all, ICW1-ICW4 on both, vectors 0x30/0x38, then masks. */
static void linux_init(uint8_t icw4, uint8_t master_mask, uint8_t slave_mask)
{
    i8259_ops.reset(&pic);
    out(0x21, 0xff);
    out(0xa1, 0xff);
    out(0x20, 0x11);
    out(0x21, MASTER_BASE);
    out(0x21, 1u << 2);
    out(0x21, icw4);
    out(0xa0, 0x11);
    out(0xa1, SLAVE_BASE);
    out(0xa1, 2);
    out(0xa1, icw4);
    out(0x21, master_mask);
    out(0xa1, slave_mask);
}

static void pulse(unsigned irq)
{
    i8259_set_irq(&pic, irq, true);
    i8259_set_irq(&pic, irq, false);
}

/* PIC0001: the init sequence leaves the masks, and IRQ 0 becomes vector 0x30 with its
   ISR bit set until a non-specific EOI. */
static void pic_init_and_eoi(void **state)
{
    (void)state;
    linux_init(0x01, 0xfa, 0xff);
    assert_int_equal(in(0x21), 0xfa);
    assert_int_equal(in(0xa1), 0xff);
    assert_false(i8259_pending(&pic));
    pulse(0);
    assert_true(i8259_pending(&pic));
    assert_int_equal(in(0x20), 0x01);           /* IRR */
    assert_int_equal(i8259_ack(&pic), MASTER_BASE);
    assert_int_equal(isr(0x20), 0x01);
    assert_false(i8259_pending(&pic));
    out(0x20, EOI);
    assert_int_equal(isr(0x20), 0);
    pulse(1);                                    /* masked: latched, not raised */
    assert_false(i8259_pending(&pic));
    assert_int_equal(in(0x20), 0x02);
    out(0x21, 0xf8);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 1);
}

/* PIC0002: fully nested priority: IR0 before IR3; a lower level waits for the EOI of a
   higher one in service, a higher one nests; specific EOI. */
static void pic_priority(void **state)
{
    (void)state;
    linux_init(0x01, 0x00, 0xff);
    pulse(3);
    pulse(1);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 1);
    assert_false(i8259_pending(&pic));          /* IR3 is below IR1 in service */
    pulse(0);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 0);
    assert_int_equal(isr(0x20), 0x03);
    out(0x20, 0x60 | 1);                        /* specific EOI for IR1 */
    assert_int_equal(isr(0x20), 0x01);
    assert_false(i8259_pending(&pic));          /* IR0 still blocks IR3 */
    out(0x20, EOI);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 3);
    out(0x20, EOI);
    assert_int_equal(isr(0x20), 0);
}

/* PIC0003: rotation: rotate on non-specific EOI makes the served level the lowest; set
   priority names the lowest level directly. */
static void pic_rotation(void **state)
{
    (void)state;
    linux_init(0x01, 0x00, 0xff);
    pulse(3);
    pulse(5);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 3);
    out(0x20, 0xa0);                            /* rotate on non-specific EOI: 3 lowest */
    pulse(3);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 5);   /* 4 5 6 7 0 1 2 3 */
    out(0x20, 0xe0 | 5);                        /* rotate on specific EOI: 5 lowest */
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 3);
    out(0x20, EOI);
    out(0x20, 0xc0 | 6);                        /* set priority: 7 highest */
    pulse(0);
    pulse(7);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 7);
    out(0x20, EOI);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 0);
}

/* PIC0004: auto-EOI leaves no ISR bit; rotate in AEOI mode moves the priority. */
static void pic_auto_eoi(void **state)
{
    (void)state;
    linux_init(0x03, 0x00, 0xff);
    pulse(4);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 4);
    assert_int_equal(isr(0x20), 0);
    out(0x20, 0x80);                            /* rotate in AEOI mode: set */
    pulse(4);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 4);
    pulse(4);
    pulse(6);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 6);   /* 4 is now the lowest */
}

/* PIC0005: a slave interrupt cascades through IR2: the slave's vector, ISR bits on both
   chips, EOI to both; the router sends ISA IRQ 2 to IRQ 9 and keeps GSI levels. */
static void pic_cascade(void **state)
{
    (void)state;
    linux_init(0x01, 0xfb, 0x00);
    struct irq_router r = { .pic = &pic };
    irq_router_set(&r, 10, true);
    assert_true(i8259_pending(&pic));
    assert_int_equal(r.gsi_level, 1u << 10);
    assert_int_equal(i8259_ack(&pic), SLAVE_BASE + 2);
    assert_int_equal(isr(0x20), 0x04);
    assert_int_equal(isr(0xa0), 0x04);
    irq_router_set(&r, 10, false);
    out(0xa0, EOI);
    out(0x20, EOI);
    assert_int_equal(isr(0x20) | isr(0xa0), 0);
    irq_router_set(&r, 2, true);
    assert_int_equal(i8259_ack(&pic), SLAVE_BASE + 1);
    irq_router_set(&r, 0, true);
    assert_int_equal(r.gsi_level, 1u << 2);     /* IRQ 0 is GSI 2, ISA 2 has none */
    out(0x21, 0xff);                             /* the master masks the cascade */
    out(0xa0, EOI);
    out(0x20, EOI);
    irq_router_set(&r, 12, true);
    assert_false(i8259_pending(&pic));
}

/* PIC0006: ELCR: IRQ 0-2 cannot be level; a level input requests again after EOI while
   it stays high; one that drops before INTA gives the spurious IR7 without ISR. */
static void pic_level_and_spurious(void **state)
{
    (void)state;
    linux_init(0x01, 0x00, 0xff);
    out(0x4d0, 0xff);
    assert_int_equal(in(0x4d0), 0xf8);
    out(0x4d1, 0xff);
    assert_int_equal(in(0x4d1), 0xde);
    out(0x4d0, 0x20);
    i8259_set_irq(&pic, 5, true);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 5);
    out(0x20, EOI);
    assert_true(i8259_pending(&pic));           /* still high: again */
    i8259_set_irq(&pic, 5, false);
    assert_false(i8259_pending(&pic));
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 7);
    assert_int_equal(isr(0x20), 0);             /* a spurious INTA sets no ISR bit */
    pulse(6);                                    /* edge: once only */
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 6);
    out(0x20, EOI);
    assert_false(i8259_pending(&pic));
}

/* PIC0007: poll mode: the read is the INTA (0x80 | level); nothing pending reads 0. */
static void pic_poll(void **state)
{
    (void)state;
    linux_init(0x01, 0x00, 0xff);
    out(0x20, 0x0c);
    assert_int_equal(in(0x20), 0);
    pulse(3);
    out(0x20, 0x0c);
    assert_int_equal(in(0x20), 0x83);
    assert_int_equal(isr(0x20), 0x08);
    assert_int_equal(in(0x20), 0);              /* IRR again: poll was one read */
}

/* PIC0008: special mask mode: the masked level in service no longer blocks lower ones. */
static void pic_special_mask(void **state)
{
    (void)state;
    linux_init(0x01, 0x00, 0xff);
    pulse(1);
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 1);
    pulse(4);
    assert_false(i8259_pending(&pic));
    out(0x21, 0x02);
    out(0x20, 0x68);                            /* set special mask */
    assert_true(i8259_pending(&pic));
    assert_int_equal(i8259_ack(&pic), MASTER_BASE + 4);
    out(0x20, 0x48);                            /* reset special mask */
    out(0x20, 0x60 | 4);
    pulse(5);
    assert_false(i8259_pending(&pic));          /* IR1 in service blocks again */
}

/* PIC0009: save and restore round trip; short, foreign and impossible buffers leave the
   model untouched. */
static void pic_save_restore(void **state)
{
    (void)state;
    uint8_t buf[256], copy[256];
    linux_init(0x01, 0x5a, 0xa5);
    pulse(3);
    size_t n = i8259_ops.save(&pic, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(i8259_ops.save(&pic, buf, n - 1), 0);
    struct i8259 before = pic;
    i8259_ops.reset(&pic);
    assert_true(i8259_ops.restore(&pic, buf, n));
    assert_memory_equal(&pic, &before, sizeof(pic));
    assert_int_equal(in(0x21), 0x5a);
    for (size_t len = 0; len < n; len++)
        assert_false(i8259_ops.restore(&pic, buf, len));
    memcpy(copy, buf, n);
    copy[0] ^= 1;                               /* magic */
    assert_false(i8259_ops.restore(&pic, copy, n));
    memcpy(copy, buf, n);
    copy[8 + offsetof(struct i8259_chip, init_step)] = 9;
    assert_false(i8259_ops.restore(&pic, copy, n));
    memcpy(copy, buf, n);
    copy[8 + offsetof(struct i8259_chip, elcr)] = 0x01;   /* IRQ 0 level */
    assert_false(i8259_ops.restore(&pic, copy, n));
    assert_false(i8259_ops.restore(&pic, NULL, n));
    assert_memory_equal(&pic, &before, sizeof(pic));
}

/* PIC0010: garbage at every port and width; through the bus, wide accesses split into
   bytes and unclaimed ports read as all ones. */
static void pic_hostile(void **state)
{
    (void)state;
    i8259_ops.reset(&pic);
    for (unsigned i = 0; i < 3; i++)
        fake_hostile(&i8259_ops, &pic, i8259_ranges[i].base, i8259_ranges[i].size, 50);
    for (unsigned irq = 0; irq < 300; irq++) {
        i8259_set_irq(&pic, irq % 40, irq & 1);
        if (i8259_pending(&pic))
            (void)i8259_ack(&pic);
    }
    static struct bus b;
    memset(&b, 0, sizeof(b));
    struct dev d = { &i8259_ops, &pic, i8259_ranges, 3 };
    assert_true(bus_add(&b, &d));
    assert_false(bus_add(&b, &d));              /* overlapping ranges */
    linux_init(0x01, 0x00, 0xff);
    assert_int_equal(bus_pio_read(&b, 0x20, 2), 0x0000);  /* IRR 0, IMR 0 */
    bus_pio_write(&b, 0x20, 2, 0xab0b);         /* OCW3 read ISR, then IMR 0xab */
    assert_int_equal(in(0x21), 0xab);
    assert_int_equal(bus_pio_read(&b, 0x21, 4), 0xffffff00u | 0xab);
    assert_int_equal(bus_pio_read(&b, 0xffff, 4), 0xffffffffu);
    assert_int_equal(bus_pio_read(&b, 0x1234, 1), 0xff);
    uint32_t v;
    assert_false(bus_mmio_read(&b, 0xfec00000u, 4, &v));
    for (uint32_t port = 0; port < 0x10000; port += 7)
        bus_pio_write(&b, port, 1 + port % 4, port * 2654435761u);
}

int main(void)
{
    fake_reset(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pic_init_and_eoi),
        cmocka_unit_test(pic_priority),
        cmocka_unit_test(pic_rotation),
        cmocka_unit_test(pic_auto_eoi),
        cmocka_unit_test(pic_cascade),
        cmocka_unit_test(pic_level_and_spurious),
        cmocka_unit_test(pic_poll),
        cmocka_unit_test(pic_special_mask),
        cmocka_unit_test(pic_save_restore),
        cmocka_unit_test(pic_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
