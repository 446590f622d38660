/* SPDX-License-Identifier: MIT */
/* Vireo VMM: multiboot v1 loader. Everything is checked first (header, ELF, segments,
 * layout), and only then is guest RAM written; a failure leaves RAM untouched. */
#include "mb1.h"

#include <stdbool.h>
#include "bytes.h"

#define PAGE 0x1000ull
#define ELF_EHDR_SIZE 52u
#define ELF_PHDR_SIZE 32u
#define ELF_MAX_PHDRS 64u
#define PT_LOAD 1u
#define MB1_MMAP_ENTRY 24u              /* size field (4) + base (8) + length (8) + type (4) */
#define MB1_MMAP_ENTRIES 3u
#define MB1_MOD_ENTRY 16u

struct seg {
    uint32_t offset, vaddr, paddr, filesz, memsz;
};

struct plan {
    uint32_t nsegs;
    struct seg segs[ELF_MAX_PHDRS];
    uint32_t entry, image_end, flags;
    uint32_t info, mods, mmap, cmdline, mod_cmdline, name, area_end, module, end;
    size_t cmdline_len, mod_cmdline_len;
};

static const char *const messages[MB1_STATUS_COUNT] = {
    [MB1_OK] = "ok",
    [MB1_ERR_ARGS] = "bad arguments (null pointer)",
    [MB1_ERR_RAM_SIZE] = "guest RAM size out of range (2 MiB .. 3 GiB)",
    [MB1_ERR_NO_HEADER] = "no multiboot v1 header in the first 8 KiB",
    [MB1_ERR_CHECKSUM] = "multiboot header checksum is wrong",
    [MB1_ERR_FLAGS] = "multiboot header requires a feature this loader lacks",
    [MB1_ERR_AOUT_KLUDGE] = "a.out kludge (header flags bit 16) not supported: link as ELF",
    [MB1_ERR_ELF_TRUNCATED] = "image shorter than an ELF32 header",
    [MB1_ERR_ELF_MAGIC] = "not an ELF file",
    [MB1_ERR_ELF_CLASS] = "not a 32-bit ELF (ELFCLASS32)",
    [MB1_ERR_ELF_DATA] = "ELF is not little-endian",
    [MB1_ERR_ELF_TYPE] = "ELF is not an executable (ET_EXEC)",
    [MB1_ERR_ELF_MACHINE] = "ELF is not for i386 (EM_386)",
    [MB1_ERR_ELF_PHDRS] = "ELF program headers malformed or outside the file",
    [MB1_ERR_SEG_FILE] = "ELF segment's bytes lie outside the file",
    [MB1_ERR_SEG_SIZE] = "ELF segment has filesz > memsz",
    [MB1_ERR_SEG_OVERFLOW] = "ELF segment wraps past 4 GiB",
    [MB1_ERR_SEG_RAM] = "ELF segment outside guest RAM or in the 640K-1M hole",
    [MB1_ERR_SEG_OVERLAP] = "ELF segments overlap",
    [MB1_ERR_NO_LOAD] = "ELF has no loadable segment",
    [MB1_ERR_ENTRY] = "ELF entry point is in no loadable segment",
    [MB1_ERR_CMDLINE] = "command line longer than 4096 bytes",
    [MB1_ERR_MODULE_SIZE] = "module larger than guest RAM",
    [MB1_ERR_NO_ROOM] = "no room above the image for the boot information and module",
};

const char *mb1_strerror(enum mb1_status status)
{
    if ((unsigned)status >= MB1_STATUS_COUNT)
        return "unknown multiboot loader status";
    return messages[status];
}

static uint64_t align_up(uint64_t v) { return (v + PAGE - 1) & ~(PAGE - 1); }

/* Spec 3.1.1-3.1.2: magic, flags, checksum, 4-byte aligned within the first 8192 bytes. */
static enum mb1_status check_header(const struct mb1_load_args *a, struct plan *p)
{
    size_t limit = a->image_size < MB1_SEARCH_BYTES ? a->image_size : MB1_SEARCH_BYTES;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        const uint8_t *h = a->image + off;
        if (rd32(h) != MB1_HEADER_MAGIC)
            continue;
        uint32_t flags = rd32(h + 4);
        if ((uint32_t)(MB1_HEADER_MAGIC + flags + rd32(h + 8)) != 0)
            return MB1_ERR_CHECKSUM;
        /* Bits 0 (page-aligned modules) and 1 (memory information) are always given. */
        if (flags & 0xfffcu)
            return MB1_ERR_FLAGS;
        if (flags & (1u << 16))
            return MB1_ERR_AOUT_KLUDGE;
        p->flags = flags;
        return MB1_OK;
    }
    return MB1_ERR_NO_HEADER;
}

static enum mb1_status check_ehdr(const struct mb1_load_args *a, uint32_t *phoff, uint32_t *phnum)
{
    const uint8_t *e = a->image;
    if (a->image_size < ELF_EHDR_SIZE)
        return MB1_ERR_ELF_TRUNCATED;
    if (e[0] != 0x7f || e[1] != 'E' || e[2] != 'L' || e[3] != 'F')
        return MB1_ERR_ELF_MAGIC;
    if (e[4] != 1)
        return MB1_ERR_ELF_CLASS;
    if (e[5] != 1)
        return MB1_ERR_ELF_DATA;
    if (rd16(e + 16) != 2)
        return MB1_ERR_ELF_TYPE;
    if (rd16(e + 18) != 3)
        return MB1_ERR_ELF_MACHINE;
    *phoff = rd32(e + 28);
    *phnum = rd16(e + 44);
    uint32_t phentsize = rd16(e + 42);
    if (*phnum == 0 || *phnum > ELF_MAX_PHDRS || phentsize != ELF_PHDR_SIZE)
        return MB1_ERR_ELF_PHDRS;
    if ((uint64_t)*phoff + (uint64_t)*phnum * ELF_PHDR_SIZE > a->image_size)
        return MB1_ERR_ELF_PHDRS;
    return MB1_OK;
}

static bool in_ram(uint64_t start, uint64_t end, uint64_t ram_size)
{
    return end <= ram_size && (end <= MB1_HOLE_START || start >= MB1_HOLE_END);
}

static enum mb1_status check_seg(const struct mb1_load_args *a, const struct seg *s)
{
    if ((uint64_t)s->offset + s->filesz > a->image_size)
        return MB1_ERR_SEG_FILE;
    if (s->filesz > s->memsz)
        return MB1_ERR_SEG_SIZE;
    if ((uint64_t)s->paddr + s->memsz > 0x100000000ull ||
        (uint64_t)s->vaddr + s->memsz > 0x100000000ull)
        return MB1_ERR_SEG_OVERFLOW;
    if (!in_ram(s->paddr, (uint64_t)s->paddr + s->memsz, a->ram_size))
        return MB1_ERR_SEG_RAM;
    return MB1_OK;
}

/* Every PT_LOAD with memory, checked; the entry translated to a physical address. */
static enum mb1_status check_segments(const struct mb1_load_args *a, struct plan *p)
{
    uint32_t phoff, phnum;
    enum mb1_status st = check_ehdr(a, &phoff, &phnum);
    if (st != MB1_OK)
        return st;
    uint32_t entry = rd32(a->image + 24);
    bool entry_found = false;
    p->nsegs = 0;
    p->image_end = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = a->image + phoff + (size_t)i * ELF_PHDR_SIZE;
        struct seg s = { rd32(ph + 4), rd32(ph + 8), rd32(ph + 12), rd32(ph + 16), rd32(ph + 20) };
        if (rd32(ph) != PT_LOAD || s.memsz == 0)
            continue;
        if ((st = check_seg(a, &s)) != MB1_OK)
            return st;
        for (uint32_t j = 0; j < p->nsegs; j++) {
            const struct seg *o = &p->segs[j];
            if (s.paddr < o->paddr + o->memsz && o->paddr < s.paddr + s.memsz)
                return MB1_ERR_SEG_OVERLAP;
        }
        if (!entry_found && entry >= s.vaddr && entry - s.vaddr < s.memsz) {
            p->entry = entry - s.vaddr + s.paddr;
            entry_found = true;
        }
        if (s.paddr + s.memsz > p->image_end)
            p->image_end = s.paddr + s.memsz;
        p->segs[p->nsegs++] = s;
    }
    if (p->nsegs == 0)
        return MB1_ERR_NO_LOAD;
    return entry_found ? MB1_OK : MB1_ERR_ENTRY;
}

/* Above the image (and at least at 1 MiB): info block, module entry, memory map, the
 * strings, then the module on the next page. */
static enum mb1_status plan_layout(const struct mb1_load_args *a, struct plan *p)
{
    const struct mb1_module *m = a->module;
    p->cmdline_len = a->cmdline ? bounded_len(a->cmdline, MB1_CMDLINE_MAX) : 0;
    p->mod_cmdline_len = m && m->cmdline ? bounded_len(m->cmdline, MB1_CMDLINE_MAX) : 0;
    if (p->cmdline_len > MB1_CMDLINE_MAX || p->mod_cmdline_len > MB1_CMDLINE_MAX)
        return MB1_ERR_CMDLINE;
    if (m && m->size > a->ram_size)
        return MB1_ERR_MODULE_SIZE;

    uint64_t at = align_up(p->image_end < MB1_HOLE_END ? MB1_HOLE_END : p->image_end);
    p->info = (uint32_t)at;
    p->mods = p->info + MB1_INFO_SIZE;
    p->mmap = p->mods + MB1_MOD_ENTRY;
    p->cmdline = p->mmap + MB1_MMAP_ENTRIES * MB1_MMAP_ENTRY;
    p->mod_cmdline = p->cmdline + (uint32_t)p->cmdline_len + 1;
    p->name = p->mod_cmdline + (uint32_t)p->mod_cmdline_len + 1;
    uint64_t strings_end = (uint64_t)p->name + sizeof(MB1_LOADER_NAME);
    uint64_t module = align_up(strings_end);
    uint64_t end = module + (m ? m->size : 0);
    if (end > a->ram_size)
        return MB1_ERR_NO_ROOM;
    p->area_end = (uint32_t)strings_end;
    p->module = (uint32_t)module;
    p->end = (uint32_t)end;
    return MB1_OK;
}

static void write_mmap_entry(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
    wr32(e, MB1_MMAP_ENTRY - 4);
    wr64(e + 4, base);
    wr64(e + 12, len);
    wr32(e + 20, type);
}

static void write_info(const struct mb1_load_args *a, const struct plan *p)
{
    uint8_t *ram = a->ram, *info = ram + p->info;
    const struct mb1_module *m = a->module;
    fill(info, 0, p->area_end - p->info);
    uint32_t flags = MB1_INFO_MEM | MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME;
    if (a->cmdline) {
        flags |= MB1_INFO_CMDLINE;
        copy(ram + p->cmdline, (const uint8_t *)a->cmdline, p->cmdline_len);
    }
    wr32(info + 0, flags);
    wr32(info + 4, MB1_HOLE_START / 1024);                          /* mem_lower, KiB */
    wr32(info + 8, (uint32_t)((a->ram_size - MB1_HOLE_END) / 1024)); /* mem_upper, KiB */
    wr32(info + 16, p->cmdline);
    wr32(info + 20, m ? 1 : 0);
    wr32(info + 24, p->mods);
    wr32(info + 44, MB1_MMAP_ENTRIES * MB1_MMAP_ENTRY);
    wr32(info + 48, p->mmap);
    wr32(info + 64, p->name);
    if (m) {
        wr32(ram + p->mods, p->module);
        wr32(ram + p->mods + 4, p->end);
        wr32(ram + p->mods + 8, p->mod_cmdline);
        if (m->cmdline)
            copy(ram + p->mod_cmdline, (const uint8_t *)m->cmdline, p->mod_cmdline_len);
        if (m->size)
            copy(ram + p->module, m->data, m->size);
    }
    write_mmap_entry(ram + p->mmap, 0, MB1_HOLE_START, 1);
    write_mmap_entry(ram + p->mmap + MB1_MMAP_ENTRY, MB1_HOLE_START,
                     MB1_HOLE_END - MB1_HOLE_START, 2);
    write_mmap_entry(ram + p->mmap + 2 * MB1_MMAP_ENTRY, MB1_HOLE_END,
                     a->ram_size - MB1_HOLE_END, 1);
    copy(ram + p->name, (const uint8_t *)MB1_LOADER_NAME, sizeof(MB1_LOADER_NAME));
}

/* Spec 3.2: flat 4 GiB segments, CR0.PE set and PG clear, EFLAGS.IF and VM clear. */
static void boot_state(const struct plan *p, uint32_t module_size, struct mb1_boot *b)
{
    const struct mb1_segment code = { 0x08, 0, 0xffffffffu, 0xc09b };   /* G D P S type 0xb */
    const struct mb1_segment data = { 0x10, 0, 0xffffffffu, 0xc093 };   /* G B P S type 0x3 */
    *b = (struct mb1_boot){
        .eip = p->entry, .eax = MB1_BOOT_MAGIC, .ebx = p->info, .eflags = 0x2,
        .cr0 = 0x11,    /* PE, and ET as every CPU since the i486 keeps it */
        .cs = code, .ds = data, .es = data, .ss = data, .fs = data, .gs = data,
        .info_gpa = p->info, .area_start = p->info, .area_end = p->area_end,
        .module_gpa = module_size ? p->module : 0, .module_size = module_size,
        .image_end = p->image_end,
    };
}

enum mb1_status mb1_load(const struct mb1_load_args *a, struct mb1_boot *boot)
{
    struct plan p = { 0 };
    enum mb1_status st;
    if (!a || !boot || !a->image || !a->ram ||
        (a->module && a->module->size && !a->module->data))
        return MB1_ERR_ARGS;
    if (a->ram_size < MB1_RAM_MIN || a->ram_size > MB1_RAM_MAX)
        return MB1_ERR_RAM_SIZE;
    if ((st = check_header(a, &p)) != MB1_OK || (st = check_segments(a, &p)) != MB1_OK ||
        (st = plan_layout(a, &p)) != MB1_OK)
        return st;

    for (uint32_t i = 0; i < p.nsegs; i++) {
        const struct seg *s = &p.segs[i];
        copy(a->ram + s->paddr, a->image + s->offset, s->filesz);
        fill(a->ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
    }
    write_info(a, &p);
    boot_state(&p, a->module ? (uint32_t)a->module->size : 0, boot);
    return MB1_OK;
}
