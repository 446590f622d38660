/* SPDX-License-Identifier: MIT */
/* Vireo VMM: loads the guest the VMM's modules name, a multiboot v1 kernel (guest=) or
   Linux (kernel=, initrd=), and sets the vCPU's entry state for it. */
#include "loader/linux.h"
#include "loader/mb1.h"
#include "vmm.h"

#define UNUSABLE (1u << 16)
#define AR_TSS_BUSY 0x8b
#define PAT_DEFAULT 0x0007040600070406ull
#define DR7_DEFAULT 0x400
#define ENTRY_MTD (VIREO_MTD_GPR_ACDB | VIREO_MTD_GPR_BSD | VIREO_MTD_RSP | \
                   VIREO_MTD_RIP_LEN | VIREO_MTD_RFLAGS | VIREO_MTD_DS_ES | VIREO_MTD_FS_GS | \
                   VIREO_MTD_CS_SS | VIREO_MTD_TR | VIREO_MTD_LDTR | VIREO_MTD_GDTR | \
                   VIREO_MTD_IDTR | VIREO_MTD_CR | VIREO_MTD_DR | VIREO_MTD_STA | \
                   VIREO_MTD_EFER_PAT | VIREO_MTD_INJ)

/* The loaders' segments (mb1_segment, linux_segment) in the UTCB's format. */
#define SEG(d, m) ((d) = (struct vireo_segment){ .sel = (m).selector, .base = (m).base, \
                                                 .limit = (m).limit, .ar = (m).access_rights })
/* The six segment registers of a loader's entry state (both loaders name them alike). */
#define SEGS(s, b) do { SEG((s)->cs, (b).cs); SEG((s)->ds, (b).ds); SEG((s)->es, (b).es); \
                        SEG((s)->ss, (b).ss); SEG((s)->fs, (b).fs); SEG((s)->gs, (b).gs); \
                   } while (0)

static const char *const keys[] = { "guest", "kernel", "initrd", "disk" };

/* 32-bit protected mode, paging off: what both entries share. VM entry needs a usable
   TR (a busy 32-bit TSS will do) and LDTR marked unusable. */
static void entry_state(struct vireo_vcpu_state *s, uint32_t eip, uint32_t eflags,
                        uint32_t cr0)
{
    *s = (struct vireo_vcpu_state){ .rip = eip, .rflags = eflags, .cr0 = cr0,
                                    .ldtr = { .ar = UNUSABLE },
                                    .tr = { .ar = AR_TSS_BUSY, .limit = 0xffff },
                                    .pat = PAT_DEFAULT, .dr7 = DR7_DEFAULT };
    s->mtd = ENTRY_MTD;
}

static bool load_mb1(struct vireo_vcpu_state *s, const uint8_t *image, uint64_t size)
{
    struct mb1_load_args args = { image, size, GUEST_RAM, vmm_boot.ram_size,
                                  vmm_guest_cmdline(), NULL };
    struct mb1_boot b;
    enum mb1_status st = mb1_load(&args, &b);
    if (st != MB1_OK) {
        vmm_stop("vmm: cannot load the guest: %s\n", mb1_strerror(st));
        return false;
    }
    entry_state(s, b.eip, b.eflags, b.cr0);
    s->rax = b.eax;
    s->rbx = b.ebx;
    SEGS(s, b);
    return true;
}

/* boot.rst, 32-bit boot protocol: ESI the zero page; EBP, EDI, EBX zero (as all GPRs). */
static bool load_linux(struct vireo_vcpu_state *s, const uint8_t *kernel, uint64_t size)
{
    uint64_t initrd_size;
    const uint8_t *initrd = vmm_module("initrd", &initrd_size);
    struct linux_load_args args = { kernel, size, GUEST_RAM, vmm_boot.ram_size,
                                    vmm_guest_cmdline(), initrd, initrd_size };
    struct linux_boot b;
    enum linux_status st = linux_load(&args, &b);
    if (st != LINUX_OK) {
        vmm_stop("vmm: cannot load Linux: %s\n", linux_strerror(st));
        return false;
    }
    if (!platform_write_firmware()) {
        vmm_stop("vmm: cannot load Linux: no room for the MP and ACPI tables\n");
        return false;
    }
    /* Printing uses the UTCB that holds *s: before the entry state, not after. */
    vmm_print("vmm: Linux boot protocol %u.%02u: kernel at 0x%x (%u KiB, needs %u KiB), "
              "initrd at 0x%x (%u KiB)\n", b.protocol >> 8, b.protocol & 0xff, b.kernel_gpa,
              b.kernel_size >> 10, b.init_size >> 10, b.initrd_gpa, b.initrd_size >> 10);
    entry_state(s, b.eip, b.eflags, b.cr0);
    s->rsi = b.esi;
    SEGS(s, b);
    s->gdtr = (struct vireo_segment){ .base = b.gdt_base, .limit = b.gdt_limit };
    return true;
}

/* Every module key must mean something, and name one kind of guest. */
static const char *check_keys(void)
{
    for (unsigned i = 0; i < vmm_boot.module_count; i++) {
        bool known = false;
        for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            known |= !strncmp(vmm_boot.modules[i].key, keys[k], VMM_MODULE_KEY);
        if (!known)
            return vmm_boot.modules[i].key;
    }
    return NULL;
}

bool guest_load(struct vireo_vcpu_state *s)
{
    uint64_t kernel_size, guest_size, initrd_size;
    const uint8_t *kernel = vmm_module("kernel", &kernel_size);
    const uint8_t *guest = vmm_module("guest", &guest_size);
    const char *unknown = check_keys();
    if (unknown) {
        vmm_stop("vmm: unknown module key '%s=' (known: guest=, kernel=, initrd=, disk=)\n", unknown);
        return false;
    }
    if (!kernel == !guest) {
        vmm_stop("vmm: needs one guest: guest=MODULE (multiboot) or kernel=MODULE (Linux)\n");
        return false;
    }
    if (guest && vmm_module("initrd", &initrd_size)) {
        vmm_stop("vmm: initrd= goes with kernel= (Linux), not with guest=\n");
        return false;
    }
    return guest ? load_mb1(s, guest, guest_size) : load_linux(s, kernel, kernel_size);
}
