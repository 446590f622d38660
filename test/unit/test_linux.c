/* SPDX-License-Identifier: MIT */
/* Vireo: host tests of the VMM's Linux boot protocol loader (vmm/loader/linux.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "linux.h"

/*
 * The synthetic bzImage: 4 setup sectors after the boot sector (2,560 bytes), then an
 * 8 KiB protected-mode kernel (syssize 0x200), then 64 bytes of trailer (a signature, as
 * Debian's signed images have). Protocol 2.15, relocatable, 2 MiB alignment, pref_address
 * 16 MiB, init_size 64 KiB; its setup header ends at 0x268.
 */
#define SETUP_SIZE 0xa00u
#define PM_SIZE 0x2000u
#define IMG_SIZE (SETUP_SIZE + PM_SIZE + 0x40u)
#define PREF (16u << 20)
#define INIT_SIZE 0x10000u
#define RAM_SIZE (32u << 20)
#define INITRD_SIZE 0x3000u
#define CMDLINE_SIZE 0x7ffu

enum { SETUP_SECTS = 0x1f1, SYSSIZE = 0x1f4, BOOT_FLAG = 0x1fe, JUMP = 0x200, MAGIC = 0x202,
       VERSION = 0x206, TYPE_OF_LOADER = 0x210, LOADFLAGS = 0x211, CODE32_START = 0x214,
       RAMDISK_IMAGE = 0x218, RAMDISK_SIZE = 0x21c, HEAP_END_PTR = 0x224, CMD_LINE_PTR = 0x228,
       INITRD_ADDR_MAX = 0x22c, KERNEL_ALIGNMENT = 0x230, RELOCATABLE = 0x234,
       XLOADFLAGS = 0x236, CMDLINE_SIZE_OFF = 0x238, PREF_ADDRESS = 0x258, INIT_SIZE_OFF = 0x260,
       E820_ENTRIES = 0x1e8, E820_TABLE = 0x2d0, SENTINEL = 0x1ef };

static uint8_t img[IMG_SIZE];
static uint8_t initrd[INITRD_SIZE];
static uint8_t *ram;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }
static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void build_image(void)
{
    memset(img, 0, sizeof(img));
    img[SETUP_SECTS] = 4;
    put32(img + SYSSIZE, PM_SIZE / 16);
    put16(img + BOOT_FLAG, 0xaa55);
    img[JUMP] = 0xeb;
    img[JUMP + 1] = 0x268 - 0x202;
    memcpy(img + MAGIC, "HdrS", 4);
    put16(img + VERSION, 0x020f);
    img[LOADFLAGS] = 0x01;
    put32(img + CODE32_START, 0x100000);
    put32(img + INITRD_ADDR_MAX, 0x7fffffff);
    put32(img + KERNEL_ALIGNMENT, 0x200000);
    img[RELOCATABLE] = 1;
    img[0x235] = 21;
    put16(img + XLOADFLAGS, 0x3);
    put32(img + CMDLINE_SIZE_OFF, CMDLINE_SIZE);
    put64(img + PREF_ADDRESS, PREF);
    put32(img + INIT_SIZE_OFF, INIT_SIZE);
    for (unsigned i = 0; i < PM_SIZE; i++)
        img[SETUP_SIZE + i] = (uint8_t)(i * 7 + 1);
    memset(img + SETUP_SIZE + PM_SIZE, 0x5e, IMG_SIZE - SETUP_SIZE - PM_SIZE);
    for (unsigned i = 0; i < INITRD_SIZE; i++)
        initrd[i] = (uint8_t)(i * 13 + 5);
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

static enum linux_status load_with(size_t size, uint64_t ram_size, const char *cmdline,
                                   size_t initrd_size, struct linux_boot *b)
{
    struct linux_load_args a = { img, size, ram, ram_size, cmdline,
                                 initrd_size ? initrd : NULL, initrd_size };
    return linux_load(&a, b);
}

static enum linux_status load(struct linux_boot *b)
{
    return load_with(IMG_SIZE, RAM_SIZE, "console=ttyS0", INITRD_SIZE, b);
}

/* A failure leaves guest RAM as it was. */
static void expect_error(enum linux_status want)
{
    struct linux_boot b;
    enum linux_status got = load(&b);
    if (got != want)
        fail_msg("status %d (%s), want %d (%s)", got, linux_strerror(got), want,
                 linux_strerror(want));
    assert_int_equal(ram[LINUX_ZERO_PAGE], 0xaa);
    assert_int_equal(ram[LINUX_GDT + 0x10], 0xaa);
    assert_int_equal(ram[LINUX_CMDLINE], 0xaa);
    assert_int_equal(ram[PREF], 0xaa);
    assert_int_equal(ram[2u << 20], 0xaa);
    assert_int_equal(ram[RAM_SIZE - INITRD_SIZE], 0xaa);
    assert_string_not_equal(linux_strerror(got), "ok");
}

static void expect_load_at(uint32_t want)
{
    struct linux_boot b;
    enum linux_status st = load(&b);
    if (st != LINUX_OK)
        fail_msg("%s", linux_strerror(st));
    assert_int_equal(b.eip, want);
    assert_int_equal(b.kernel_gpa, want);
    assert_memory_equal(ram + want, img + SETUP_SIZE, PM_SIZE);
    assert_int_equal(get32(ram + LINUX_ZERO_PAGE + CODE32_START), want);
}

static void test_good_image(void **state)
{
    (void)state;
    struct linux_boot b;
    assert_int_equal(load(&b), LINUX_OK);
    /* The 32-bit entry state of boot.rst. */
    assert_int_equal(b.eip, PREF);
    assert_int_equal(b.esi, LINUX_ZERO_PAGE);
    assert_int_equal(b.cs.selector, 0x10);
    assert_int_equal(b.cs.access_rights, 0xc09b);
    assert_int_equal(b.cs.limit, 0xffffffffu);
    assert_int_equal(b.ds.selector, 0x18);
    assert_int_equal(b.ss.selector, 0x18);
    assert_int_equal(b.es.access_rights, 0xc093);
    assert_int_equal(b.eflags & (1u << 9), 0);
    assert_int_equal(b.cr0 & 0x80000001u, 1);
    assert_int_equal(b.gdt_base, LINUX_GDT);
    assert_int_equal(b.gdt_limit, 31);
    assert_int_equal(get64(ram + LINUX_GDT + 0x10), 0x00cf9b000000ffffull);
    assert_int_equal(get64(ram + LINUX_GDT + 0x18), 0x00cf93000000ffffull);
    assert_int_equal(b.protocol, 0x020f);
    assert_int_equal(b.init_size, INIT_SIZE);
    /* The kernel without the trailer, which stays out of RAM. */
    assert_memory_equal(ram + PREF, img + SETUP_SIZE, PM_SIZE);
    assert_int_equal(ram[PREF + PM_SIZE], 0xaa);
    /* The initrd at the top of RAM, page-aligned. */
    assert_int_equal(b.initrd_gpa, RAM_SIZE - INITRD_SIZE);
    assert_int_equal(b.initrd_size, INITRD_SIZE);
    assert_memory_equal(ram + b.initrd_gpa, initrd, INITRD_SIZE);
    assert_string_equal((char *)ram + LINUX_CMDLINE, "console=ttyS0");
    assert_int_equal(b.cmdline_len, 13);
}

static void test_zero_page(void **state)
{
    (void)state;
    struct linux_boot b;
    assert_int_equal(load(&b), LINUX_OK);
    const uint8_t *zp = ram + LINUX_ZERO_PAGE;
    /* The header is a copy; the fields before it are zero. */
    assert_memory_equal(zp + MAGIC, "HdrS", 4);
    assert_int_equal(get16(zp + BOOT_FLAG), 0xaa55);
    assert_int_equal(zp[SETUP_SECTS], 4);
    assert_int_equal(get32(zp + INIT_SIZE_OFF), INIT_SIZE);
    assert_int_equal(zp[SENTINEL], 0);
    assert_int_equal(zp[0], 0);
    assert_int_equal(zp[0xfff], 0);
    assert_int_equal(zp[TYPE_OF_LOADER], 0xff);
    assert_int_equal(zp[LOADFLAGS], 0x81);      /* LOADED_HIGH, CAN_USE_HEAP */
    assert_int_equal(get16(zp + HEAP_END_PTR), 0xde00);
    assert_int_equal(get32(zp + CMD_LINE_PTR), LINUX_CMDLINE);
    assert_int_equal(get32(zp + RAMDISK_IMAGE), RAM_SIZE - INITRD_SIZE);
    assert_int_equal(get32(zp + RAMDISK_SIZE), INITRD_SIZE);
    /* e820: RAM, the reserved EBDA-to-1 MiB hole, RAM to the end. */
    assert_int_equal(zp[E820_ENTRIES], 3);
    const uint8_t *e = zp + E820_TABLE;
    uint64_t want[3][3] = { { 0, 0x9f000, 1 }, { 0x9f000, 0x61000, 2 },
                            { 0x100000, RAM_SIZE - 0x100000, 1 } };
    for (unsigned i = 0; i < 3; i++, e += 20) {
        assert_int_equal(get64(e), want[i][0]);
        assert_int_equal(get64(e + 8), want[i][1]);
        assert_int_equal(get32(e + 16), want[i][2]);
    }
    assert_int_equal(get32(e + 16), 0);
}

static void test_no_cmdline_no_initrd(void **state)
{
    (void)state;
    struct linux_boot b;
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, NULL, 0, &b), LINUX_OK);
    assert_int_equal(ram[LINUX_CMDLINE], 0);
    assert_int_equal(b.initrd_gpa, 0);
    assert_int_equal(get32(ram + LINUX_ZERO_PAGE + RAMDISK_IMAGE), 0);
    assert_int_equal(get32(ram + LINUX_ZERO_PAGE + RAMDISK_SIZE), 0);
    assert_int_equal(ram[RAM_SIZE - 1], 0xaa);
}

/* Where the kernel goes: pref_address, else the first aligned address from 1 MiB. */
static void test_placement(void **state)
{
    (void)state;
    put64(img + PREF_ADDRESS, PREF + 0x1000);            /* not 2 MiB aligned */
    expect_load_at(2u << 20);
    put64(img + PREF_ADDRESS, RAM_SIZE - INIT_SIZE / 2); /* init_size past RAM's end */
    expect_load_at(2u << 20);
    put64(img + PREF_ADDRESS, 0);
    expect_load_at(2u << 20);
    put64(img + PREF_ADDRESS, 0xffffffffffe00000ull);
    expect_load_at(2u << 20);
    put32(img + KERNEL_ALIGNMENT, 0x1000);
    expect_load_at(1u << 20);
    /* Not relocatable: at 1 MiB whatever the alignment; it moves itself to pref. */
    put64(img + PREF_ADDRESS, PREF);
    img[RELOCATABLE] = 0;
    put32(img + KERNEL_ALIGNMENT, 0x1234);
    expect_load_at(1u << 20);
    /* setup_sects 0 means 4. */
    build_image();
    img[SETUP_SECTS] = 0;
    expect_load_at(PREF);
    /* Protocol 2.06: no pref_address or init_size yet; the header may end at 0x23c. */
    build_image();
    put16(img + VERSION, 0x0206);
    img[JUMP + 1] = 0x23c - 0x202;
    expect_load_at(2u << 20);
}

static void test_truncated(void **state)
{
    (void)state;
    struct linux_boot b;
    size_t sizes[] = { 0, 1, 0x1ff, 0x200, 0x207, 0x208, 0x267 };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        assert_int_equal(load_with(sizes[i], RAM_SIZE, "", 0, &b), LINUX_ERR_TRUNCATED);
    assert_int_equal(load_with(0x268, RAM_SIZE, "", 0, &b), LINUX_ERR_SETUP_SIZE);
    assert_int_equal(load_with(SETUP_SIZE - 1, RAM_SIZE, "", 0, &b), LINUX_ERR_SETUP_SIZE);
    assert_int_equal(load_with(SETUP_SIZE, RAM_SIZE, "", 0, &b), LINUX_ERR_SYSSIZE);
    assert_int_equal(load_with(SETUP_SIZE + PM_SIZE - 1, RAM_SIZE, "", 0, &b),
                     LINUX_ERR_SYSSIZE);
    assert_int_equal(load_with(SETUP_SIZE + PM_SIZE, RAM_SIZE, "", 0, &b), LINUX_OK);
    assert_int_equal(ram[PREF + PM_SIZE], 0xaa);
}

static void test_magic(void **state)
{
    (void)state;
    img[BOOT_FLAG + 1] = 0x55;
    expect_error(LINUX_ERR_BOOT_FLAG);
    build_image();
    img[MAGIC + 3] = 's';
    expect_error(LINUX_ERR_MAGIC);
    build_image();
    put16(img + VERSION, 0x0205);
    expect_error(LINUX_ERR_PROTOCOL);
    put16(img + VERSION, 0x0100);
    expect_error(LINUX_ERR_PROTOCOL);
    build_image();
    img[JUMP + 1] = 0x260 - 0x202;      /* 2.10+ without a whole init_size */
    expect_error(LINUX_ERR_HEADER_SIZE);
    put16(img + VERSION, 0x0206);
    img[JUMP + 1] = 0x238 - 0x202;      /* 2.06 without cmdline_size */
    expect_error(LINUX_ERR_HEADER_SIZE);
}

static void test_sizes(void **state)
{
    (void)state;
    img[SETUP_SECTS] = 200;
    expect_error(LINUX_ERR_SETUP_SIZE);
    build_image();
    put32(img + SYSSIZE, 0);
    expect_error(LINUX_ERR_SYSSIZE);
    put32(img + SYSSIZE, PM_SIZE / 16 + 5);
    expect_error(LINUX_ERR_SYSSIZE);
    put32(img + SYSSIZE, 0xffffffffu);
    expect_error(LINUX_ERR_SYSSIZE);
    build_image();
    img[LOADFLAGS] = 0;
    expect_error(LINUX_ERR_NOT_BZIMAGE);
    build_image();
    put32(img + KERNEL_ALIGNMENT, 0x300000);
    expect_error(LINUX_ERR_ALIGNMENT);
    put32(img + KERNEL_ALIGNMENT, 0);
    expect_error(LINUX_ERR_ALIGNMENT);
    put32(img + KERNEL_ALIGNMENT, 0x800);
    expect_error(LINUX_ERR_ALIGNMENT);
    put32(img + KERNEL_ALIGNMENT, 0x80000000u);
    expect_error(LINUX_ERR_ALIGNMENT);
    build_image();
    put32(img + INIT_SIZE_OFF, PM_SIZE - 1);
    expect_error(LINUX_ERR_INIT_SIZE);
}

/* The kernel's memory (init_size from where it is loaded) must be RAM. */
static void test_kernel_ram(void **state)
{
    (void)state;
    put32(img + INIT_SIZE_OFF, RAM_SIZE);
    expect_error(LINUX_ERR_KERNEL_RAM);
    put32(img + INIT_SIZE_OFF, 0xffffffffu);
    expect_error(LINUX_ERR_KERNEL_RAM);
    put32(img + INIT_SIZE_OFF, RAM_SIZE - (2u << 20));  /* exactly fits at 2 MiB */
    struct linux_boot b;
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", 0, &b), LINUX_OK);
    assert_int_equal(b.eip, 2u << 20);
    memset(ram, 0xaa, RAM_SIZE);
    build_image();
    img[RELOCATABLE] = 0;
    put64(img + PREF_ADDRESS, RAM_SIZE - INIT_SIZE + 0x1000);
    expect_error(LINUX_ERR_KERNEL_RAM);
    put64(img + PREF_ADDRESS, 0x80000);                  /* below 1 MiB */
    expect_error(LINUX_ERR_KERNEL_RAM);
    put64(img + PREF_ADDRESS, 0x100000000ull);
    expect_error(LINUX_ERR_KERNEL_RAM);
}

static void test_initrd(void **state)
{
    (void)state;
    struct linux_boot b;
    static uint8_t big[RAM_SIZE + 1];
    struct linux_load_args a = { img, IMG_SIZE, ram, RAM_SIZE, "", big, sizeof(big) };
    assert_int_equal(linux_load(&a, &b), LINUX_ERR_INITRD_SIZE);
    /* initrd_addr_max below the kernel's end: no room. */
    put32(img + INITRD_ADDR_MAX, PREF + INIT_SIZE + 0x1000);
    expect_error(LINUX_ERR_INITRD_ROOM);
    put32(img + INITRD_ADDR_MAX, 0x1000);
    expect_error(LINUX_ERR_INITRD_ROOM);
    /* Below a lower initrd_addr_max (inclusive), page-aligned, above the kernel. */
    put32(img + INITRD_ADDR_MAX, (20u << 20) - 1);
    assert_int_equal(load(&b), LINUX_OK);
    assert_int_equal(b.initrd_gpa, (20u << 20) - INITRD_SIZE);
    assert_memory_equal(ram + b.initrd_gpa, initrd, INITRD_SIZE);
    put32(img + INITRD_ADDR_MAX, (20u << 20) + 0x7ff);
    assert_int_equal(load(&b), LINUX_OK);
    assert_int_equal(b.initrd_gpa, (20u << 20) - INITRD_SIZE);
    /* 0 is read as the legacy 0x37ffffff. */
    put32(img + INITRD_ADDR_MAX, 0);
    assert_int_equal(load(&b), LINUX_OK);
    assert_int_equal(b.initrd_gpa, RAM_SIZE - INITRD_SIZE);
    /* An initrd that fills all the RAM above the kernel. */
    build_image();
    static uint8_t fill[RAM_SIZE - PREF - INIT_SIZE];
    struct linux_load_args f = { img, IMG_SIZE, ram, RAM_SIZE, "", fill, sizeof(fill) };
    assert_int_equal(linux_load(&f, &b), LINUX_OK);
    assert_int_equal(b.initrd_gpa, PREF + INIT_SIZE);
    f.initrd_size++;
    assert_int_equal(linux_load(&f, &b), LINUX_ERR_INITRD_ROOM);
}

static void test_cmdline(void **state)
{
    (void)state;
    static char line[LINUX_CMDLINE_MAX + 2];
    struct linux_boot b;
    memset(line, 'x', CMDLINE_SIZE);
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, line, 0, &b), LINUX_OK);
    assert_int_equal(b.cmdline_len, CMDLINE_SIZE);
    assert_int_equal(ram[LINUX_CMDLINE + CMDLINE_SIZE], 0);
    memset(ram, 0xaa, RAM_SIZE);
    line[CMDLINE_SIZE] = 'y';
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, line, 0, &b), LINUX_ERR_CMDLINE);
    assert_int_equal(ram[LINUX_CMDLINE], 0xaa);
    /* A kernel that takes any length still meets the loader's own bound. */
    put32(img + CMDLINE_SIZE_OFF, 0xffffffffu);
    memset(line, 'z', LINUX_CMDLINE_MAX);
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, line, 0, &b), LINUX_OK);
    line[LINUX_CMDLINE_MAX] = 'z';
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, line, 0, &b), LINUX_ERR_CMDLINE);
    put32(img + CMDLINE_SIZE_OFF, 0);
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "a", 0, &b), LINUX_ERR_CMDLINE);
    assert_int_equal(load_with(IMG_SIZE, RAM_SIZE, "", 0, &b), LINUX_OK);
}

static void test_args(void **state)
{
    (void)state;
    struct linux_boot b;
    struct linux_load_args a = { img, IMG_SIZE, ram, RAM_SIZE, "", NULL, 0 };
    assert_int_equal(linux_load(NULL, &b), LINUX_ERR_ARGS);
    assert_int_equal(linux_load(&a, NULL), LINUX_ERR_ARGS);
    a.initrd_size = 1;
    assert_int_equal(linux_load(&a, &b), LINUX_ERR_ARGS);
    a.initrd_size = 0;
    a.image = NULL;
    assert_int_equal(linux_load(&a, &b), LINUX_ERR_ARGS);
    a.image = img;
    a.ram = NULL;
    assert_int_equal(linux_load(&a, &b), LINUX_ERR_ARGS);
    assert_int_equal(load_with(IMG_SIZE, (1u << 20), "", 0, &b), LINUX_ERR_RAM_SIZE);
    assert_int_equal(load_with(IMG_SIZE, 0x100000000ull, "", 0, &b), LINUX_ERR_RAM_SIZE);
    for (int i = 0; i < LINUX_STATUS_COUNT; i++) {
        assert_non_null(linux_strerror((enum linux_status)i));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(linux_strerror((enum linux_status)i),
                                    linux_strerror((enum linux_status)j));
    }
    assert_non_null(linux_strerror((enum linux_status)1000));
}

/* Random byte mutations of the valid image: any status, never a crash (ASan watches);
 * an accepted image keeps kernel, initrd and boot data inside guest RAM, apart. */
static void test_mutations(void **state)
{
    (void)state;
    static uint8_t orig[IMG_SIZE];
    static char line[64];
    memcpy(orig, img, IMG_SIZE);
    srand(4321);
    unsigned accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(img, orig, IMG_SIZE);
        int n = 1 + rand() % 6;
        for (int k = 0; k < n; k++) {
            /* Mostly the setup header, sometimes anywhere. */
            size_t at = rand() % 4 ? 0x1f0 + (size_t)(rand() % 0x80) : (size_t)rand() % IMG_SIZE;
            img[at] = (uint8_t)rand();
        }
        size_t size = rand() % 16 ? IMG_SIZE : (size_t)rand() % IMG_SIZE;
        memset(line, 'c', sizeof(line) - 1);
        line[rand() % (int)sizeof(line)] = '\0';
        struct linux_boot b;
        uint64_t ram_size = rand() % 4 ? RAM_SIZE : (2u << 20) << (rand() % 4);
        enum linux_status st = load_with(size, ram_size, line, INITRD_SIZE, &b);
        assert_non_null(linux_strerror(st));
        if (st != LINUX_OK)
            continue;
        accepted++;
        assert_true(b.eip >= LINUX_HIGH && b.eip == b.kernel_gpa);
        assert_true((uint64_t)b.kernel_gpa + b.init_size <= ram_size);
        assert_true(b.kernel_size <= b.init_size);
        assert_true(b.initrd_gpa >= b.kernel_gpa + b.init_size);
        assert_true((uint64_t)b.initrd_gpa + INITRD_SIZE <= ram_size);
        assert_true(b.cmdline_len < sizeof(line));
    }
    print_message("mutations: %u of 20000 accepted\n", accepted);
    assert_true(accepted > 1000);
}

/* Debian's kernel, as the build fetched it (scripts/guest-kernel); skipped without it. */
static void test_debian_kernel(void **state)
{
    (void)state;
#ifdef VIREO_LINUX_KERNEL_PATH
    const char *path = VIREO_LINUX_KERNEL_PATH;
#else
    const char *path = "";
#endif
    FILE *f = *path ? fopen(path, "rb") : NULL;
    if (!f) {
        print_message("no Debian kernel at '%s': skipped\n", path);
        skip();
    }
    static uint8_t file[64 << 20];
    size_t size = fread(file, 1, sizeof(file), f);
    fclose(f);
    assert_true(size > 1 << 20 && size < sizeof(file));
    uint8_t *big = malloc(128u << 20);
    assert_non_null(big);
    struct linux_load_args a = { file, size, big, 128u << 20, "console=ttyS0", initrd,
                                 INITRD_SIZE };
    struct linux_boot b;
    enum linux_status st = linux_load(&a, &b);
    if (st != LINUX_OK)
        fail_msg("%s: %s", path, linux_strerror(st));
    /* What a stock x86-64 kernel of protocol 2.15 says about itself. */
    assert_true(b.protocol >= 0x020f);
    assert_int_equal(file[RELOCATABLE], 1);
    assert_int_equal(get32(file + KERNEL_ALIGNMENT), 0x200000);
    assert_true(b.xloadflags & 1);              /* XLF_KERNEL_64 */
    assert_true(get32(file + CMDLINE_SIZE_OFF) >= 255);
    assert_true(get32(file + INITRD_ADDR_MAX) >= 0x37ffffff);
    assert_int_equal(b.kernel_gpa, get64(file + PREF_ADDRESS));
    assert_int_equal(b.init_size, get32(file + INIT_SIZE_OFF));
    assert_true(b.init_size > b.kernel_size);
    size_t setup = ((size_t)(file[SETUP_SECTS] ? file[SETUP_SECTS] : 4) + 1) * 512;
    assert_int_equal(b.kernel_size, (uint64_t)get32(file + SYSSIZE) * 16);
    assert_true(setup + b.kernel_size <= size);
    assert_memory_equal(big + b.kernel_gpa, file + setup, b.kernel_size);
    assert_memory_equal(big + LINUX_ZERO_PAGE + MAGIC, "HdrS", 4);
    assert_int_equal(b.initrd_gpa, (128u << 20) - INITRD_SIZE);
    /* In 64 MiB its init_size (about 64 MiB) fits nowhere. */
    a.ram_size = 64u << 20;
    assert_int_equal(linux_load(&a, &b), LINUX_ERR_KERNEL_RAM);
    print_message("%s: protocol %x, init_size %u KiB, loaded at 0x%x\n", path, b.protocol,
                  get32(file + INIT_SIZE_OFF) >> 10, (unsigned)get64(file + PREF_ADDRESS));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_cmdline_no_initrd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_magic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initrd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmdline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debian_kernel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
