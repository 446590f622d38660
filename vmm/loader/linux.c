/* SPDX-License-Identifier: MIT */
/* Vireo VMM: Linux boot protocol loader. The setup header is checked and the layout
 * planned first (kernel, initrd, command line); only then is guest RAM written, so a
 * failure leaves RAM untouched. Offsets follow boot.rst and zero-page.rst. */
#include "linux.h"

#include <stdbool.h>
#include "bytes.h"

#define PAGE 0x1000ull
#define SECTOR 512u
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_END 0x201              /* the jump's displacement: header ends 0x202 + it */
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_END_206 0x23c               /* through cmdline_size */
#define HDR_END_210 0x264               /* through init_size */
#define HDR_END_MAX 0x290               /* struct boot_params leaves the header this much */
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define E820_ENTRY 20u
#define E820_RAM 1u
#define E820_RESERVED 2u
#define BOOT_FLAG 0xaa55u
#define HDRS_MAGIC 0x53726448u          /* "HdrS" */
#define LOADED_HIGH 0x01u
#define CAN_USE_HEAP 0x80u
#define LOADER_UNDEFINED 0xffu          /* type_of_loader: no assigned id */
#define HEAP_END 0xe000u                /* as a real-mode loader would set it */
#define INITRD_MAX_LEGACY 0x37ffffffu
#define GDT_ENTRIES 4u

struct plan {
    uint32_t setup_size, pm_size, protocol, hdr_end, xloadflags;
    uint32_t load, kernel_end, init_size, initrd, cmdline_size, initrd_max;
    size_t cmdline_len;
};

static const char *const messages[LINUX_STATUS_COUNT] = {
    [LINUX_OK] = "ok",
    [LINUX_ERR_ARGS] = "bad arguments (null pointer)",
    [LINUX_ERR_RAM_SIZE] = "guest RAM size out of range (2 MiB .. 3 GiB)",
    [LINUX_ERR_TRUNCATED] = "kernel image shorter than its setup header",
    [LINUX_ERR_BOOT_FLAG] = "kernel image has no boot flag 0xAA55: not a Linux bzImage",
    [LINUX_ERR_MAGIC] = "kernel image has no \"HdrS\" setup header: not a Linux bzImage",
    [LINUX_ERR_PROTOCOL] = "kernel boot protocol older than 2.06: not supported",
    [LINUX_ERR_HEADER_SIZE] = "kernel setup header shorter than its protocol version needs",
    [LINUX_ERR_SETUP_SIZE] = "kernel setup_sects reach past the end of the image",
    [LINUX_ERR_SYSSIZE] = "kernel syssize is 0 or reaches past the end of the image",
    [LINUX_ERR_NOT_BZIMAGE] = "kernel is a zImage (no LOADED_HIGH): only bzImage is supported",
    [LINUX_ERR_ALIGNMENT] = "kernel_alignment is not a power of two from 4 KiB to 1 GiB",
    [LINUX_ERR_INIT_SIZE] = "kernel init_size is smaller than the kernel",
    [LINUX_ERR_KERNEL_RAM] = "kernel does not fit in guest RAM (init_size from its load address)",
    [LINUX_ERR_CMDLINE] = "command line longer than the kernel's cmdline_size",
    [LINUX_ERR_INITRD_SIZE] = "initrd larger than guest RAM",
    [LINUX_ERR_INITRD_ROOM] = "no room for the initrd above the kernel and below initrd_addr_max",
};

const char *linux_strerror(enum linux_status status)
{
    if ((unsigned)status >= LINUX_STATUS_COUNT)
        return "unknown Linux loader status";
    return messages[status];
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* boot.rst "Details of Header Fields": magics, version, the header's own length. */
static enum linux_status check_magic(const struct linux_load_args *a, struct plan *p)
{
    const uint8_t *img = a->image;
    if (a->image_size < HDR_VERSION + 2)
        return LINUX_ERR_TRUNCATED;
    if (rd16(img + HDR_BOOT_FLAG) != BOOT_FLAG)
        return LINUX_ERR_BOOT_FLAG;
    if (rd32(img + HDR_MAGIC) != HDRS_MAGIC)
        return LINUX_ERR_MAGIC;
    p->protocol = rd16(img + HDR_VERSION);
    if (p->protocol < LINUX_PROTOCOL_MIN)
        return LINUX_ERR_PROTOCOL;
    p->hdr_end = HDR_MAGIC + img[HDR_JUMP_END];
    if (p->hdr_end > HDR_END_MAX)
        p->hdr_end = HDR_END_MAX;       /* fields past it are not ours to copy */
    if (p->hdr_end < (p->protocol >= 0x020a ? HDR_END_210 : HDR_END_206))
        return LINUX_ERR_HEADER_SIZE;
    return a->image_size < p->hdr_end ? LINUX_ERR_TRUNCATED : LINUX_OK;
}

/* Sizes, load flags, alignment and the memory the kernel needs. */
static enum linux_status check_header(const struct linux_load_args *a, struct plan *p)
{
    const uint8_t *img = a->image;
    enum linux_status st = check_magic(a, p);
    if (st != LINUX_OK)
        return st;
    uint32_t sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;  /* 0 means 4 */
    p->setup_size = (sects + 1) * SECTOR;
    if (p->setup_size > a->image_size)
        return LINUX_ERR_SETUP_SIZE;
    uint64_t pm = (uint64_t)rd32(img + HDR_SYSSIZE) * 16;
    if (pm == 0 || pm > a->image_size - p->setup_size)
        return LINUX_ERR_SYSSIZE;
    p->pm_size = (uint32_t)pm;
    if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
        return LINUX_ERR_NOT_BZIMAGE;
    uint32_t align = rd32(img + HDR_KERNEL_ALIGNMENT);
    if (img[HDR_RELOCATABLE] && (align < PAGE || align > (1u << 30) || (align & (align - 1))))
        return LINUX_ERR_ALIGNMENT;
    p->init_size = p->protocol >= 0x020a ? rd32(img + HDR_INIT_SIZE) : p->pm_size;
    if (p->init_size < p->pm_size)
        return LINUX_ERR_INIT_SIZE;
    p->cmdline_size = rd32(img + HDR_CMDLINE_SIZE);
    p->initrd_max = rd32(img + HDR_INITRD_ADDR_MAX);
    if (!p->initrd_max)
        p->initrd_max = INITRD_MAX_LEGACY;      /* what boot.rst assumes where it is absent */
    p->xloadflags = p->protocol >= 0x020c ? rd16(img + HDR_XLOADFLAGS) : 0;
    return LINUX_OK;
}

/* A relocatable kernel goes to pref_address if [pref, pref + init_size) is RAM, else to
 * the first kernel_alignment boundary from 1 MiB. A fixed one is loaded at 1 MiB and
 * moves itself to pref_address (2.10+), so both ranges must be RAM. */
static enum linux_status place_kernel(const struct linux_load_args *a, struct plan *p)
{
    const uint8_t *img = a->image;
    uint64_t pref = p->protocol >= 0x020a ? rd64(img + HDR_PREF_ADDRESS) : LINUX_HIGH;
    uint64_t ram = a->ram_size, end;
    if (!img[HDR_RELOCATABLE]) {
        if (pref < LINUX_HIGH || pref >= ram)
            return LINUX_ERR_KERNEL_RAM;
        p->load = LINUX_HIGH;
        end = LINUX_HIGH + (uint64_t)p->pm_size;
        if (pref + p->init_size > end)
            end = pref + p->init_size;
    } else {
        uint64_t align = rd32(img + HDR_KERNEL_ALIGNMENT);
        if (pref < LINUX_HIGH || (pref & (align - 1)) || pref >= ram ||
            pref + p->init_size > ram)
            pref = align_up(LINUX_HIGH, align);
        p->load = (uint32_t)pref;       /* below 1 GiB + 1 MiB, or below RAM's end */
        end = pref + p->init_size;
    }
    if (end > ram)
        return LINUX_ERR_KERNEL_RAM;
    p->kernel_end = (uint32_t)end;
    return LINUX_OK;
}

/* The initrd at the top of RAM (at most initrd_addr_max, inclusive), on a page
 * boundary, above everything the kernel needs. */
static enum linux_status place_initrd(const struct linux_load_args *a, struct plan *p)
{
    p->initrd = 0;
    if (!a->initrd_size)
        return LINUX_OK;
    if (a->initrd_size > a->ram_size)
        return LINUX_ERR_INITRD_SIZE;
    uint64_t top = (uint64_t)p->initrd_max + 1;
    if (top > a->ram_size)
        top = a->ram_size;
    if (top < a->initrd_size)
        return LINUX_ERR_INITRD_ROOM;
    uint64_t at = (top - a->initrd_size) & ~(PAGE - 1);
    if (at < p->kernel_end)
        return LINUX_ERR_INITRD_ROOM;
    p->initrd = (uint32_t)at;
    return LINUX_OK;
}

static enum linux_status plan_layout(const struct linux_load_args *a, struct plan *p)
{
    enum linux_status st;
    if ((st = check_header(a, p)) != LINUX_OK || (st = place_kernel(a, p)) != LINUX_OK)
        return st;
    uint32_t max = p->cmdline_size < LINUX_CMDLINE_MAX ? p->cmdline_size : LINUX_CMDLINE_MAX;
    p->cmdline_len = a->cmdline ? bounded_len(a->cmdline, LINUX_CMDLINE_MAX) : 0;
    if (p->cmdline_len > max)
        return LINUX_ERR_CMDLINE;
    return place_initrd(a, p);
}

static void write_e820(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
    wr64(e, base);
    wr64(e + 8, len);
    wr32(e + 16, type);
}

/* zero-page.rst: the setup header as the image has it, then what the loader fills in. */
static void write_zero_page(const struct linux_load_args *a, const struct plan *p)
{
    uint8_t *zp = a->ram + LINUX_ZERO_PAGE;
    fill(zp, 0, PAGE);
    copy(zp + HDR_SETUP_SECTS, a->image + HDR_SETUP_SECTS, p->hdr_end - HDR_SETUP_SECTS);
    zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    zp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    wr16(zp + HDR_HEAP_END_PTR, HEAP_END - 0x200);
    wr32(zp + HDR_CODE32_START, p->load);
    wr32(zp + HDR_RAMDISK_IMAGE, p->initrd);
    wr32(zp + HDR_RAMDISK_SIZE, (uint32_t)a->initrd_size);
    wr32(zp + HDR_CMD_LINE_PTR, LINUX_CMDLINE);
    /* RAM below the EBDA, the EBDA/VGA/BIOS hole, RAM from 1 MiB to the end. */
    uint8_t *e = zp + BP_E820_TABLE;
    write_e820(e, 0, LINUX_EBDA, E820_RAM);
    write_e820(e + E820_ENTRY, LINUX_EBDA, LINUX_HIGH - LINUX_EBDA, E820_RESERVED);
    write_e820(e + 2 * E820_ENTRY, LINUX_HIGH, a->ram_size - LINUX_HIGH, E820_RAM);
    zp[BP_E820_ENTRIES] = 3;
}

/* Flat 4 GiB code and data at __BOOT_CS and __BOOT_DS, as boot.rst asks. */
static void write_gdt(uint8_t *ram)
{
    uint8_t *g = ram + LINUX_GDT;
    fill(g, 0, GDT_ENTRIES * 8);
    wr64(g + LINUX_BOOT_CS, 0x00cf9b000000ffffull);     /* G D P S type 0xb */
    wr64(g + LINUX_BOOT_DS, 0x00cf93000000ffffull);     /* G B P S type 0x3 */
}

static void boot_state(const struct linux_load_args *a, const struct plan *p,
                       struct linux_boot *b)
{
    const struct linux_segment code = { LINUX_BOOT_CS, 0, 0xffffffffu, 0xc09b };
    const struct linux_segment data = { LINUX_BOOT_DS, 0, 0xffffffffu, 0xc093 };
    *b = (struct linux_boot){
        .eip = p->load, .esi = LINUX_ZERO_PAGE, .eflags = 0x2,
        .cr0 = 0x11,    /* PE, and ET as every CPU since the i486 keeps it */
        .cs = code, .ds = data, .es = data, .ss = data, .fs = data, .gs = data,
        .gdt_base = LINUX_GDT, .gdt_limit = GDT_ENTRIES * 8 - 1,
        .protocol = p->protocol, .xloadflags = p->xloadflags,
        .kernel_gpa = p->load, .kernel_size = p->pm_size, .init_size = p->init_size,
        .initrd_gpa = p->initrd, .initrd_size = (uint32_t)a->initrd_size,
        .zero_page = LINUX_ZERO_PAGE, .cmdline_gpa = LINUX_CMDLINE,
        .cmdline_len = (uint32_t)p->cmdline_len, .e820_entries = 3,
    };
}

enum linux_status linux_load(const struct linux_load_args *a, struct linux_boot *boot)
{
    struct plan p = { 0 };
    enum linux_status st;
    if (!a || !boot || !a->image || !a->ram || (a->initrd_size && !a->initrd))
        return LINUX_ERR_ARGS;
    if (a->ram_size < LINUX_RAM_MIN || a->ram_size > LINUX_RAM_MAX)
        return LINUX_ERR_RAM_SIZE;
    if ((st = plan_layout(a, &p)) != LINUX_OK)
        return st;

    copy(a->ram + p.load, a->image + p.setup_size, p.pm_size);
    write_zero_page(a, &p);
    write_gdt(a->ram);
    if (p.cmdline_len)
        copy(a->ram + LINUX_CMDLINE, (const uint8_t *)a->cmdline, p.cmdline_len);
    a->ram[LINUX_CMDLINE + p.cmdline_len] = 0;
    if (a->initrd_size)
        copy(a->ram + p.initrd, a->initrd, a->initrd_size);
    boot_state(a, &p, boot);
    return LINUX_OK;
}
