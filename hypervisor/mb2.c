/* SPDX-License-Identifier: MIT */
/* Vireo: multiboot2 boot information parser (Multiboot2 spec 3.6). */
#include "acpi.h"
#include "mb2.h"
#include "lib.h"
#include "printf.h"

#define STRINGIFY(x) #x
#define XSTRINGIFY(x) STRINGIFY(x)

/* Multiboot2 spec 3.6.1/3.6.2: the block and every tag start 8-byte aligned. */
#define MB2_ALIGN 8u
/* Real loaders write a few KiB; anything past this is garbage, not a boot block. */
#define MB2_INFO_MAX (1u << 20)
#define MB2_FIXED_SIZE 8u       /* 3.6.2: total_size and a reserved word precede the tags */

/* Multiboot2 spec 3.6: tag types this parser reads; all others are skipped. */
enum mb2_tag_type {
    MB2_TAG_END = 0, MB2_TAG_CMDLINE = 1, MB2_TAG_LOADER = 2, MB2_TAG_MODULE = 3,
    MB2_TAG_MMAP = 6, MB2_TAG_RSDP_V1 = 14, MB2_TAG_RSDP_V2 = 15,
};

struct mb2_tag { uint32_t type, size; };        /* 3.6.2; size: header, no padding */
struct mb2_mod_hdr { uint32_t start, end; };    /* 3.6.6; a NUL-terminated string follows */
struct mb2_mmap_hdr { uint32_t entry_size, entry_version; };    /* 3.6.8; entries follow */
/* 3.6.8: the leading base_addr, length, type (and reserved) copy straight into an entry. */
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16 &&
               sizeof(struct mb2_mmap_entry) == 24, "Multiboot2 spec 3.6.8 entry layout");

/*
 * Copies a string that must end within the `n` bytes at `src` into the zeroed `dst`,
 * which thus stays terminated. Only `truncate` allows cutting it to fit `cap`; the
 * buffers that may not be cut all hold MB2_CMDLINE_MAX bytes.
 */
static const char *copy_string(char *dst, size_t cap, const uint8_t *src, size_t n, bool truncate)
{
    size_t len = strnlen((const char *)src, n);

    if (len == n)
        return "has an unterminated string";
    if (len >= cap && !truncate)
        return "has a string of " XSTRINGIFY(MB2_CMDLINE_MAX) " bytes or more";
    memcpy(dst, src, MIN(len, cap - 1));
    return NULL;
}

/*
 * Tag readers get the payload after the tag header, at least the table's min_len bytes.
 * Each returns NULL or a phrase that completes "multiboot2: tag T at offset 0xO ...".
 */
static const char *tag_cmdline(struct mb2_info *out, const uint8_t *body, uint32_t len)
{
    return copy_string(out->cmdline, sizeof(out->cmdline), body, len, false);
}

/* The loader name is only shown, so it alone may be cut short. */
static const char *tag_loader(struct mb2_info *out, const uint8_t *body, uint32_t len)
{
    return copy_string(out->loader, sizeof(out->loader), body, len, true);
}

static const char *tag_module(struct mb2_info *out, const uint8_t *body, uint32_t len)
{
    struct mb2_mod_hdr h;

    if (out->module_count == MB2_MAX_MODULES)
        return "is past the limit of " XSTRINGIFY(MB2_MAX_MODULES) " modules";
    memcpy(&h, body, sizeof(h));
    if (h.end < h.start)
        return "has mod_end before mod_start";
    /* Should the string be bad, mb2_parse wipes this half-made entry with the rest. */
    struct mb2_module *mod = &out->modules[out->module_count++];
    *mod = (struct mb2_module){ .start = h.start, .end = h.end };
    return copy_string(mod->cmdline, MB2_CMDLINE_MAX, body + sizeof(h), len - sizeof(h), false);
}

/* Multiboot2 spec 3.6.8: later entry versions only append fields, so any is read. */
static const char *tag_mmap(struct mb2_info *out, const uint8_t *body, uint32_t len)
{
    struct mb2_mmap_hdr h;

    memcpy(&h, body, sizeof(h));
    len -= sizeof(h);
    if (h.entry_size < sizeof(out->mmap[0]) || !IS_ALIGNED(h.entry_size, MB2_ALIGN))
        return "has a bad entry_size";
    if (len % h.entry_size)
        return "ends inside an entry";
    if (len == 0)
        return "has an empty memory map";
    if (len / h.entry_size > MB2_MAX_MMAP)
        return "has more than " XSTRINGIFY(MB2_MAX_MMAP) " memory map entries";
    out->mmap_count = len / h.entry_size;
    for (uint32_t i = 0; i < out->mmap_count; i++)
        memcpy(&out->mmap[i], body + sizeof(h) + i * h.entry_size, sizeof(out->mmap[i]));
    return NULL;
}

/* An ACPI 2.0+ copy (3.6.17) describes the same tables with the XSDT: it wins in any order. */
static const char *tag_rsdp_v1(struct mb2_info *out, const uint8_t *body, UNUSED uint32_t len)
{
    if (out->rsdp_len == 0) {
        memcpy(out->rsdp, body, ACPI_RSDP_V1_LEN);
        out->rsdp_len = ACPI_RSDP_V1_LEN;
    }
    return NULL;
}

static const char *tag_rsdp_v2(struct mb2_info *out, const uint8_t *body, uint32_t len)
{
    uint32_t rsdp_len;

    memcpy(&rsdp_len, body + ACPI_RSDP_V1_LEN, sizeof(rsdp_len));
    if (rsdp_len < ACPI_RSDP_V2_LEN || rsdp_len > MB2_RSDP_MAX)
        return "has an RSDP with a bad length";
    if (rsdp_len > len)
        return "is shorter than its RSDP";
    memcpy(out->rsdp, body, rsdp_len);
    out->rsdp_len = rsdp_len;
    return NULL;
}

static const struct tag_kind {
    const char *(*read)(struct mb2_info *out, const uint8_t *body, uint32_t len);
    uint32_t min_len;           /* of the payload: its fixed part, or the NUL of a string */
    bool once;
} kinds[] = {
    [MB2_TAG_CMDLINE] = { tag_cmdline, 1, true },                           /* 3.6.5 */
    [MB2_TAG_LOADER] = { tag_loader, 1, true },                             /* 3.6.9 */
    [MB2_TAG_MODULE] = { tag_module, sizeof(struct mb2_mod_hdr) + 1, false },   /* 3.6.6 */
    [MB2_TAG_MMAP] = { tag_mmap, sizeof(struct mb2_mmap_hdr), true },       /* 3.6.8 */
    [MB2_TAG_RSDP_V1] = { tag_rsdp_v1, ACPI_RSDP_V1_LEN, true },            /* 3.6.16 */
    [MB2_TAG_RSDP_V2] = { tag_rsdp_v2, ACPI_RSDP_V1_LEN + sizeof(uint32_t), true },  /* 3.6.17 */
};

/* The message for a malformed tag, in the one buffer boot-time parsing needs. */
static char msg[128];

/* Walks the tags up to the end tag (type 0, size 8), which must lie inside `total`. */
static const char *walk_tags(struct mb2_info *out, const uint8_t *info, uint32_t total)
{
    uint32_t seen = 0;          /* bit per tag type, for tags that may appear once */
    struct mb2_tag t;

    for (uint32_t off = MB2_FIXED_SIZE; off + sizeof(t) <= total;
         off = ALIGN_UP(off + t.size, MB2_ALIGN)) {
        memcpy(&t, info + off, sizeof(t));
        /* 3.6.2: unknown tags are ignored; those past the table get the end tag's empty entry. */
        const struct tag_kind *k = &kinds[t.type < ARRAY_SIZE(kinds) ? t.type : MB2_TAG_END];
        /* The first rule the tag breaks, else what its reader says (unknown tags have none). */
        const char *err = t.size < sizeof(t) ? "is smaller than its header"
            : t.size > total - off ? "runs past the end"
            : t.type == MB2_TAG_END ? (t.size == sizeof(t) ? NULL : "has a bad size")
            : !k->read ? NULL
            : t.size - sizeof(t) < k->min_len ? "is too short for its type"
            : k->once && (seen & (1u << t.type)) ? "appears twice"
            : k->read(out, info + off + sizeof(t), t.size - (uint32_t)sizeof(t));

        if (err) {
            ksnprintf(msg, sizeof(msg), "multiboot2: tag %u at offset 0x%x %s", t.type, off, err);
            return msg;
        }
        if (t.type == MB2_TAG_END)
            return out->mmap_count ? NULL : "multiboot2: memory map tag missing";
        seen |= k->read ? 1u << t.type : 0;
    }
    return "multiboot2: end tag missing";
}

static const char *parse_info(uint32_t magic, const void *info, uint64_t info_pa,
                              struct mb2_info *out)
{
    if (magic != MB2_BOOTLOADER_MAGIC)
        return "multiboot2: wrong boot loader magic";
    if (!info)
        return "multiboot2: no boot information";
    if (!IS_ALIGNED((uintptr_t)info, MB2_ALIGN))
        return "multiboot2: boot information not 8-byte aligned";
    uint32_t total = *(const uint32_t *)info;
    if (total < MB2_FIXED_SIZE + sizeof(struct mb2_tag))
        return "multiboot2: total_size too small";
    if (total > MB2_INFO_MAX)
        return "multiboot2: total_size over 1 MiB";
    if (info_pa > UINT64_MAX - total)
        return "multiboot2: boot information wraps past 2^64";
    out->info_start = info_pa;
    out->info_end = info_pa + total;
    return walk_tags(out, info, total);
}

const char *mb2_parse(uint32_t magic, const void *info, uint64_t info_pa, struct mb2_info *out)
{
    if (!out)
        return "multiboot2: no place for the result";
    memset(out, 0, sizeof(*out));
    const char *err = parse_info(magic, info, info_pa, out);
    if (err)                    /* nothing half-parsed survives a failure */
        memset(out, 0, sizeof(*out));
    return err;
}
