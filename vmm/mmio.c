/* SPDX-License-Identifier: MIT */
/* Vireo VMM: EPT violations: the instruction emulator (emul/) between guest RAM and devices. */
#include "emul/emul.h"
#include "vmm.h"

#define CPUID_ADDR_SIZES 0x80000008u
#define PAGE 4096u

static bool ram_read(void *ctx, uint64_t gpa, void *dst, unsigned len)
{
    (void)ctx;
    const uint8_t *p = guest_ram(gpa, len);
    if (p)
        memcpy(dst, p, len);
    return p;
}

static bool ram_write(void *ctx, uint64_t gpa, const void *src, unsigned len)
{
    (void)ctx;
    uint8_t *p = guest_ram(gpa, len);
    if (p)
        memcpy(p, src, len);
    return p;
}

/* Devices take up to 32 bits at a time: a qword is two dwords, low first. */
static uint64_t dev_read(void *ctx, uint64_t gpa, unsigned size)
{
    if (size == 8)
        return dev_read(ctx, gpa, 4) | dev_read(ctx, gpa + 4, 4) << 32;
    return platform_mmio_read(gpa, size);   /* nobody there: all ones */
}

static void dev_write(void *ctx, uint64_t gpa, unsigned size, uint64_t v)
{
    if (size == 8) {
        dev_write(ctx, gpa, 4, (uint32_t)v);
        dev_write(ctx, gpa + 4, 4, v >> 32);
        return;
    }
    platform_mmio_write(gpa, size, (uint32_t)v);
}

static const struct emul_mem guest_mem = { NULL, ram_read, ram_write, dev_read, dev_write };

/* The guest sees the host's CPUID, so its physical-address width is the host's. */
static unsigned maxphyaddr(void)
{
    static unsigned bits;
    if (!bits)
        bits = cpuid(CPUID_ADDR_SIZES, 0).eax & 0xff;
    return bits;
}

static void reply_exception(struct vireo_vcpu_state *s, const struct emul_out *o)
{
    s->inj_info = VIREO_INJ_VALID | VIREO_INJ_TYPE_HW_EXCEPTION | o->vector |
                  (o->has_error ? VIREO_INJ_ERROR_CODE : 0);
    s->inj_error = o->error;
    s->mtd |= VIREO_MTD_INJ;
    if (o->vector == EMUL_VEC_PF) {
        s->cr2 = o->cr2;
        s->mtd |= VIREO_MTD_CR;
    }
}

static void stop_unsupported(const struct vireo_vcpu_state *s, uint64_t gpa,
                             const struct emul_out *o)
{
    char bytes[3 * EMUL_INSN_MAX + 1] = "";
    for (unsigned i = 0; i < o->insn_len; i++)
        ksnprintf(bytes + 3 * i, 4, " %02x", o->insn[i]);
    vmm_stop("vmm: MMIO at 0x%lx not emulated: %s (0x%lx); rip 0x%lx, bytes%s\n", gpa,
             o->reason, o->detail, s->rip, bytes);
}

/* EPT violation: guest memory that is not RAM, i.e. a device's MMIO (or nothing there:
   reads all-ones, writes vanish). The emulator works on the state in the UTCB (prints
   keep it, main.c); the reply carries back only the groups that changed. */
void exit_mmio(struct vireo_vcpu_state *s)
{
    struct emul_exit x = { .qual = s->qual[0], .gpa = s->qual[1] };
    struct emul_out o;
    if (s->inj_info & VIREO_INJ_VALID) {   /* not the instruction at RIP: an IDT, GDT or stack */
        vmm_stop("vmm: guest's delivery of event 0x%x touched MMIO at gpa 0x%lx (rip 0x%lx)\n",
                 s->inj_info, x.gpa, s->rip);
        return;
    }
    emul_mmio(s, &x, &guest_mem, maxphyaddr(), &o);
    if (o.status == EMUL_UNSUPPORTED) {
        stop_unsupported(s, x.gpa, &o);
        return;
    }
    s->mtd = o.mtd;
    if (o.status == EMUL_EXCEPTION)
        reply_exception(s, &o);
}
