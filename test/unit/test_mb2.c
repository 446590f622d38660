/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the multiboot2 boot information parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mb2.h"

#define INFO_PA 0x10000ull
#define BUF_SIZE (64 * 1024)
#define MiB (1u << 20)

enum {
    TAG_END = 0, TAG_CMDLINE = 1, TAG_LOADER = 2, TAG_MODULE = 3, TAG_MEMINFO = 4,
    TAG_BOOTDEV = 5, TAG_MMAP = 6, TAG_FRAMEBUFFER = 8, TAG_RSDP_V1 = 14, TAG_RSDP_V2 = 15,
    TAG_LOAD_BASE = 21,
};

/* A boot information block under construction, laid out as Multiboot2 spec 3.6.2. */
struct mbi {
    _Alignas(8) uint8_t buf[BUF_SIZE];
    uint32_t len;
};

static struct mbi *mbi_new(void)
{
    struct mbi *m = calloc(1, sizeof(*m));

    assert_non_null(m);
    m->len = 8;
    return m;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* Appends a tag header (payload left zero for the caller) and pads to 8 bytes. */
static uint8_t *mbi_tag(struct mbi *m, uint32_t type, uint32_t size)
{
    uint8_t *tag = m->buf + m->len;

    assert_true(m->len + size + 8 <= BUF_SIZE);
    put32(tag, type);
    put32(tag + 4, size);
    m->len = (m->len + size + 7) & ~7u;
    return tag + 8;
}

static uint32_t mbi_end(struct mbi *m)
{
    mbi_tag(m, TAG_END, 8);
    put32(m->buf, m->len);
    return m->len;
}

static void add_string(struct mbi *m, uint32_t type, const char *s)
{
    uint32_t n = (uint32_t)strlen(s) + 1;

    memcpy(mbi_tag(m, type, 8 + n), s, n);
}

static void add_module(struct mbi *m, uint32_t start, uint32_t end, const char *s)
{
    uint32_t n = (uint32_t)strlen(s) + 1;
    uint8_t *p = mbi_tag(m, TAG_MODULE, 16 + n);

    put32(p, start);
    put32(p + 4, end);
    memcpy(p + 8, s, n);
}

struct raw_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

static void add_mmap_ex(struct mbi *m, const struct raw_entry *e, unsigned n,
                        uint32_t entry_size, uint32_t version)
{
    uint8_t *p = mbi_tag(m, TAG_MMAP, 16 + n * entry_size);

    put32(p, entry_size);
    put32(p + 4, version);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *entry = p + 8 + i * entry_size;

        put64(entry, e[i].base);
        put64(entry + 8, e[i].length);
        put32(entry + 16, e[i].type);
        if (entry_size > 24)
            memset(entry + 24, 0xee, entry_size - 24);      /* fields of later versions */
    }
}

static const struct raw_entry qemu_map[] = {
    { 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
    { 0x9fc00, 0x400, MB2_MEM_RESERVED },
    { 0xf0000, 0x10000, MB2_MEM_RESERVED },
    { 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
    { 0x7fe0000, 0x20000, MB2_MEM_ACPI },
    { 0xfffc0000, 0x40000, MB2_MEM_RESERVED },
    { 0x100000000ull, 0x80000000ull, MB2_MEM_AVAILABLE },
};

static void add_mmap(struct mbi *m)
{
    add_mmap_ex(m, qemu_map, sizeof(qemu_map) / sizeof(qemu_map[0]), 24, 0);
}

/* An ACPI RSDP copy whose bytes say which version it is. */
static void add_rsdp(struct mbi *m, uint32_t type, uint32_t len, uint32_t length_field,
                     uint8_t fill)
{
    uint8_t *p = mbi_tag(m, type, 8 + len);

    memset(p, fill, len);
    memcpy(p, "RSD PTR ", 8);
    if (len >= 24)
        put32(p + 20, length_field);
}

/* What GRUB 2 hands over on a BIOS machine, tag for tag in its order. */
static void build_grub_like(struct mbi *m)
{
    add_string(m, TAG_CMDLINE, "console=serial loglevel=3");
    add_string(m, TAG_LOADER, "GRUB 2.06-13+deb12u1");
    add_module(m, 0x200000, 0x2123ab, "root");
    add_module(m, 0x213000, 0x213000, "empty.bin");
    add_module(m, 0x300000, 0x900000, "vmm guest=linux mem=256M");
    put32(mbi_tag(m, TAG_MEMINFO, 16), 639);
    mbi_tag(m, TAG_BOOTDEV, 20);
    add_mmap(m);
    mbi_tag(m, TAG_FRAMEBUFFER, 38);
    add_rsdp(m, TAG_RSDP_V1, 20, 0, 0x11);
    mbi_tag(m, TAG_LOAD_BASE, 12);
    mbi_end(m);
}

static const char *parse(struct mbi *m, struct mb2_info *info)
{
    return mb2_parse(MB2_BOOTLOADER_MAGIC, m->buf, INFO_PA, info);
}

static struct mb2_info info;

static void expect_error(struct mbi *m, const char *needle)
{
    const char *err;

    memset(&info, 0xaa, sizeof(info));
    err = parse(m, &info);
    assert_non_null(err);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    assert_int_equal(strncmp(err, "multiboot2: ", 12), 0);
    /* Nothing half-parsed survives. */
    assert_int_equal(info.mmap_count, 0);
    assert_int_equal(info.module_count, 0);
    assert_int_equal(info.info_end, 0);
    assert_int_equal(info.cmdline[0], 0);
    free(m);
}

static void expect_ok(struct mbi *m)
{
    const char *err;

    memset(&info, 0xaa, sizeof(info));
    err = parse(m, &info);
    if (err)
        fail_msg("unexpected error: %s", err);
}

/* MB20001 a GRUB-like block is parsed completely */
static void test_grub_like(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    build_grub_like(m);
    expect_ok(m);
    assert_int_equal(info.info_start, INFO_PA);
    assert_int_equal(info.info_end, INFO_PA + m->len);
    assert_string_equal(info.cmdline, "console=serial loglevel=3");
    assert_string_equal(info.loader, "GRUB 2.06-13+deb12u1");
    assert_int_equal(info.module_count, 3);
    assert_int_equal(info.modules[0].start, 0x200000);
    assert_int_equal(info.modules[0].end, 0x2123ab);
    assert_string_equal(info.modules[0].cmdline, "root");
    assert_int_equal(info.modules[1].start, info.modules[1].end);
    assert_string_equal(info.modules[2].cmdline, "vmm guest=linux mem=256M");
    assert_int_equal(info.mmap_count, 7);
    for (unsigned i = 0; i < 7; i++) {
        assert_int_equal(info.mmap[i].base, qemu_map[i].base);
        assert_int_equal(info.mmap[i].length, qemu_map[i].length);
        assert_int_equal(info.mmap[i].type, qemu_map[i].type);
    }
    assert_int_equal(info.rsdp_len, 20);
    assert_memory_equal(info.rsdp, "RSD PTR ", 8);
    assert_int_equal(info.rsdp[8], 0x11);
    assert_int_equal(info.rsdp[20], 0);         /* zeroed beyond the copy */
    free(m);
}

/* MB20002 only a memory map: everything else empty */
static void test_minimal(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);
    mbi_end(m);
    expect_ok(m);
    assert_string_equal(info.cmdline, "");
    assert_string_equal(info.loader, "");
    assert_int_equal(info.module_count, 0);
    assert_int_equal(info.rsdp_len, 0);
    assert_int_equal(info.mmap_count, 7);
    free(m);
}

/* MB20003 wrong magic, no block, misaligned block */
static void test_entry_checks(void **unused)
{
    struct mbi *m = mbi_new();
    const char *err;

    (void)unused;
    build_grub_like(m);
    err = mb2_parse(0x2badb002, m->buf, INFO_PA, &info);
    assert_non_null(err);
    assert_non_null(strstr(err, "magic"));
    err = mb2_parse(MB2_BOOTLOADER_MAGIC, NULL, INFO_PA, &info);
    assert_non_null(err);
    assert_non_null(strstr(err, "no boot information"));
    memmove(m->buf + 4, m->buf, m->len);
    err = mb2_parse(MB2_BOOTLOADER_MAGIC, m->buf + 4, INFO_PA + 4, &info);
    assert_non_null(err);
    assert_non_null(strstr(err, "aligned"));
    assert_non_null(mb2_parse(MB2_BOOTLOADER_MAGIC, m->buf, INFO_PA, NULL));
    free(m);
}

/* MB20004 total_size below the fixed part plus end tag, or over 1 MiB */
static void test_total_size_bounds(void **unused)
{
    static const uint32_t bad_small[] = { 0, 8, 15 };
    struct mbi *m;

    (void)unused;
    for (unsigned i = 0; i < 3; i++) {
        m = mbi_new();
        build_grub_like(m);
        put32(m->buf, bad_small[i]);
        expect_error(m, "total_size too small");
    }
    m = mbi_new();
    build_grub_like(m);
    put32(m->buf, MiB + 8);
    expect_error(m, "over 1 MiB");
    m = mbi_new();
    build_grub_like(m);
    put32(m->buf, UINT32_MAX);
    expect_error(m, "over 1 MiB");
}

/* MB20005 a block of exactly 1 MiB is accepted; its physical range may not wrap */
static void test_total_size_limit(void **unused)
{
    uint8_t *buf = aligned_alloc(8, MiB);
    uint8_t *p = buf + 8;

    (void)unused;
    assert_non_null(buf);
    memset(buf, 0, MiB);
    put32(buf, MiB);
    put32(p, TAG_MMAP);                          /* one entry */
    put32(p + 4, 16 + 24);
    put32(p + 8, 24);
    put64(p + 16 + 8, 0x1000);
    put32(p + 16 + 16, MB2_MEM_AVAILABLE);
    p += 40;
    put32(p, 0x1234);                            /* unknown tag filling the rest */
    put32(p + 4, (uint32_t)(buf + MiB - 8 - p));
    put32(buf + MiB - 8, TAG_END);
    put32(buf + MiB - 4, 8);
    assert_null(mb2_parse(MB2_BOOTLOADER_MAGIC, buf, INFO_PA, &info));
    assert_int_equal(info.info_end, INFO_PA + MiB);
    assert_int_equal(info.mmap_count, 1);
    assert_non_null(mb2_parse(MB2_BOOTLOADER_MAGIC, buf, UINT64_MAX - MiB + 1, &info));
    assert_null(mb2_parse(MB2_BOOTLOADER_MAGIC, buf, UINT64_MAX - MiB, &info));
    free(buf);
}

/* MB20006 tag sizes below 8 (0 would loop forever) */
static void test_tag_too_small(void **unused)
{
    static const uint32_t sizes[] = { 0, 4, 7 };

    (void)unused;
    for (unsigned i = 0; i < 3; i++) {
        struct mbi *m = mbi_new();

        add_mmap(m);
        mbi_tag(m, 0x77, 8);
        put32(m->buf + m->len - 4, sizes[i]);
        mbi_end(m);
        expect_error(m, "smaller than its header");
    }
}

/* MB20007 a tag running past total_size is named with its type and offset */
static void test_tag_past_end(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);                                     /* offset 8, 16 + 7 * 24 = 184 bytes */
    add_module(m, 0x1000, 0x2000, "mod");            /* offset 0xc0 */
    mbi_end(m);
    put32(m->buf + 0xc0 + 4, m->len);
    expect_error(m, "multiboot2: tag 3 at offset 0xc0 runs past the end");

    m = mbi_new();
    add_mmap(m);
    mbi_tag(m, 0x99, 8);
    put32(m->buf + m->len - 4, UINT32_MAX);
    mbi_end(m);
    expect_error(m, "runs past the end");
}

/* MB20008 the end tag must exist inside total_size and have size 8 */
static void test_end_tag(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);
    mbi_end(m);
    put32(m->buf, m->len - 8);                   /* end tag cut off */
    expect_error(m, "end tag missing");

    m = mbi_new();
    add_mmap(m);
    put32(m->buf, m->len);                       /* no end tag written at all */
    expect_error(m, "end tag missing");

    m = mbi_new();
    add_mmap(m);
    mbi_tag(m, TAG_END, 16);
    put32(m->buf, m->len);
    expect_error(m, "tag 0 at offset 0xc0 has a bad size");

    m = mbi_new();
    add_mmap(m);
    mbi_end(m);
    put32(m->buf, m->len - 4);                   /* end tag's size field outside */
    expect_error(m, "end tag missing");
}

/* MB20009 tags after the end tag are ignored */
static void test_after_end_ignored(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);
    mbi_tag(m, TAG_END, 8);
    add_string(m, TAG_CMDLINE, "hidden");
    put32(m->buf, m->len);
    expect_ok(m);
    assert_string_equal(info.cmdline, "");
    free(m);
}

/* MB20010 the memory map is required, non-empty and appears once */
static void test_mmap_presence(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_string(m, TAG_CMDLINE, "x");
    mbi_end(m);
    expect_error(m, "memory map tag missing");

    m = mbi_new();
    add_mmap_ex(m, NULL, 0, 24, 0);
    mbi_end(m);
    expect_error(m, "empty memory map");

    m = mbi_new();
    add_mmap(m);
    add_mmap(m);
    mbi_end(m);
    expect_error(m, "appears twice");

    m = mbi_new();
    mbi_tag(m, TAG_MMAP, 12);                    /* shorter than its fixed part */
    mbi_end(m);
    expect_error(m, "too short");
}

/* MB20011 entry_size below 24, not a multiple of 8, or not dividing the tag */
static void test_mmap_entry_size(void **unused)
{
    static const uint32_t bad[] = { 0, 8, 16, 20, 28, 30 };
    struct mbi *m;

    (void)unused;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = mbi_new();
        uint8_t *p = mbi_tag(m, TAG_MMAP, 16 + 2 * 24);

        put32(p, bad[i]);
        mbi_end(m);
        expect_error(m, "bad entry_size");
    }
    m = mbi_new();
    uint8_t *p = mbi_tag(m, TAG_MMAP, 16 + 24 + 8);
    put32(p, 24);
    mbi_end(m);
    expect_error(m, "ends inside an entry");
}

/* MB20012 larger entries of a later entry_version are read by their first 24 bytes */
static void test_mmap_later_version(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap_ex(m, qemu_map, 7, 40, 1);
    mbi_end(m);
    expect_ok(m);
    assert_int_equal(info.mmap_count, 7);
    assert_int_equal(info.mmap[6].base, 0x100000000ull);
    assert_int_equal(info.mmap[6].length, 0x80000000ull);
    assert_int_equal(info.mmap[6].type, MB2_MEM_AVAILABLE);
    free(m);
}

/* MB20013 exactly MB2_MAX_MMAP entries fit, one more is an error */
static void test_mmap_count_limit(void **unused)
{
    static struct raw_entry many[MB2_MAX_MMAP + 1];
    struct mbi *m = mbi_new();

    (void)unused;
    for (unsigned i = 0; i <= MB2_MAX_MMAP; i++)
        many[i] = (struct raw_entry){ i * 0x10000ull, 0x8000, 1 + i % 5 };
    add_mmap_ex(m, many, MB2_MAX_MMAP, 24, 0);
    mbi_end(m);
    expect_ok(m);
    assert_int_equal(info.mmap_count, MB2_MAX_MMAP);
    assert_int_equal(info.mmap[MB2_MAX_MMAP - 1].base, (MB2_MAX_MMAP - 1) * 0x10000ull);
    free(m);

    m = mbi_new();
    add_mmap_ex(m, many, MB2_MAX_MMAP + 1, 24, 0);
    mbi_end(m);
    expect_error(m, "more than 128 memory map entries");
}

/* MB20014 exactly MB2_MAX_MODULES modules fit, one more is an error */
static void test_module_count_limit(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);
    for (unsigned i = 0; i < MB2_MAX_MODULES; i++)
        add_module(m, i * 0x1000, i * 0x1000 + 0x800, "m");
    mbi_end(m);
    expect_ok(m);
    assert_int_equal(info.module_count, MB2_MAX_MODULES);
    assert_int_equal(info.modules[MB2_MAX_MODULES - 1].start, (MB2_MAX_MODULES - 1) * 0x1000);
    free(m);

    m = mbi_new();
    add_mmap(m);
    for (unsigned i = 0; i <= MB2_MAX_MODULES; i++)
        add_module(m, i * 0x1000, i * 0x1000 + 0x800, "m");
    mbi_end(m);
    expect_error(m, "past the limit of 32 modules");
}

/* MB20015 modules: end before start, overlong or unterminated string, too short */
static void test_module_malformed(void **unused)
{
    char longname[MB2_CMDLINE_MAX + 1];
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);
    add_module(m, 0x2000, 0x1fff, "backwards");
    mbi_end(m);
    expect_error(m, "mod_end before mod_start");

    memset(longname, 'x', MB2_CMDLINE_MAX);
    longname[MB2_CMDLINE_MAX] = '\0';
    m = mbi_new();
    add_mmap(m);
    add_module(m, 0x1000, 0x2000, longname);
    mbi_end(m);
    expect_error(m, "256 bytes or more");

    m = mbi_new();
    add_mmap(m);
    uint8_t *p = mbi_tag(m, TAG_MODULE, 16 + 4);
    memcpy(p + 8, "abcd", 4);
    mbi_end(m);
    expect_error(m, "unterminated");

    m = mbi_new();
    add_mmap(m);
    mbi_tag(m, TAG_MODULE, 16);
    mbi_end(m);
    expect_error(m, "too short");
}

/* MB20016 command line: 255 characters fit, 256 do not, no NUL is an error */
static void test_cmdline(void **unused)
{
    char s[MB2_CMDLINE_MAX + 1];
    struct mbi *m = mbi_new();

    (void)unused;
    memset(s, 'c', sizeof(s));
    s[MB2_CMDLINE_MAX - 1] = '\0';
    add_string(m, TAG_CMDLINE, s);
    add_mmap(m);
    mbi_end(m);
    expect_ok(m);
    assert_string_equal(info.cmdline, s);
    free(m);

    s[MB2_CMDLINE_MAX - 1] = 'c';
    s[MB2_CMDLINE_MAX] = '\0';
    m = mbi_new();
    add_string(m, TAG_CMDLINE, s);
    add_mmap(m);
    mbi_end(m);
    expect_error(m, "tag 1 at offset 0x8 has a string of 256 bytes or more");

    m = mbi_new();
    memcpy(mbi_tag(m, TAG_CMDLINE, 8 + 5), "hello", 5);
    add_mmap(m);
    mbi_end(m);
    expect_error(m, "unterminated");

    m = mbi_new();
    mbi_tag(m, TAG_CMDLINE, 8);
    add_mmap(m);
    mbi_end(m);
    expect_error(m, "too short");

    m = mbi_new();
    add_string(m, TAG_CMDLINE, "a");
    add_string(m, TAG_CMDLINE, "b");
    add_mmap(m);
    mbi_end(m);
    expect_error(m, "appears twice");
}

/* MB20017 the loader name alone may be truncated; it still has to be terminated */
static void test_loader_name(void **unused)
{
    char s[200];
    struct mbi *m = mbi_new();

    (void)unused;
    memset(s, 'g', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    add_string(m, TAG_LOADER, s);
    add_mmap(m);
    mbi_end(m);
    expect_ok(m);
    assert_int_equal(strlen(info.loader), sizeof(info.loader) - 1);
    assert_memory_equal(info.loader, s, sizeof(info.loader) - 1);
    free(m);

    m = mbi_new();
    memcpy(mbi_tag(m, TAG_LOADER, 8 + 4), "GRUB", 4);
    add_mmap(m);
    mbi_end(m);
    expect_error(m, "unterminated");
}

/* MB20018 the ACPI 2.0+ RSDP wins over the 1.0 copy in either order */
static void test_rsdp_preference(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);
    add_rsdp(m, TAG_RSDP_V2, 36, 36, 0x22);
    mbi_end(m);
    expect_ok(m);
    assert_int_equal(info.rsdp_len, 36);
    assert_memory_equal(info.rsdp, "RSD PTR ", 8);
    assert_int_equal(info.rsdp[35], 0x22);
    free(m);

    for (int v2_first = 0; v2_first < 2; v2_first++) {
        m = mbi_new();
        add_mmap(m);
        if (v2_first)
            add_rsdp(m, TAG_RSDP_V2, 36, 36, 0x22);
        add_rsdp(m, TAG_RSDP_V1, 20, 0, 0x11);
        if (!v2_first)
            add_rsdp(m, TAG_RSDP_V2, 36, 36, 0x22);
        mbi_end(m);
        expect_ok(m);
        assert_int_equal(info.rsdp_len, 36);
        assert_int_equal(info.rsdp[8], 0x22);
        free(m);
    }
}

/* MB20019 malformed RSDP tags */
static void test_rsdp_malformed(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    add_mmap(m);
    add_rsdp(m, TAG_RSDP_V1, 12, 0, 0x11);
    mbi_end(m);
    expect_error(m, "tag 14 at offset 0xc0 is too short");

    m = mbi_new();
    add_mmap(m);
    add_rsdp(m, TAG_RSDP_V2, 20, 0, 0x22);
    mbi_end(m);
    expect_error(m, "too short");

    m = mbi_new();
    add_mmap(m);
    add_rsdp(m, TAG_RSDP_V2, 36, 20, 0x22);        /* length of a 1.0 RSDP */
    mbi_end(m);
    expect_error(m, "bad length");

    m = mbi_new();
    add_mmap(m);
    add_rsdp(m, TAG_RSDP_V2, 48, 48, 0x22);        /* more than MB2_RSDP_MAX */
    mbi_end(m);
    expect_error(m, "bad length");

    m = mbi_new();
    add_mmap(m);
    add_rsdp(m, TAG_RSDP_V2, 28, 36, 0x22);        /* copy shorter than it claims */
    mbi_end(m);
    expect_error(m, "shorter than its RSDP");

    m = mbi_new();
    add_mmap(m);
    add_rsdp(m, TAG_RSDP_V1, 20, 0, 0x11);
    add_rsdp(m, TAG_RSDP_V1, 20, 0, 0x11);
    mbi_end(m);
    expect_error(m, "appears twice");
}

/* MB20020 unknown and uninteresting tags of odd sizes are skipped */
static void test_unknown_tags(void **unused)
{
    struct mbi *m = mbi_new();

    (void)unused;
    memset(mbi_tag(m, 0xffffffffu, 8 + 3), 0xff, 3);
    mbi_tag(m, 99, 8);
    add_string(m, TAG_CMDLINE, "odd padding");   /* size 20: next tag at +24 */
    memset(mbi_tag(m, 16, 8 + 17), 0x5a, 17);
    mbi_tag(m, 7, 9);                            /* ELF sections, truncated: not read */
    add_mmap(m);
    memset(mbi_tag(m, 1000, 8 + 1000), 0xcc, 1000);
    mbi_end(m);
    expect_ok(m);
    assert_string_equal(info.cmdline, "odd padding");
    assert_int_equal(info.mmap_count, 7);
    free(m);
}

/* Deterministic xorshift32: the fuzz run is reproducible. */
static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* MB20021 random corruption never crashes, and any success is self-consistent */
static void test_fuzz(void **unused)
{
    struct mbi *ref = mbi_new();
    struct mbi *m = mbi_new();
    uint32_t seed = 0xc0ffee, ok = 0;

    (void)unused;
    build_grub_like(ref);
    add_rsdp(ref, TAG_RSDP_V2, 36, 36, 0x22);
    for (unsigned iter = 0; iter < 20000; iter++) {
        memcpy(m, ref, sizeof(*m));
        unsigned flips = 1 + rng_next(&seed) % 4;
        for (unsigned i = 0; i < flips; i++) {
            uint32_t pos = rng_next(&seed) % (ref->len + 16);
            m->buf[pos] = (uint8_t)rng_next(&seed);
        }
        /* The caller guarantees total_size bytes are readable: keep that true. */
        uint32_t total;
        memcpy(&total, m->buf, sizeof(total));
        if (total > BUF_SIZE)
            put32(m->buf, total % BUF_SIZE);
        if (parse(m, &info))
            continue;
        ok++;
        assert_true(info.mmap_count >= 1 && info.mmap_count <= MB2_MAX_MMAP);
        assert_true(info.module_count <= MB2_MAX_MODULES);
        assert_true(info.rsdp_len == 0 || info.rsdp_len == 20 || info.rsdp_len == 36);
        assert_true(strnlen(info.cmdline, MB2_CMDLINE_MAX) < MB2_CMDLINE_MAX);
        assert_true(strnlen(info.loader, sizeof(info.loader)) < sizeof(info.loader));
        for (unsigned i = 0; i < info.module_count; i++) {
            assert_true(info.modules[i].end >= info.modules[i].start);
            assert_true(strnlen(info.modules[i].cmdline, MB2_CMDLINE_MAX) < MB2_CMDLINE_MAX);
        }
        assert_true(info.info_end - info.info_start <= BUF_SIZE);
    }
    assert_true(ok > 0);
    free(ref);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grub_like),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_entry_checks),
        cmocka_unit_test(test_total_size_bounds),
        cmocka_unit_test(test_total_size_limit),
        cmocka_unit_test(test_tag_too_small),
        cmocka_unit_test(test_tag_past_end),
        cmocka_unit_test(test_end_tag),
        cmocka_unit_test(test_after_end_ignored),
        cmocka_unit_test(test_mmap_presence),
        cmocka_unit_test(test_mmap_entry_size),
        cmocka_unit_test(test_mmap_later_version),
        cmocka_unit_test(test_mmap_count_limit),
        cmocka_unit_test(test_module_count_limit),
        cmocka_unit_test(test_module_malformed),
        cmocka_unit_test(test_cmdline),
        cmocka_unit_test(test_loader_name),
        cmocka_unit_test(test_rsdp_preference),
        cmocka_unit_test(test_rsdp_malformed),
        cmocka_unit_test(test_unknown_tags),
        cmocka_unit_test(test_fuzz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
