/* SPDX-License-Identifier: MIT */
/* Vireo: static ELF64 executable parser (System V gABI ch. 4-5, ELF-64 Object File Format 1.5). */
#include "elf.h"
#include "lib.h"
#include "printf.h"

#define ELF_PAGE 4096u          /* the loader maps 4 KiB pages, whatever p_align says */

/* ELF-64 Object File Format, "File header" and "Program header table": the values read. */
enum { EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, ELFCLASS64 = 2, ELFDATA2LSB = 1 };
enum { EV_CURRENT = 1, ET_EXEC = 2, EM_X86_64 = 62, PT_LOAD = 1, PT_INTERP = 3 };

struct elf64_ehdr {
    uint8_t e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64 && sizeof(struct elf64_phdr) == 56, "ELF-64");

/* Each rule names the first thing wrong; bounds subtract rather than add, so none wraps. */
static const char *check_header(const struct elf64_ehdr *h, size_t size)
{
    return size < sizeof(*h) ? "ELF: image smaller than the ELF header"
        : memcmp(h->e_ident, "\x7f" "ELF", 4) != 0 ? "ELF: bad magic"
        : h->e_ident[EI_CLASS] != ELFCLASS64 ? "ELF: not ELFCLASS64"
        : h->e_ident[EI_DATA] != ELFDATA2LSB ? "ELF: not little-endian (ELFDATA2LSB)"
        : h->e_ident[EI_VERSION] != EV_CURRENT || h->e_version != EV_CURRENT ? "ELF: bad version"
        : h->e_type != ET_EXEC ? "ELF: not a static executable (ET_EXEC)"
        : h->e_machine != EM_X86_64 ? "ELF: not for x86-64 (EM_X86_64)"
        : h->e_phentsize != sizeof(struct elf64_phdr) ? "ELF: e_phentsize is not 56"
        /* e_phnum * 56 < 2^22 cannot overflow. */
        : h->e_phoff > size || size - h->e_phoff < h->e_phnum * sizeof(struct elf64_phdr)
            ? "ELF: program header table past the end of the image" : NULL;
}

/* For PT_LOAD number n after prev (or a PT_INTERP): a phrase completing "ELF: program header I". */
static const char *check_phdr(const struct elf64_phdr *p, unsigned n,
                              const struct elf_segment *prev, size_t size, uint64_t user_limit)
{
    return p->p_type == PT_INTERP ? "asks for a dynamic linker (PT_INTERP)"
        : n == ELF_MAX_LOAD ? "is PT_LOAD number 17 or more"
        /* gABI PT_LOAD: "The file size may not be larger than the memory size." */
        : p->p_filesz > p->p_memsz ? "has p_filesz above p_memsz"
        : p->p_filesz > size || p->p_offset > size - p->p_filesz ? "runs past the end of the image"
        /* Page 0 stays unmapped, so that NULL dereferences fault in the root server too. */
        : p->p_vaddr < ELF_PAGE ? "maps page 0"
        : p->p_memsz > user_limit || p->p_vaddr > user_limit - p->p_memsz ? "ends past user_limit"
        /* gABI "Program Loading": p_vaddr and p_offset are congruent modulo the page size. */
        : (p->p_vaddr - p->p_offset) % ELF_PAGE != 0 ? "has p_vaddr - p_offset not 4 KiB-aligned"
        : (p->p_flags & ELF_PF_W) && (p->p_flags & ELF_PF_X) ? "is writable and executable"
        /* gABI PT_LOAD: "ascending order, sorted on the p_vaddr member"; and since a page has
         * one set of permissions (W^X), no page may hold bytes of two segments. */
        : prev && p->p_vaddr / ELF_PAGE <= (prev->vaddr + prev->memsz - 1) / ELF_PAGE
            ? "shares a page with or lies below the previous PT_LOAD" : NULL;
}

/* Boot-time and single-threaded, like mb2.c: one buffer for a message with an index. */
static char msg[96];

const char *elf_load(const void *image, size_t size, uint64_t user_limit, elf_segment_fn fn,
                     void *ctx, uint64_t *entry)
{
    struct elf_segment segs[ELF_MAX_LOAD];
    struct elf64_ehdr h = { 0 };
    unsigned n = 0;
    bool entry_ok = false;

    memcpy(&h, image, MIN(size, sizeof(h)));
    const char *err = check_header(&h, size);
    if (err)
        return err;
    for (unsigned i = 0; i < h.e_phnum; i++) {
        struct elf64_phdr p;
        memcpy(&p, (const uint8_t *)image + h.e_phoff + i * sizeof(p), sizeof(p));
        /* gABI: PT_GNU_STACK, PT_NOTE, PT_TLS ... and an empty PT_LOAD need no mapping. */
        if ((p.p_type != PT_LOAD && p.p_type != PT_INTERP) || (p.p_type == PT_LOAD && !p.p_memsz))
            continue;
        if ((err = check_phdr(&p, n, n ? &segs[n - 1] : NULL, size, user_limit)) != NULL) {
            ksnprintf(msg, sizeof(msg), "ELF: program header %u %s", i, err);
            return msg;
        }
        entry_ok |= (p.p_flags & ELF_PF_X) && h.e_entry - p.p_vaddr < p.p_memsz;
        segs[n++] = (struct elf_segment){ p.p_vaddr, p.p_memsz, p.p_offset, p.p_filesz,
                                          p.p_flags & (ELF_PF_X | ELF_PF_W | ELF_PF_R) };
    }
    if (!entry_ok)
        return n ? "ELF: e_entry is not in an executable PT_LOAD" : "ELF: no PT_LOAD segment";
    for (unsigned i = 0; i < n; i++)
        if (fn && fn(ctx, &segs[i]) != 0)
            return "ELF: a PT_LOAD segment was rejected by the loader";
    *entry = h.e_entry;
    return NULL;
}
