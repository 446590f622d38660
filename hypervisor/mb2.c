/* SPDX-License-Identifier: MIT */
/* Vireo: multiboot2 boot information parser (Multiboot2 spec 3.6). */
#include "mb2.h"
#include "lib.h"

#define STRINGIFY(x) #x
#define XSTRINGIFY(x) STRINGIFY(x)

/* Multiboot2 spec 3.6.1/3.6.2: the block and every tag start 8-byte aligned. */
#define MB2_ALIGN 8u
/* Real loaders write a few KiB; anything past this is garbage, not a boot block. */
#define MB2_INFO_MAX (1u << 20)

/* Multiboot2 spec 3.6: tag types this parser reads; all others are skipped. */
enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,        /* 3.6.5 */
    MB2_TAG_LOADER = 2,         /* 3.6.9 */
    MB2_TAG_MODULE = 3,         /* 3.6.6 */
    MB2_TAG_MMAP = 6,           /* 3.6.8 */
    MB2_TAG_RSDP_V1 = 14,       /* 3.6.16 */
    MB2_TAG_RSDP_V2 = 15,       /* 3.6.17 */
};

/* Multiboot2 spec 3.6.2 */
struct mb2_fixed {
    uint32_t total_size;
    uint32_t reserved;
};

struct mb2_tag {
    uint32_t type;
    uint32_t size;              /* header included, padding not */
};

/* Multiboot2 spec 3.6.6; a NUL-terminated string follows. */
struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start;
    uint32_t mod_end;
};

/* Multiboot2 spec 3.6.8; entry_size-byte entries follow. */
struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size;
    uint32_t entry_version;
};

struct mb2_raw_entry {
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
};

_Static_assert(sizeof(struct mb2_raw_entry) == 24, "Multiboot2 spec 3.6.8 entry layout");

/* ACPI 6.5 5.2.5.3: the RSDP; revision 2+ adds a length field at offset 20. */
#define ACPI_RSDP_V1_LEN 20u
#define ACPI_RSDP_LENGTH_OFFSET 20u
#define ACPI_RSDP_V2_MIN_LEN 36u

struct mb2_parser {
    struct mb2_info *out;
    uint32_t seen;              /* bit per tag type, for tags that may appear once */
};

/* Each returns NULL or a phrase that completes "multiboot2: tag T at offset 0xO ...". */
typedef const char *(*mb2_tag_fn)(struct mb2_parser *p, const uint8_t *tag, uint32_t size);

/* The message for a malformed tag, in the one buffer boot-time parsing needs. */
static char mb2_error[128];

static char *append_str(char *dst, const char *end, const char *s)
{
    while (*s && dst < end)
        *dst++ = *s++;
    return dst;
}

static char *append_num(char *dst, const char *end, uint64_t v, unsigned radix)
{
    static const char digit_chars[] = "0123456789abcdef";
    char digits[24];
    unsigned n = 0;

    do {
        digits[n++] = digit_chars[v % radix];
        v /= radix;
    } while (v);
    while (n && dst < end)
        *dst++ = digits[--n];
    return dst;
}

static const char *tag_error(uint32_t type, size_t offset, const char *what)
{
    char *end = mb2_error + sizeof(mb2_error) - 1;
    char *s = append_str(mb2_error, end, "multiboot2: tag ");

    s = append_num(s, end, type, 10);
    s = append_str(s, end, " at offset 0x");
    s = append_num(s, end, offset, 16);
    s = append_str(s, end, " ");
    s = append_str(s, end, what);
    *s = '\0';
    return mb2_error;
}

/* Copies a string that must end inside the tag; only may_truncate allows cutting it. */
static const char *copy_string(char *dst, size_t cap, const uint8_t *src, size_t avail,
                               bool may_truncate)
{
    size_t len = strnlen((const char *)src, avail);

    if (len == avail)
        return "has an unterminated string";
    if (len >= cap && !may_truncate)
        return "has a string of " XSTRINGIFY(MB2_CMDLINE_MAX) " bytes or more";
    len = MIN(len, cap - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
    return NULL;
}

static const char *parse_cmdline(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
    return copy_string(p->out->cmdline, sizeof(p->out->cmdline), tag + sizeof(struct mb2_tag),
                       size - sizeof(struct mb2_tag), false);
}

static const char *parse_loader(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
    return copy_string(p->out->loader, sizeof(p->out->loader), tag + sizeof(struct mb2_tag),
                       size - sizeof(struct mb2_tag), true);
}

static const char *parse_module(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
    struct mb2_tag_module hdr;
    struct mb2_module *mod;
    const char *err;

    memcpy(&hdr, tag, sizeof(hdr));
    if (p->out->module_count >= MB2_MAX_MODULES)
        return "is past the limit of " XSTRINGIFY(MB2_MAX_MODULES) " modules";
    if (hdr.mod_end < hdr.mod_start)
        return "has mod_end before mod_start";
    mod = &p->out->modules[p->out->module_count];
    err = copy_string(mod->cmdline, sizeof(mod->cmdline), tag + sizeof(hdr),
                      size - sizeof(hdr), false);
    if (err)
        return err;
    mod->start = hdr.mod_start;
    mod->end = hdr.mod_end;
    p->out->module_count++;
    return NULL;
}

/* Multiboot2 spec 3.6.8: later entry versions only append fields, so any is read. */
static const char *parse_mmap(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
    struct mb2_tag_mmap hdr;
    uint32_t bytes = size - (uint32_t)sizeof(hdr);
    uint32_t count;

    memcpy(&hdr, tag, sizeof(hdr));
    if (hdr.entry_size < sizeof(struct mb2_raw_entry) || !IS_ALIGNED(hdr.entry_size, MB2_ALIGN))
        return "has a bad entry_size";
    if (bytes % hdr.entry_size)
        return "ends inside an entry";
    count = bytes / hdr.entry_size;
    if (count == 0)
        return "has an empty memory map";
    if (count > MB2_MAX_MMAP)
        return "has more than " XSTRINGIFY(MB2_MAX_MMAP) " memory map entries";
    for (uint32_t i = 0; i < count; i++) {
        struct mb2_raw_entry raw;

        memcpy(&raw, tag + sizeof(hdr) + (size_t)i * hdr.entry_size, sizeof(raw));
        p->out->mmap[i].base = raw.base_addr;
        p->out->mmap[i].length = raw.length;
        p->out->mmap[i].type = raw.type;
    }
    p->out->mmap_count = count;
    return NULL;
}

static const char *parse_rsdp_v1(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
    (void)size;
    /* An ACPI 2.0+ copy describes the same table with the XSDT: it wins in any order. */
    if (p->seen & (1u << MB2_TAG_RSDP_V2))
        return NULL;
    memcpy(p->out->rsdp, tag + sizeof(struct mb2_tag), ACPI_RSDP_V1_LEN);
    p->out->rsdp_len = ACPI_RSDP_V1_LEN;
    return NULL;
}

static const char *parse_rsdp_v2(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
    const uint8_t *rsdp = tag + sizeof(struct mb2_tag);
    uint32_t len;

    memcpy(&len, rsdp + ACPI_RSDP_LENGTH_OFFSET, sizeof(len));
    if (len < ACPI_RSDP_V2_MIN_LEN || len > MB2_RSDP_MAX)
        return "has an RSDP with a bad length";
    if (len > size - sizeof(struct mb2_tag))
        return "is shorter than its RSDP";
    memcpy(p->out->rsdp, rsdp, len);
    p->out->rsdp_len = len;
    return NULL;
}

static const struct mb2_tag_kind {
    mb2_tag_fn parse;
    uint32_t min_size;          /* header plus the fixed part of the payload */
    bool once;
} mb2_tag_kinds[] = {
    [MB2_TAG_CMDLINE] = { parse_cmdline, sizeof(struct mb2_tag) + 1, true },
    [MB2_TAG_LOADER] = { parse_loader, sizeof(struct mb2_tag) + 1, true },
    [MB2_TAG_MODULE] = { parse_module, sizeof(struct mb2_tag_module) + 1, false },
    [MB2_TAG_MMAP] = { parse_mmap, sizeof(struct mb2_tag_mmap), true },
    [MB2_TAG_RSDP_V1] = { parse_rsdp_v1, sizeof(struct mb2_tag) + ACPI_RSDP_V1_LEN, true },
    [MB2_TAG_RSDP_V2] = { parse_rsdp_v2,
                          sizeof(struct mb2_tag) + ACPI_RSDP_LENGTH_OFFSET + sizeof(uint32_t),
                          true },
};

static const char *parse_tag(struct mb2_parser *p, const uint8_t *tag, struct mb2_tag hdr)
{
    const struct mb2_tag_kind *kind;

    /* Multiboot2 spec 3.6.2: tags the OS does not understand are ignored. */
    if (hdr.type >= ARRAY_SIZE(mb2_tag_kinds) || !mb2_tag_kinds[hdr.type].parse)
        return NULL;
    kind = &mb2_tag_kinds[hdr.type];
    if (hdr.size < kind->min_size)
        return "is too short for its type";
    if (kind->once && (p->seen & (1u << hdr.type)))
        return "appears twice";
    p->seen |= 1u << hdr.type;
    return kind->parse(p, tag, hdr.size);
}

/* Walks the tags up to the end tag (type 0, size 8), which must be inside total_size. */
static const char *walk_tags(struct mb2_parser *p, const uint8_t *info, uint32_t total)
{
    size_t off = sizeof(struct mb2_fixed);

    while (off + sizeof(struct mb2_tag) <= total) {
        struct mb2_tag hdr;
        const char *err;

        memcpy(&hdr, info + off, sizeof(hdr));
        if (hdr.size < sizeof(hdr))
            return tag_error(hdr.type, off, "is smaller than its header");
        if (hdr.size > total - off)
            return tag_error(hdr.type, off, "runs past the end");
        if (hdr.type == MB2_TAG_END)
            return hdr.size == sizeof(hdr) ? NULL : tag_error(hdr.type, off, "has a bad size");
        err = parse_tag(p, info + off, hdr);
        if (err)
            return tag_error(hdr.type, off, err);
        off = ALIGN_UP(off + hdr.size, MB2_ALIGN);
    }
    return "multiboot2: end tag missing";
}

static const char *parse_info(uint32_t magic, const void *info, uint64_t info_pa,
                              struct mb2_info *out)
{
    struct mb2_parser parser = { .out = out, .seen = 0 };
    struct mb2_fixed fixed;
    const char *err;

    if (magic != MB2_BOOTLOADER_MAGIC)
        return "multiboot2: wrong boot loader magic";
    if (!info)
        return "multiboot2: no boot information";
    if (!IS_ALIGNED((uintptr_t)info, MB2_ALIGN))
        return "multiboot2: boot information not 8-byte aligned";
    memcpy(&fixed, info, sizeof(fixed));
    if (fixed.total_size < sizeof(struct mb2_fixed) + sizeof(struct mb2_tag))
        return "multiboot2: total_size too small";
    if (fixed.total_size > MB2_INFO_MAX)
        return "multiboot2: total_size over 1 MiB";
    if (info_pa > UINT64_MAX - fixed.total_size)
        return "multiboot2: boot information wraps past 2^64";
    err = walk_tags(&parser, info, fixed.total_size);
    if (err)
        return err;
    if (!(parser.seen & (1u << MB2_TAG_MMAP)))
        return "multiboot2: memory map tag missing";
    out->info_start = info_pa;
    out->info_end = info_pa + fixed.total_size;
    return NULL;
}

const char *mb2_parse(uint32_t magic, const void *info, uint64_t info_pa, struct mb2_info *out)
{
    const char *err;

    if (!out)
        return "multiboot2: no place for the result";
    memset(out, 0, sizeof(*out));
    err = parse_info(magic, info, info_pa, out);
    /* Nothing half-parsed survives a failure. */
    if (err)
        memset(out, 0, sizeof(*out));
    return err;
}
