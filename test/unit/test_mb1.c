/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the VMM's multiboot v1 loader (vmm/loader/mb1.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mb1.h"

/*
 * The valid image: ELF32 header, two program headers; text (0x100 bytes, with the
 * multiboot header at its start) at file offset 0x1000 loaded at 1 MiB, data (0x10 file
 * bytes, bss up to 0x2000) at file offset 0x2000 loaded at 1 MiB + 4 KiB. Entry 1 MiB + 12.
 */
#define IMG_SIZE 0x2010u
#define PH_OFF 52u
#define TEXT_PA 0x100000u
#define DATA_PA 0x101000u
#define DATA_MEMSZ 0x2000u
#define ENTRY (TEXT_PA + 12)
#define RAM_SIZE (16u << 20)

enum { EH_TYPE = 16, EH_MACHINE = 18, EH_ENTRY = 24, EH_PHOFF = 28, EH_PHENTSIZE = 42,
       EH_PHNUM = 44 };
enum { P_TYPE = 0, P_OFFSET = 4, P_VADDR = 8, P_PADDR = 12, P_FILESZ = 16, P_MEMSZ = 20 };

static uint8_t img[0x4000];
static uint8_t *ram;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static uint8_t *ph(unsigned i) { return img + PH_OFF + i * 32; }

static void set_phdr(unsigned i, uint32_t off, uint32_t pa, uint32_t filesz, uint32_t memsz)
{
    put32(ph(i) + P_TYPE, 1);
    put32(ph(i) + P_OFFSET, off);
    put32(ph(i) + P_VADDR, pa);
    put32(ph(i) + P_PADDR, pa);
    put32(ph(i) + P_FILESZ, filesz);
    put32(ph(i) + P_MEMSZ, memsz);
}

static void set_mb_header(uint32_t flags)
{
    put32(img + 0x1000, MB1_HEADER_MAGIC);
    put32(img + 0x1004, flags);
    put32(img + 0x1008, (uint32_t)-(MB1_HEADER_MAGIC + flags));
}

static void build_image(void)
{
    memset(img, 0, sizeof(img));
    memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
    put16(img + EH_TYPE, 2);
    put16(img + EH_MACHINE, 3);
    put32(img + 20, 1);
    put32(img + EH_ENTRY, ENTRY);
    put32(img + EH_PHOFF, PH_OFF);
    put16(img + 40, 52);
    put16(img + EH_PHENTSIZE, 32);
    put16(img + EH_PHNUM, 2);
    set_phdr(0, 0x1000, TEXT_PA, 0x100, 0x100);
    set_phdr(1, 0x2000, DATA_PA, 0x10, DATA_MEMSZ);
    set_mb_header(3);
    for (unsigned i = 12; i < 0x100; i++)
        img[0x1000 + i] = (uint8_t)(0x90 + i);
    memset(img + 0x2000, 0x5d, 0x10);
}

static int setup(void **state)
{
    (void)state;
    build_image();
    ram = malloc(RAM_SIZE);
    if (!ram)
        return -1;
    memset(ram, 0xaa, RAM_SIZE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ram);
    return 0;
}

static enum mb1_status load_with(size_t size, uint64_t ram_size, const char *cmdline,
                                 const struct mb1_module *m, struct mb1_boot *b)
{
    struct mb1_load_args a = { img, size, ram, ram_size, cmdline, m };
    return mb1_load(&a, b);
}

static enum mb1_status load(void)
{
    struct mb1_boot b;
    return load_with(IMG_SIZE, RAM_SIZE, "console", NULL, &b);
}

/* A failure leaves guest RAM as it was. */
static void expect_error(enum mb1_status want)
{
    enum mb1_status got = load();
    if (got != want)
        fail_msg("status %d (%s), want %d (%s)", got, mb1_strerror(got), want, mb1_strerror(want));
    assert_int_equal(ram[TEXT_PA], 0xaa);
    assert_int_equal(ram[DATA_PA + 0x10], 0xaa);
    assert_string_not_equal(mb1_strerror(got), "ok");
}

static void test_good_image(void **state)
{
    (void)state;
    static const uint8_t mod[5000] = { 1, 2, 3, [4999] = 9 };
    struct mb1_module m = { mod, sizeof(mod), "initrd arg=1" };
    struct mb1_boot b;
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "marker=1 other=2", &m, &b), MB1_OK);
    assert_int_equal(b.eip, ENTRY);
    assert_int_equal(b.eax, MB1_BOOT_MAGIC);
    assert_int_equal(b.ebx, b.info_gpa);
    assert_int_equal(b.eflags, 2);
    assert_int_equal(b.cr0 & 0x80000001u, 1);
    assert_int_equal(b.cs.selector, 0x08);
    assert_int_equal(b.cs.limit, 0xffffffffu);
    assert_int_equal(b.ds.access_rights, 0xc093);
    assert_int_equal(b.image_end, DATA_PA + DATA_MEMSZ);
    /* Segments copied, bss zeroed, nothing beyond touched. */
    assert_memory_equal(ram + TEXT_PA, img + 0x1000, 0x100);
    assert_memory_equal(ram + DATA_PA, img + 0x2000, 0x10);
    for (unsigned i = 0x10; i < DATA_MEMSZ; i++)
        assert_int_equal(ram[DATA_PA + i], 0);
    assert_int_equal(ram[TEXT_PA + 0x100], 0xaa);
    assert_int_equal(ram[0x500], 0xaa);

    /* The info block, above the image. */
    const uint8_t *info = ram + b.info_gpa;
    assert_true(b.info_gpa >= DATA_PA + DATA_MEMSZ);
    assert_int_equal(b.info_gpa % 4096, 0);
    uint32_t flags = get32(info);
    assert_int_equal(flags, MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
                            MB1_INFO_LOADER_NAME);
    assert_int_equal(get32(info + 4), 640);
    assert_int_equal(get32(info + 8), (RAM_SIZE >> 10) - 1024);
    assert_string_equal((const char *)ram + get32(info + 16), "marker=1 other=2");
    assert_string_equal((const char *)ram + get32(info + 64), "Vireo");
    assert_int_equal(get32(info + 20), 1);
    const uint8_t *mods = ram + get32(info + 24);
    uint32_t mod_start = get32(mods), mod_end = get32(mods + 4);
    assert_int_equal(mod_start % 4096, 0);
    assert_int_equal(mod_end - mod_start, sizeof(mod));
    assert_int_equal(b.module_gpa, mod_start);
    assert_memory_equal(ram + mod_start, mod, sizeof(mod));
    assert_string_equal((const char *)ram + get32(mods + 8), "initrd arg=1");
    assert_true(mod_start >= b.area_end);
    assert_true(mod_end <= RAM_SIZE);

    /* Memory map: RAM below 640K, the reserved hole, RAM above 1 MiB. */
    assert_int_equal(get32(info + 44), 72);
    const uint8_t *e = ram + get32(info + 48);
    static const uint32_t want[3][3] = { { 0, 0xa0000, 1 }, { 0xa0000, 0x60000, 2 },
                                         { 0x100000, RAM_SIZE - 0x100000, 1 } };
    for (unsigned i = 0; i < 3; i++, e += 24) {
        assert_int_equal(get32(e), 20);
        assert_int_equal(get32(e + 4), want[i][0]);
        assert_int_equal(get32(e + 8), 0);
        assert_int_equal(get32(e + 12), want[i][1]);
        assert_int_equal(get32(e + 20), want[i][2]);
    }
}

static void test_no_cmdline_no_module(void **state)
{
    (void)state;
    struct mb1_boot b;
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, NULL, NULL, &b), MB1_OK);
    uint32_t flags = get32(ram + b.info_gpa);
    assert_int_equal(flags & MB1_INFO_CMDLINE, 0);
    assert_int_equal(get32(ram + b.info_gpa + 20), 0);
    assert_int_equal(b.module_size, 0);
}

/* Every prefix of the file is refused, none crashes. */
static void test_truncated(void **state)
{
    (void)state;
    struct mb1_boot b;
    for (size_t n = 0; n < IMG_SIZE; n++) {
        enum mb1_status st = load_with(n, RAM_SIZE, "x", NULL, &b);
        if (st == MB1_OK)
            fail_msg("a %zu-byte prefix was accepted", n);
    }
    assert_int_equal(load_with(0x1008, RAM_SIZE, "x", NULL, &b), MB1_ERR_NO_HEADER);
    assert_int_equal(load_with(40, RAM_SIZE, "x", NULL, &b), MB1_ERR_NO_HEADER);
    assert_int_equal(load_with(0x100c, RAM_SIZE, "x", NULL, &b), MB1_ERR_SEG_FILE);
}

static void test_header(void **state)
{
    (void)state;
    put32(img + 0x1000, 0x1badb003);
    expect_error(MB1_ERR_NO_HEADER);
    build_image();
    put32(img + 0x1008, get32(img + 0x1008) + 1);
    expect_error(MB1_ERR_CHECKSUM);
    set_mb_header(3 | 1u << 2);        /* video mode */
    expect_error(MB1_ERR_FLAGS);
    set_mb_header(1u << 15);
    expect_error(MB1_ERR_FLAGS);
    set_mb_header(3 | 1u << 16);
    expect_error(MB1_ERR_AOUT_KLUDGE);
    /* Past the first 8 KiB it does not count. */
    build_image();
    memset(img + 0x1000, 0, 12);
    put32(img + 0x2000, MB1_HEADER_MAGIC);
    put32(img + 0x2008, (uint32_t)-MB1_HEADER_MAGIC);
    expect_error(MB1_ERR_NO_HEADER);
    /* Optional flag bits above 16 are fine. */
    build_image();
    set_mb_header(3 | 1u << 20);
    assert_int_equal(load(), MB1_OK);
}

static void test_elf_header(void **state)
{
    (void)state;
    img[1] = 'e';
    expect_error(MB1_ERR_ELF_MAGIC);
    build_image();
    img[4] = 2;                         /* ELFCLASS64 */
    expect_error(MB1_ERR_ELF_CLASS);
    build_image();
    img[5] = 2;
    expect_error(MB1_ERR_ELF_DATA);
    build_image();
    put16(img + EH_TYPE, 3);
    expect_error(MB1_ERR_ELF_TYPE);
    build_image();
    put16(img + EH_MACHINE, 62);        /* x86-64 */
    expect_error(MB1_ERR_ELF_MACHINE);
    build_image();
    put16(img + EH_PHENTSIZE, 56);
    expect_error(MB1_ERR_ELF_PHDRS);
    build_image();
    put16(img + EH_PHNUM, 0);
    expect_error(MB1_ERR_ELF_PHDRS);
    build_image();
    put16(img + EH_PHNUM, 0xffff);
    expect_error(MB1_ERR_ELF_PHDRS);
    build_image();
    put32(img + EH_PHOFF, IMG_SIZE - 40);
    expect_error(MB1_ERR_ELF_PHDRS);
    build_image();
    put32(img + EH_PHOFF, 0xfffffff0u);
    expect_error(MB1_ERR_ELF_PHDRS);
}

static void test_segments(void **state)
{
    (void)state;
    set_phdr(1, IMG_SIZE - 8, DATA_PA, 0x10, DATA_MEMSZ);
    expect_error(MB1_ERR_SEG_FILE);
    set_phdr(1, 0xfffffff8u, DATA_PA, 0x10, DATA_MEMSZ);
    expect_error(MB1_ERR_SEG_FILE);
    set_phdr(1, 0x2000, DATA_PA, 0x10, 0x8);
    expect_error(MB1_ERR_SEG_SIZE);
    set_phdr(1, 0x2000, 0xfffff000u, 0x10, 0x2000);
    expect_error(MB1_ERR_SEG_OVERFLOW);
    set_phdr(1, 0x2000, RAM_SIZE - 0x1000, 0x10, 0x2000);
    expect_error(MB1_ERR_SEG_RAM);
    set_phdr(1, 0x2000, 0xb8000, 0x10, 0x100);           /* VGA memory */
    expect_error(MB1_ERR_SEG_RAM);
    set_phdr(1, 0x2000, 0x9f000, 0x10, 0x2000);          /* runs into the hole */
    expect_error(MB1_ERR_SEG_RAM);
    set_phdr(1, 0x2000, TEXT_PA + 0x80, 0x10, 0x100);
    expect_error(MB1_ERR_SEG_OVERLAP);
    build_image();
    put32(ph(0) + P_TYPE, 0);
    put32(ph(1) + P_TYPE, 6);
    expect_error(MB1_ERR_NO_LOAD);
    build_image();
    put32(img + EH_ENTRY, 0x300000);
    expect_error(MB1_ERR_ENTRY);
    /* A segment below 640K is fine; the info block still goes above 1 MiB. */
    build_image();
    set_phdr(1, 0x2000, 0x8000, 0x10, 0x100);
    struct mb1_boot b;
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", NULL, &b), MB1_OK);
    assert_true(b.info_gpa >= TEXT_PA + 0x100);
}

static void test_sizes(void **state)
{
    (void)state;
    struct mb1_boot b;
    static uint8_t big[RAM_SIZE + 1];
    struct mb1_module m = { big, sizeof(big), NULL };
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", &m, &b), MB1_ERR_MODULE_SIZE);
    m.size = RAM_SIZE - 0x100000;      /* fits in RAM, not above the image */
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", &m, &b), MB1_ERR_NO_ROOM);
    m.size = RAM_SIZE - 0x104000;      /* exactly the room left */
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", &m, &b), MB1_OK);
    assert_int_equal(b.module_gpa + b.module_size, RAM_SIZE);

    char *line = malloc(MB1_CMDLINE_MAX + 2);
    assert_non_null(line);
    memset(line, 'a', MB1_CMDLINE_MAX + 1);
    line[MB1_CMDLINE_MAX + 1] = 0;
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, line, NULL, &b), MB1_ERR_CMDLINE);
    struct mb1_module lm = { NULL, 0, line };
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", &lm, &b), MB1_ERR_CMDLINE);
    line[MB1_CMDLINE_MAX] = 0;
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, line, &lm, &b), MB1_OK);
    assert_int_equal(strlen((const char *)ram + get32(ram + b.info_gpa + 16)), MB1_CMDLINE_MAX);
    free(line);

    assert_int_equal(load_with(IMG_SIZE, MB1_RAM_MIN - 1, "", NULL, &b), MB1_ERR_RAM_SIZE);
    assert_int_equal(load_with(IMG_SIZE, 4ull << 30, "", NULL, &b), MB1_ERR_RAM_SIZE);
    struct mb1_module nodata = { NULL, 10, NULL };
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", &nodata, &b), MB1_ERR_ARGS);
    assert_int_equal(mb1_load(NULL, &b), MB1_ERR_ARGS);
    struct mb1_load_args a = { img, IMG_SIZE, ram, RAM_SIZE, NULL, NULL };
    assert_int_equal(mb1_load(&a, NULL), MB1_ERR_ARGS);
    a.image = NULL;
    assert_int_equal(mb1_load(&a, &b), MB1_ERR_ARGS);
    /* Every status has its own message. */
    for (int i = 0; i < MB1_STATUS_COUNT; i++) {
        assert_non_null(mb1_strerror((enum mb1_status)i));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(mb1_strerror((enum mb1_status)i),
                                    mb1_strerror((enum mb1_status)j));
    }
    assert_non_null(mb1_strerror((enum mb1_status)1000));
}

/* Random byte mutations of the valid image: any status, never a crash (ASan watches);
 * an accepted image keeps everything inside guest RAM. */
static void test_mutations(void **state)
{
    (void)state;
    static uint8_t orig[IMG_SIZE];
    memcpy(orig, img, IMG_SIZE);
    srand(12345);
    unsigned accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(img, orig, IMG_SIZE);
        int n = 1 + rand() % 6;
        for (int k = 0; k < n; k++) {
            /* Mostly the headers, sometimes anywhere. */
            size_t at = rand() % 4 ? (size_t)(rand() % (PH_OFF + 64)) : (size_t)rand() % IMG_SIZE;
            if (rand() % 8 == 0)
                at = 0x1000 + (size_t)(rand() % 12);
            img[at] = (uint8_t)rand();
        }
        size_t size = rand() % 16 ? IMG_SIZE : (size_t)rand() % IMG_SIZE;
        struct mb1_boot b;
        enum mb1_status st = load_with(size, RAM_SIZE, "m", NULL, &b);
        assert_non_null(mb1_strerror(st));
        if (st != MB1_OK)
            continue;
        accepted++;
        assert_true(b.eip < RAM_SIZE);
        assert_true(b.info_gpa + MB1_INFO_SIZE <= RAM_SIZE);
        assert_true(b.area_end <= RAM_SIZE);
    }
    print_message("mutations: %u of 20000 accepted\n", accepted);
}

/* A guest built by this tree (test/guests) loads, and its bytes land at 1 MiB. */
static void test_built_guest(void **state)
{
    (void)state;
    FILE *f = fopen(VIREO_GUEST_ELF_PATH, "rb");
    if (!f)
        fail_msg("cannot open %s", VIREO_GUEST_ELF_PATH);
    static uint8_t file[1 << 20];
    size_t size = fread(file, 1, sizeof(file), f);
    fclose(f);
    assert_true(size > 52 && size < sizeof(file));
    struct mb1_load_args a = { file, size, ram, RAM_SIZE, "marker=1 other=2", NULL };
    struct mb1_boot b;
    enum mb1_status st = mb1_load(&a, &b);
    if (st != MB1_OK)
        fail_msg("%s: %s", VIREO_GUEST_ELF_PATH, mb1_strerror(st));
    assert_int_equal(b.eip, get32(file + EH_ENTRY));
    assert_int_equal(get32(ram + 0x100000), MB1_HEADER_MAGIC);
    assert_true(b.info_gpa >= b.image_end);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_cmdline_no_module, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elf_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_built_guest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
