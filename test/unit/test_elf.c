/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the root server's ELF64 parser (hypervisor/elf.c) on built images. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "elf.h"

/*
 * The valid image: ELF header, four program headers (text PT_LOAD, PT_NOTE, data
 * PT_LOAD, PT_GNU_STACK), text at file offset 0 (it covers the headers, as ld does),
 * data at 0x2000 with 0x80 file bytes and bss up to 0x3000.
 */
#define IMG_SIZE 0x2080u
#define EH_SIZE 64u
#define PH_SIZE 56u
#define PH_OFF EH_SIZE
#define PH_NUM 4u
#define TEXT_VA 0x400000ull
#define TEXT_SZ 0x1100ull
#define DATA_OFF 0x2000ull
#define DATA_VA 0x402000ull
#define DATA_FILESZ 0x80ull
#define DATA_MEMSZ 0x3000ull
#define ENTRY (TEXT_VA + 0x200)
#define USER_LIMIT 0x800000000000ull
#define NO_ENTRY 0xdeadbeefull

/* gABI values, spelled out here so the test does not share the parser's constants. */
#define PT_NULL 0u
#define PT_LOAD 1u
#define PT_INTERP 3u
#define PT_NOTE 4u
#define PT_GNU_STACK 0x6474e551u
#define PF_RX (ELF_PF_R | ELF_PF_X)
#define PF_RW (ELF_PF_R | ELF_PF_W)

/* Offsets into Elf64_Ehdr and Elf64_Phdr (ELF-64 Object File Format, figures 2 and 6). */
enum { EH_TYPE = 16, EH_MACHINE = 18, EH_VERSION = 20, EH_ENTRY = 24, EH_PHOFF = 32,
       EH_EHSIZE = 52, EH_PHENTSIZE = 54, EH_PHNUM = 56 };
enum { P_TYPE = 0, P_FLAGS = 4, P_OFFSET = 8, P_VADDR = 16, P_FILESZ = 32, P_MEMSZ = 40,
       P_ALIGN = 48 };

/* One byte into an aligned array, so that every header in every test sits misaligned; room
   for tests that claim a longer image and for an aligned copy at storage + 0x3000. */
static _Alignas(4096) uint8_t storage[0x6000];
static uint8_t *const img = storage + 1;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }
static uint8_t *ph(unsigned i) { return img + PH_OFF + i * PH_SIZE; }

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
                     uint64_t filesz, uint64_t memsz)
{
    put32(ph(i) + P_TYPE, type);
    put32(ph(i) + P_FLAGS, flags);
    put64(ph(i) + P_OFFSET, off);
    put64(ph(i) + P_VADDR, va);
    put64(ph(i) + 24, va);                          /* p_paddr */
    put64(ph(i) + P_FILESZ, filesz);
    put64(ph(i) + P_MEMSZ, memsz);
    put64(ph(i) + P_ALIGN, 0x1000);
}

static void build_header(uint16_t phnum, uint64_t entry)
{
    memset(storage, 0, sizeof(storage));
    memcpy(img, "\x7f" "ELF\x02\x01\x01", 7);    /* ELFCLASS64, ELFDATA2LSB, EV_CURRENT */
    put16(img + EH_TYPE, 2);                        /* ET_EXEC */
    put16(img + EH_MACHINE, 62);                    /* EM_X86_64 */
    put32(img + EH_VERSION, 1);
    put64(img + EH_ENTRY, entry);
    put64(img + EH_PHOFF, PH_OFF);
    put16(img + EH_EHSIZE, EH_SIZE);
    put16(img + EH_PHENTSIZE, PH_SIZE);
    put16(img + EH_PHNUM, phnum);
}

static void build_valid(void)
{
    build_header(PH_NUM, ENTRY);
    set_phdr(0, PT_LOAD, PF_RX, 0, TEXT_VA, TEXT_SZ, TEXT_SZ);
    set_phdr(1, PT_NOTE, ELF_PF_R, 0x200, TEXT_VA + 0x200, 0x20, 0x20);
    set_phdr(2, PT_LOAD, PF_RW, DATA_OFF, DATA_VA, DATA_FILESZ, DATA_MEMSZ);
    set_phdr(3, PT_GNU_STACK, PF_RW, 0, 0, 0, 0);
    memset(img + 0x200, 0xcc, TEXT_SZ - 0x200);     /* int3 "code" after the headers */
    memset(img + DATA_OFF, 0x5a, DATA_FILESZ);
}

/* The segments fn saw; reject_at makes call number reject_at (from 1) fail. */
struct rec {
    unsigned calls, reject_at;
    struct elf_segment seg[32];
};

static int record(void *ctx, const struct elf_segment *seg)
{
    struct rec *r = ctx;

    if (r->calls < 32)
        r->seg[r->calls] = *seg;
    return ++r->calls == r->reject_at ? -7 : 0;
}

static const char *load(size_t size, uint64_t limit, struct rec *r, uint64_t *entry)
{
    *r = (struct rec){ 0 };
    *entry = NO_ENTRY;
    return elf_load(img, size, limit, record, r, entry);
}

/* The image must be refused with a message containing `needle`, and fn never called. */
static void bad_at(size_t size, uint64_t limit, const char *needle, int line)
{
    struct rec r;
    uint64_t entry;
    const char *err = load(size, limit, &r, &entry);

    if (!err || !strstr(err, needle) || r.calls || entry != NO_ENTRY)
        fail_msg("line %d: got \"%s\" with %u calls, wanted \"%s\" and none", line,
                 err ? err : "(success)", r.calls, needle);
}
#define BAD(needle) bad_at(IMG_SIZE, USER_LIMIT, (needle), __LINE__)
#define BAD_SIZE(size, needle) bad_at((size), USER_LIMIT, (needle), __LINE__)
#define BAD_LIMIT(limit, needle) bad_at(IMG_SIZE, (limit), (needle), __LINE__)

static void good_at(size_t size, uint64_t limit, unsigned segments, int line)
{
    struct rec r;
    uint64_t entry;
    const char *err = load(size, limit, &r, &entry);

    if (err || r.calls != segments || entry == NO_ENTRY)
        fail_msg("line %d: got \"%s\" with %u calls, wanted success and %u", line,
                 err ? err : "(success)", r.calls, segments);
}
#define GOOD() good_at(IMG_SIZE, USER_LIMIT, 2, __LINE__)

static void elf0001_valid_two_segments(void **state)
{
    (void)state;
    struct rec r;
    uint64_t entry;

    build_valid();
    assert_null(load(IMG_SIZE, USER_LIMIT, &r, &entry));
    assert_int_equal(entry, ENTRY);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.seg[0].vaddr, TEXT_VA);
    assert_int_equal(r.seg[0].memsz, TEXT_SZ);
    assert_int_equal(r.seg[0].offset, 0);
    assert_int_equal(r.seg[0].filesz, TEXT_SZ);
    assert_int_equal(r.seg[0].flags, PF_RX);
    assert_int_equal(r.seg[1].vaddr, DATA_VA);
    assert_int_equal(r.seg[1].memsz, DATA_MEMSZ);
    assert_int_equal(r.seg[1].offset, DATA_OFF);
    assert_int_equal(r.seg[1].filesz, DATA_FILESZ);
    assert_int_equal(r.seg[1].flags, PF_RW);
}

static void elf0002_validate_only_and_alignment(void **state)
{
    (void)state;
    uint64_t entry = 0;

    build_valid();
    assert_null(elf_load(img, IMG_SIZE, USER_LIMIT, NULL, NULL, &entry));
    assert_int_equal(entry, ENTRY);
    /* The same image at a page-aligned address. */
    memmove(storage + 0x3000, img, IMG_SIZE);
    entry = 0;
    assert_null(elf_load(storage + 0x3000, IMG_SIZE, USER_LIMIT, NULL, NULL, &entry));
    assert_int_equal(entry, ENTRY);
    /* Trailing bytes past the last segment's file bytes are allowed. */
    good_at(IMG_SIZE + 100, USER_LIMIT, 2, __LINE__);
}

static void elf0003_truncated(void **state)
{
    (void)state;
    build_valid();
    for (size_t size = 0; size < EH_SIZE; size++)
        BAD_SIZE(size, "smaller than the ELF header");
    BAD_SIZE(EH_SIZE, "program header table past the end");
    BAD_SIZE(PH_OFF + PH_NUM * PH_SIZE - 1, "program header table past the end");
    BAD_SIZE(PH_OFF + PH_NUM * PH_SIZE, "program header 0 runs past the end");
    BAD_SIZE(TEXT_SZ - 1, "program header 0 runs past the end");
    BAD_SIZE(IMG_SIZE - 1, "program header 2 runs past the end");
}

static void elf0004_identification(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 4; i++) {
        build_valid();
        img[i] ^= 0x20;
        BAD("bad magic");
    }
    static const struct { unsigned index; uint8_t value; const char *needle; } ident[] = {
        { 4, 0, "ELFCLASS64" }, { 4, 1, "ELFCLASS64" }, { 4, 3, "ELFCLASS64" },
        { 5, 0, "little-endian" }, { 5, 2, "little-endian" }, { 6, 0, "version" },
        { 6, 2, "version" },
    };
    for (size_t i = 0; i < sizeof(ident) / sizeof(ident[0]); i++) {
        build_valid();
        img[ident[i].index] = ident[i].value;
        BAD(ident[i].needle);
    }
    build_valid();
    put32(img + EH_VERSION, 0);
    BAD("version");
    put32(img + EH_VERSION, 2);
    BAD("version");
    /* EI_OSABI, EI_ABIVERSION and the padding are not checked: GNU ld writes 3 for ifuncs. */
    build_valid();
    memset(img + 7, 0xff, 9);
    GOOD();
}

static void elf0005_type_and_machine(void **state)
{
    (void)state;
    static const uint16_t types[] = { 0, 1, 3, 4, 0xfe00, 0xffff };    /* NONE REL DYN CORE ... */
    static const uint16_t machines[] = { 0, 3, 40, 62 << 8, 183, 243 }; /* 386 ARM AARCH64 RISCV */

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        build_valid();
        put16(img + EH_TYPE, types[i]);
        BAD("ET_EXEC");
    }
    for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
        build_valid();
        put16(img + EH_MACHINE, machines[i]);
        BAD("x86-64");
    }
}

static void elf0006_phentsize(void **state)
{
    (void)state;
    static const uint16_t sizes[] = { 0, 32, 55, 57, 64, 0xffff };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        build_valid();
        put16(img + EH_PHENTSIZE, sizes[i]);
        BAD("e_phentsize");
    }
}

static void elf0007_phdr_table_bounds(void **state)
{
    (void)state;
    static const uint64_t offs[] = { IMG_SIZE, IMG_SIZE - PH_NUM * PH_SIZE + 1, 1ull << 32,
                                     UINT64_MAX, UINT64_MAX - PH_SIZE + 1, UINT64_MAX - IMG_SIZE };

    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        build_valid();
        put64(img + EH_PHOFF, offs[i]);
        BAD("program header table past the end");
    }
    /* The last place the table fits (over the data bytes), and one inside the text. */
    build_valid();
    memmove(img + IMG_SIZE - PH_NUM * PH_SIZE, ph(0), PH_NUM * PH_SIZE);
    put64(img + EH_PHOFF, IMG_SIZE - PH_NUM * PH_SIZE);
    GOOD();
    build_valid();
    memmove(img + 0x1000, ph(0), PH_NUM * PH_SIZE);
    put64(img + EH_PHOFF, 0x1000);
    GOOD();
    /* Huge e_phnum; one more than fit; the most that fit (over zeroed bytes: PT_NULL). */
    static const uint16_t nums[] = { 0xffff, 0x8000, (IMG_SIZE - PH_OFF) / PH_SIZE + 1 };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        build_valid();
        put16(img + EH_PHNUM, nums[i]);
        BAD("program header table past the end");
    }
    build_valid();
    memset(img + 0x200, 0, TEXT_SZ - 0x200);
    memset(img + DATA_OFF, 0, DATA_FILESZ);
    put16(img + EH_PHNUM, (IMG_SIZE - PH_OFF) / PH_SIZE);
    GOOD();
}

static void elf0008_no_load(void **state)
{
    (void)state;
    build_valid();
    put16(img + EH_PHNUM, 0);
    BAD("no PT_LOAD");
    build_valid();
    put32(ph(0) + P_TYPE, PT_NOTE);
    put32(ph(2) + P_TYPE, PT_NULL);
    BAD("no PT_LOAD");
    build_valid();
    put16(img + EH_PHNUM, 1);                       /* the text segment alone will do */
    good_at(IMG_SIZE, USER_LIMIT, 1, __LINE__);
}

/* n one-page PT_LOADs, each followed by `gaps` ignored headers; the first holds e_entry. */
static void build_many(unsigned n, unsigned gaps)
{
    build_header((uint16_t)(n * (1 + gaps)), TEXT_VA);
    for (unsigned i = 0; i < n; i++) {
        set_phdr(i * (1 + gaps), PT_LOAD, i ? ELF_PF_R : PF_RX, 0, TEXT_VA + i * 0x1000ull,
                 0, 0x1000);
        for (unsigned g = 1; g <= gaps; g++)
            set_phdr(i * (1 + gaps) + g, PT_GNU_STACK, PF_RW, 0, 0, 0, 0);
    }
}

static void elf0009_load_count_limit(void **state)
{
    (void)state;
    struct rec r;
    uint64_t entry;

    build_many(ELF_MAX_LOAD, 2);
    assert_null(load(IMG_SIZE, USER_LIMIT, &r, &entry));
    assert_int_equal(r.calls, ELF_MAX_LOAD);
    for (unsigned i = 0; i < ELF_MAX_LOAD; i++)
        assert_int_equal(r.seg[i].vaddr, TEXT_VA + i * 0x1000ull);  /* in file order */
    build_many(ELF_MAX_LOAD + 1, 0);
    BAD("program header 16 is PT_LOAD number 17");
    build_many(ELF_MAX_LOAD + 1, 2);
    BAD("program header 48 is PT_LOAD number 17");
}

static void elf0010_filesz_above_memsz(void **state)
{
    (void)state;
    build_valid();
    put64(ph(2) + P_FILESZ, DATA_MEMSZ + 1);
    BAD("program header 2 has p_filesz above p_memsz");
    build_valid();
    put64(ph(0) + P_MEMSZ, TEXT_SZ - 1);
    BAD("program header 0 has p_filesz above p_memsz");
    build_valid();
    put64(ph(2) + P_FILESZ, DATA_MEMSZ);            /* filesz == memsz: fine if in the file */
    BAD("program header 2 runs past the end");
    good_at(DATA_OFF + DATA_MEMSZ, USER_LIMIT, 2, __LINE__);
}

static void elf0011_file_range(void **state)
{
    (void)state;
    static const struct { uint64_t off, filesz, memsz; } cases[] = {
        { DATA_OFF, DATA_FILESZ + 1, DATA_MEMSZ },          /* one byte past the end */
        { DATA_OFF + 0x1000, 1, DATA_MEMSZ },               /* offset past the end */
        { 1ull << 32, 0, DATA_MEMSZ },
        { UINT64_MAX - 0xfff, DATA_FILESZ, DATA_MEMSZ },    /* offset + filesz wraps */
        { UINT64_MAX - 0xfff, 0x1000, DATA_MEMSZ },         /* ... to exactly 0 */
        { DATA_OFF, UINT64_MAX, UINT64_MAX },
        { DATA_OFF, UINT64_MAX - DATA_OFF + 1, UINT64_MAX },  /* sum is 2^64 */
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        build_valid();
        put64(ph(2) + P_OFFSET, cases[i].off);
        put64(ph(2) + P_FILESZ, cases[i].filesz);
        put64(ph(2) + P_MEMSZ, cases[i].memsz);
        BAD("program header 2 runs past the end");
    }
    /* No file bytes at all, with the offset exactly at the end. */
    build_valid();
    put64(ph(2) + P_OFFSET, IMG_SIZE);
    put64(ph(2) + P_VADDR, DATA_VA + (IMG_SIZE & 0xfff));
    put64(ph(2) + P_FILESZ, 0);
    GOOD();
}

static void elf0012_empty_segment(void **state)
{
    (void)state;
    build_valid();
    put64(ph(2) + P_FILESZ, 0);
    put64(ph(2) + P_MEMSZ, 0);
    good_at(IMG_SIZE, USER_LIMIT, 1, __LINE__);     /* skipped, as linkers emit them */
}

static void elf0013_user_limit(void **state)
{
    (void)state;
    build_valid();
    good_at(IMG_SIZE, DATA_VA + DATA_MEMSZ, 2, __LINE__);     /* limit is exclusive */
    good_at(IMG_SIZE, UINT64_MAX, 2, __LINE__);
    BAD_LIMIT(DATA_VA + DATA_MEMSZ - 1, "program header 2 ends past user_limit");
    BAD_LIMIT(DATA_VA, "program header 2 ends past user_limit");
    BAD_LIMIT(TEXT_VA, "program header 0 ends past user_limit");
    BAD_LIMIT(0, "program header 0 ends past user_limit");
    put64(ph(2) + P_VADDR, USER_LIMIT);
    BAD("program header 2 ends past user_limit");
    put64(ph(2) + P_VADDR, UINT64_MAX - 0xfff);   /* wraps past 2^64 */
    bad_at(IMG_SIZE, UINT64_MAX, "program header 2 ends past user_limit", __LINE__);
    put64(ph(2) + P_VADDR, UINT64_MAX - DATA_MEMSZ + 1);   /* end is exactly 2^64 */
    bad_at(IMG_SIZE, UINT64_MAX, "program header 2 ends past user_limit", __LINE__);
    build_valid();
    put64(ph(2) + P_MEMSZ, UINT64_MAX);
    bad_at(IMG_SIZE, UINT64_MAX, "program header 2 ends past user_limit", __LINE__);
    put64(ph(2) + P_MEMSZ, UINT64_MAX - DATA_VA + 1);           /* end is exactly 2^64 */
    bad_at(IMG_SIZE, UINT64_MAX, "program header 2 ends past user_limit", __LINE__);
}

static void elf0014_page_zero(void **state)
{
    (void)state;
    build_valid();
    put64(ph(0) + P_VADDR, 0);
    put64(img + EH_ENTRY, 0x200);
    BAD("program header 0 maps page 0");
    put64(ph(0) + P_OFFSET, 0xff0);
    put64(ph(0) + P_VADDR, 0xff0);
    put64(ph(0) + P_FILESZ, 0x10);
    put64(ph(0) + P_MEMSZ, 0x10);
    BAD("program header 0 maps page 0");
    build_valid();                                  /* the first page above is fine */
    put64(ph(0) + P_VADDR, 0x1000);
    put64(img + EH_ENTRY, 0x1200);
    GOOD();
}

static void elf0015_congruence(void **state)
{
    (void)state;
    build_valid();
    put64(ph(0) + P_VADDR, TEXT_VA + 0x10);
    put64(img + EH_ENTRY, ENTRY + 0x10);
    BAD("program header 0 has p_vaddr - p_offset not 4 KiB-aligned");
    build_valid();
    put64(ph(2) + P_VADDR, DATA_VA + 0x800);
    BAD("program header 2 has p_vaddr - p_offset not 4 KiB-aligned");
    build_valid();
    put64(ph(2) + P_OFFSET, DATA_OFF + 1);
    put64(ph(2) + P_FILESZ, DATA_FILESZ - 1);
    BAD("program header 2 has p_vaddr - p_offset not 4 KiB-aligned");

    /* Neither page-aligned, but congruent: passed on unchanged. */
    struct rec r;
    uint64_t entry;
    build_valid();
    put64(ph(2) + P_OFFSET, DATA_OFF + 0x10);
    put64(ph(2) + P_VADDR, DATA_VA + 0x10);
    put64(ph(2) + P_FILESZ, DATA_FILESZ - 0x10);
    assert_null(load(IMG_SIZE, USER_LIMIT, &r, &entry));
    assert_int_equal(r.seg[1].vaddr, DATA_VA + 0x10);
    assert_int_equal(r.seg[1].offset, DATA_OFF + 0x10);
    assert_int_equal(r.seg[1].filesz, DATA_FILESZ - 0x10);
}

static void elf0016_page_overlap(void **state)
{
    (void)state;
    /* Data starting in the page where text ends (0x401000..0x4010ff). */
    build_valid();
    put64(ph(2) + P_VADDR, TEXT_VA + 0x1000);
    BAD("program header 2 shares a page");
    put64(ph(2) + P_VADDR, TEXT_VA);                /* the same address */
    BAD("program header 2 shares a page");
    put64(ph(2) + P_VADDR, TEXT_VA - 0x100000);     /* below: not ascending */
    BAD("program header 2 shares a page with or lies below");
    /* Text ending exactly on a page boundary leaves the next page free ... */
    put64(ph(0) + P_MEMSZ, 0x1000);
    put64(ph(0) + P_FILESZ, 0x1000);
    put64(ph(2) + P_VADDR, TEXT_VA + 0x1000);
    GOOD();
    /* ... but one more byte of bss takes it. */
    put64(ph(0) + P_MEMSZ, 0x1001);
    BAD("program header 2 shares a page");
    /* Two PT_LOADs with an ignored header between, out of order. */
    build_valid();
    put64(ph(0) + P_VADDR, DATA_VA + 0x10000);
    put64(img + EH_ENTRY, DATA_VA + 0x10000 + 0x200);
    BAD("program header 2 shares a page with or lies below");
}

static void elf0017_write_xor_execute(void **state)
{
    (void)state;
    build_valid();
    put32(ph(2) + P_FLAGS, ELF_PF_R | ELF_PF_W | ELF_PF_X);
    BAD("program header 2 is writable and executable");
    build_valid();
    put32(ph(0) + P_FLAGS, ELF_PF_W | ELF_PF_X);
    BAD("program header 0 is writable and executable");
    /* PF_MASKOS and PF_MASKPROC bits are dropped, not passed on. */
    struct rec r;
    uint64_t entry;
    build_valid();
    put32(ph(0) + P_FLAGS, 0xfff00000u | PF_RX);
    assert_null(load(IMG_SIZE, USER_LIMIT, &r, &entry));
    assert_int_equal(r.seg[0].flags, PF_RX);
}

static void elf0018_entry(void **state)
{
    (void)state;
    static const uint64_t bad[] = { 0, TEXT_VA - 1, TEXT_VA + TEXT_SZ, DATA_VA,
                                    DATA_VA + DATA_MEMSZ - 1, UINT64_MAX };
    static const uint64_t good[] = { TEXT_VA, TEXT_VA + TEXT_SZ - 1 };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build_valid();
        put64(img + EH_ENTRY, bad[i]);
        BAD("e_entry is not in an executable PT_LOAD");
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        build_valid();
        put64(img + EH_ENTRY, good[i]);
        GOOD();
    }
    /* Text made read-only: no executable segment at all. */
    build_valid();
    put32(ph(0) + P_FLAGS, ELF_PF_R);
    BAD("e_entry is not in an executable PT_LOAD");
}

static void elf0019_interp_refused(void **state)
{
    (void)state;
    build_valid();
    put32(ph(1) + P_TYPE, PT_INTERP);
    BAD("program header 1 asks for a dynamic linker");
}

static void elf0020_callback_rejection(void **state)
{
    (void)state;
    struct rec r;
    uint64_t entry;

    build_valid();
    for (unsigned at = 1; at <= 2; at++) {
        r = (struct rec){ .reject_at = at };
        entry = NO_ENTRY;
        const char *err = elf_load(img, IMG_SIZE, USER_LIMIT, record, &r, &entry);
        assert_non_null(err);
        assert_non_null(strstr(err, "rejected by the loader"));
        assert_int_equal(r.calls, at);              /* stops at the first refusal */
        assert_int_equal(entry, NO_ENTRY);
    }
}

static void elf0021_no_calls_before_a_late_error(void **state)
{
    (void)state;
    /* The text segment is fine; only the last header is wrong, yet fn sees nothing. */
    build_valid();
    put32(ph(3) + P_TYPE, PT_LOAD);
    put64(ph(3) + P_VADDR, DATA_VA + DATA_MEMSZ - 1);
    put64(ph(3) + P_MEMSZ, 1);
    BAD("program header 3 ");
    build_valid();
    put64(img + EH_ENTRY, DATA_VA);
    BAD("e_entry");
}

/* ---- mutation fuzzing ---- */

static uint64_t rng_state = 0x5eed0e1f0123ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;                   /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

/* What fn was given for an accepted image, checked against the rules independently. */
static void check_accepted(const uint8_t *image, size_t size, uint64_t limit,
                           const struct rec *r, uint64_t entry)
{
    bool entry_found = false;
    unsigned __int128 prev_end = 0;

    assert_memory_equal(image, "\x7f" "ELF\x02\x01\x01", 7);
    assert_true(r->calls >= 1 && r->calls <= ELF_MAX_LOAD);
    assert_int_equal(entry, get64(image + EH_ENTRY));
    for (unsigned i = 0; i < r->calls; i++) {
        const struct elf_segment *s = &r->seg[i];
        unsigned __int128 end = (unsigned __int128)s->vaddr + s->memsz;
        assert_true(s->memsz > 0 && s->filesz <= s->memsz && s->vaddr >= 4096);
        assert_true((unsigned __int128)s->offset + s->filesz <= size);
        assert_true(end <= limit);
        assert_true((s->vaddr - s->offset) % 4096 == 0);
        assert_true((s->flags & ~7u) == 0);
        assert_false((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X));
        assert_true(s->vaddr / 4096 >= (uint64_t)((prev_end + 4095) / 4096));
        prev_end = end;
        entry_found |= (s->flags & ELF_PF_X) && entry >= s->vaddr && entry < end;
    }
    assert_true(entry_found);
}

static void mutate(uint8_t *buf, size_t *size)
{
    static const uint64_t interesting[] = { 0, 1, 0x1000, 0xfff, IMG_SIZE, DATA_VA, USER_LIMIT,
                                            UINT64_MAX, UINT64_MAX - 0xfff, 1ull << 63 };
    unsigned count = 1 + (unsigned)(rng() % 4);

    for (unsigned m = 0; m < count; m++) {
        uint64_t pick = rng();
        /* Mostly the headers, where the rules are; sometimes anywhere. */
        size_t span = pick % 4 ? PH_OFF + PH_NUM * PH_SIZE : IMG_SIZE;
        size_t at = (size_t)((pick >> 8) % span);
        switch ((pick >> 40) % 4) {
        case 0: buf[at] ^= (uint8_t)(1u << ((pick >> 48) % 8)); break;
        case 1: buf[at] = (uint8_t)(pick >> 52); break;
        case 2:                                     /* a whole 64-bit field */
            at = (at & ~7ul) < IMG_SIZE - 8 ? at & ~7ul : IMG_SIZE - 8;
            put64(buf + at, interesting[(pick >> 48) % (sizeof(interesting) / 8)]);
            break;
        default: buf[at] = (uint8_t)(buf[at] + 1); break;
        }
    }
    if (rng() % 8 == 0)
        *size = (size_t)(rng() % (IMG_SIZE + 1));
}

static void elf0022_mutation_fuzz(void **state)
{
    (void)state;
    static const uint64_t limits[] = { USER_LIMIT, DATA_VA + DATA_MEMSZ, UINT64_MAX, TEXT_VA };
    uint8_t *heap = malloc(IMG_SIZE);
    uint8_t valid[IMG_SIZE];
    unsigned accepted = 0, refused = 0;

    assert_non_null(heap);
    build_valid();
    memcpy(valid, img, IMG_SIZE);
    for (unsigned iter = 0; iter < 100000; iter++) {
        size_t size = IMG_SIZE;
        memcpy(img, valid, IMG_SIZE);
        mutate(img, &size);
        /* At the very end of a heap block: ASan catches any read past `size`. */
        uint8_t *image = heap + IMG_SIZE - size;
        memcpy(image, img, size);
        uint64_t limit = limits[rng() % 4];
        struct rec r = { 0 };
        uint64_t entry = NO_ENTRY;
        const char *err = elf_load(image, size, limit, record, &r, &entry);
        if (err) {
            assert_int_equal(r.calls, 0);
            assert_int_equal(entry, NO_ENTRY);
            assert_true(strncmp(err, "ELF: ", 5) == 0);
            refused++;
        } else {
            check_accepted(image, size, limit, &r, entry);
            accepted++;
        }
    }
    free(heap);
    print_message("fuzz: %u accepted, %u refused\n", accepted, refused);
    assert_true(accepted > 1000 && refused > 1000);
}

/* ---- the real root server, when it has been built ---- */

static void elf0023_real_root_server(void **state)
{
    (void)state;
    /* The build passes the root server's path (and builds it first); the environment
       may name another executable to check. */
    const char *path = getenv("VIREO_ROOT_ELF");
    if (!path)
        path = VIREO_ROOT_ELF_PATH;
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size_t size = (size_t)ftell(f);
    uint8_t *file = malloc(size ? size : 1);
    assert_non_null(file);
    rewind(f);
    assert_int_equal(fread(file, 1, size, f), size);
    fclose(f);

    struct rec r = { 0 };
    uint64_t entry = NO_ENTRY;
    const char *err = elf_load(file, size, USER_LIMIT, record, &r, &entry);
    if (err)
        fail_msg("%s: %s", path, err);
    check_accepted(file, size, USER_LIMIT, &r, entry);
    for (unsigned i = 0; i < r.calls; i++)
        print_message("%s: PT_LOAD vaddr %#llx memsz %#llx offset %#llx filesz %#llx flags %u\n",
                      path, (unsigned long long)r.seg[i].vaddr,
                      (unsigned long long)r.seg[i].memsz, (unsigned long long)r.seg[i].offset,
                      (unsigned long long)r.seg[i].filesz, r.seg[i].flags);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(elf0001_valid_two_segments),
        cmocka_unit_test(elf0002_validate_only_and_alignment),
        cmocka_unit_test(elf0003_truncated),
        cmocka_unit_test(elf0004_identification),
        cmocka_unit_test(elf0005_type_and_machine),
        cmocka_unit_test(elf0006_phentsize),
        cmocka_unit_test(elf0007_phdr_table_bounds),
        cmocka_unit_test(elf0008_no_load),
        cmocka_unit_test(elf0009_load_count_limit),
        cmocka_unit_test(elf0010_filesz_above_memsz),
        cmocka_unit_test(elf0011_file_range),
        cmocka_unit_test(elf0012_empty_segment),
        cmocka_unit_test(elf0013_user_limit),
        cmocka_unit_test(elf0014_page_zero),
        cmocka_unit_test(elf0015_congruence),
        cmocka_unit_test(elf0016_page_overlap),
        cmocka_unit_test(elf0017_write_xor_execute),
        cmocka_unit_test(elf0018_entry),
        cmocka_unit_test(elf0019_interp_refused),
        cmocka_unit_test(elf0020_callback_rejection),
        cmocka_unit_test(elf0021_no_calls_before_a_late_error),
        cmocka_unit_test(elf0022_mutation_fuzz),
        cmocka_unit_test(elf0023_real_root_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
