/* SPDX-License-Identifier: MIT */
/* Vireo: ACPI discovery, RSDP -> XSDT/RSDT -> MADT (ACPI 6.5 chapter 5.2). */
#include "acpi.h"
#include "lib.h"

/*
 * Every pointer that map() returns is used only until the next call to map(), so a
 * mapper with a single temporary window is enough. Tables are read through PACKED
 * structs: firmware aligns nothing (XSDT entries sit at offset 36, for one).
 */

#define ACPI_SIG_LEN 4
#define RSDP_SIG "RSD PTR "
#define RSDP_SIG_LEN 8
#define RSDP_V1_LEN 20          /* bytes the first checksum covers, ACPI 1.0 */
#define RSDP_V2_LEN 36
#define RSDP_ALIGN 16           /* ACPI 6.5 5.2.5.1: on a 16-byte boundary */
#define RSDP_REV_XSDT 2         /* ACPI 2.0 and later carry the XSDT address */
#define ACPI_TABLE_MAX_LEN (1u << 20)   /* sanity cap; real MADTs/XSDTs are a few KiB */

struct acpi_rsdp {              /* ACPI 6.5 5.2.5.3 */
    char sig[RSDP_SIG_LEN];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_addr;
    uint32_t length;            /* revision >= 2 from here on */
    uint64_t xsdt_addr;
    uint8_t ext_checksum;
    uint8_t reserved[3];
} PACKED;
_Static_assert(sizeof(struct acpi_rsdp) == RSDP_V2_LEN, "RSDP layout");

struct acpi_header {            /* ACPI 6.5 5.2.6, common to all description tables */
    char sig[ACPI_SIG_LEN];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} PACKED;
_Static_assert(sizeof(struct acpi_header) == 36, "SDT header layout");

/* The two root tables differ only in signature and entry width (ACPI 6.5 5.2.7, 5.2.8). */
struct root_kind {
    char sig[ACPI_SIG_LEN];
    size_t entry_size;
    const char *unmappable;
    const char *bad_sig;
    const char *bad_length;
    const char *bad_checksum;
};

static const struct root_kind rsdt_kind = {
    "RSDT", sizeof(uint32_t), "ACPI: RSDT unmappable", "ACPI: RSDT signature mismatch",
    "ACPI: RSDT length invalid", "ACPI: RSDT checksum mismatch",
};

static const struct root_kind xsdt_kind = {
    "XSDT", sizeof(uint64_t), "ACPI: XSDT unmappable", "ACPI: XSDT signature mismatch",
    "ACPI: XSDT length invalid", "ACPI: XSDT checksum mismatch",
};

/* ACPI 6.5 5.2.5.3, 5.2.6: all bytes of a structure, checksum included, sum to 0. */
static bool checksum_ok(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + b[i]);
    return sum == 0;
}

/* The RSDP at `p` if its signature and checksums hold, reading no more than `avail`. */
static bool rsdp_valid(const uint8_t *p, size_t avail)
{
    const struct acpi_rsdp *r = (const struct acpi_rsdp *)p;

    if (avail < RSDP_V1_LEN || memcmp(r->sig, RSDP_SIG, RSDP_SIG_LEN) != 0)
        return false;
    if (!checksum_ok(p, RSDP_V1_LEN))
        return false;
    if (r->revision < RSDP_REV_XSDT || avail < RSDP_V2_LEN)
        return true;
    if (r->length < RSDP_V2_LEN)
        return false;
    /* The extended checksum covers `length` bytes; check it when they are at hand. */
    return r->length > avail || checksum_ok(p, r->length);
}

const void *acpi_scan_rsdp(const void *mem, size_t len)
{
    const uint8_t *base = mem;

    for (size_t off = 0; len >= RSDP_V1_LEN && off <= len - RSDP_V1_LEN; off += RSDP_ALIGN) {
        if (rsdp_valid(base + off, len - off))
            return base + off;
    }
    return NULL;
}

/* Checks the RSDP copy and picks the root table; returns an error message or NULL. */
static const char *rsdp_root(const void *rsdp, size_t len, uint64_t *root_pa,
                             const struct root_kind **kind)
{
    const struct acpi_rsdp *r = rsdp;

    if (!rsdp || len < RSDP_V1_LEN)
        return "ACPI: RSDP truncated";
    if (memcmp(r->sig, RSDP_SIG, RSDP_SIG_LEN) != 0)
        return "ACPI: RSDP signature mismatch";
    if (!checksum_ok(rsdp, RSDP_V1_LEN))
        return "ACPI: RSDP checksum mismatch";
    *root_pa = r->rsdt_addr;
    *kind = &rsdt_kind;
    if (r->revision < RSDP_REV_XSDT)
        return NULL;
    if (len < RSDP_V2_LEN || r->length < RSDP_V2_LEN || r->length > len)
        return "ACPI: RSDP truncated";
    if (!checksum_ok(rsdp, r->length))
        return "ACPI: RSDP extended checksum mismatch";
    /* Some firmware leaves XsdtAddress 0 despite revision 2; its RSDT still serves. */
    if (r->xsdt_addr != 0) {
        *root_pa = r->xsdt_addr;
        *kind = &xsdt_kind;
    }
    return NULL;
}

/* Whether the table at `pa` has `sig`, a sane length and a valid checksum. */
static bool table_valid(uint64_t pa, acpi_map_fn map, const char sig[ACPI_SIG_LEN])
{
    const struct acpi_header *h = map(pa, sizeof(*h));

    if (!h || memcmp(h->sig, sig, ACPI_SIG_LEN) != 0)
        return 0;
    uint32_t len = h->length;
    if (len < sizeof(*h) || len > ACPI_TABLE_MAX_LEN)
        return 0;
    const void *all = map(pa, len);
    return all && checksum_ok(all, len);
}

/* Validates the root table; on success *entries is its number of entries. */
static const char *root_check(uint64_t pa, acpi_map_fn map, const struct root_kind *k,
                              size_t *entries)
{
    const struct acpi_header *h = map(pa, sizeof(*h));

    if (!h)
        return k->unmappable;
    if (memcmp(h->sig, k->sig, ACPI_SIG_LEN) != 0)
        return k->bad_sig;
    uint32_t len = h->length;
    if (len < sizeof(*h) || len > ACPI_TABLE_MAX_LEN || (len - sizeof(*h)) % k->entry_size)
        return k->bad_length;
    const void *all = map(pa, len);
    if (!all)
        return k->unmappable;
    if (!checksum_ok(all, len))
        return k->bad_checksum;
    *entries = (len - sizeof(*h)) / k->entry_size;
    return NULL;
}

/* Physical address in root entry `i`, or 0 if it cannot be read. */
static uint64_t root_entry(uint64_t root_pa, const struct root_kind *k, size_t i,
                           acpi_map_fn map)
{
    const void *e = map(root_pa + sizeof(struct acpi_header) + i * k->entry_size,
                        k->entry_size);
    uint32_t pa32;
    uint64_t pa64;

    if (!e)
        return 0;
    if (k->entry_size == sizeof(pa32)) {
        memcpy(&pa32, e, sizeof(pa32));
        return pa32;
    }
    memcpy(&pa64, e, sizeof(pa64));     /* XSDT entries are 4 mod 8 aligned */
    return pa64;
}

uint64_t acpi_find_table(const void *rsdp, size_t len, acpi_map_fn map, const char sig[4],
                         const char **err)
{
    const struct root_kind *kind = NULL;
    uint64_t root_pa = 0;
    size_t entries = 0;
    const char *msg = rsdp_root(rsdp, len, &root_pa, &kind);

    if (!msg && root_pa == 0)
        msg = "ACPI: RSDP names no root table";
    if (!msg)
        msg = root_check(root_pa, map, kind, &entries);
    if (msg) {
        if (err)
            *err = msg;
        return 0;
    }
    /* An entry that is null, unmappable or corrupt is skipped, not fatal. */
    for (size_t i = 0; i < entries; i++) {
        uint64_t pa = root_entry(root_pa, kind, i, map);
        if (pa != 0 && table_valid(pa, map, sig))
            return pa;
    }
    return 0;
}

/* ---- MADT, ACPI 6.5 5.2.12 ---- */

#define MADT_PCAT_COMPAT (1u << 0)      /* Table 5.20 */
#define MADT_CPU_ENABLED (1u << 0)      /* Table 5.23, also for x2APIC (5.2.12.12) */
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

enum madt_type {                /* Table 5.21 */
    MADT_LAPIC = 0,
    MADT_IOAPIC = 1,
    MADT_ISO = 2,
    MADT_LAPIC_ADDR = 5,
    MADT_X2APIC = 9,
};

struct madt {
    struct acpi_header hdr;
    uint32_t lapic_addr;
    uint32_t flags;
} PACKED;

struct madt_entry {
    uint8_t type;
    uint8_t length;
} PACKED;

struct madt_lapic {             /* 5.2.12.2 */
    struct madt_entry e;
    uint8_t uid;
    uint8_t apic_id;
    uint32_t flags;
} PACKED;

struct madt_ioapic {            /* 5.2.12.3 */
    struct madt_entry e;
    uint8_t id;
    uint8_t reserved;
    uint32_t addr;
    uint32_t gsi_base;
} PACKED;

struct madt_iso {               /* 5.2.12.5 */
    struct madt_entry e;
    uint8_t bus;
    uint8_t source;
    uint32_t gsi;
    uint16_t flags;
} PACKED;

struct madt_lapic_addr {        /* 5.2.12.8 */
    struct madt_entry e;
    uint16_t reserved;
    uint64_t addr;
} PACKED;

struct madt_x2apic {            /* 5.2.12.12 */
    struct madt_entry e;
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t uid;
} PACKED;

_Static_assert(sizeof(struct madt) == 44, "MADT header layout");
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT type 0 layout");
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT type 1 layout");
_Static_assert(sizeof(struct madt_iso) == 10, "MADT type 2 layout");
_Static_assert(sizeof(struct madt_lapic_addr) == 12, "MADT type 5 layout");
_Static_assert(sizeof(struct madt_x2apic) == 16, "MADT type 9 layout");

/* Records a CPU the OS may start; duplicates keep the first entry's uid. */
static void madt_add_cpu(struct acpi_madt *out, uint32_t apic_id, uint32_t uid,
                         uint32_t flags)
{
    if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
        return;
    for (unsigned i = 0; i < out->cpu_count; i++) {
        if (out->cpus[i].apic_id == apic_id)
            return;
    }
    if (out->cpu_count == ACPI_MAX_CPUS) {
        out->cpus_ignored++;
        return;
    }
    out->cpus[out->cpu_count++] = (struct acpi_cpu){ .apic_id = apic_id, .uid = uid };
}

static void madt_lapic(const void *p, struct acpi_madt *out)
{
    const struct madt_lapic *e = p;

    madt_add_cpu(out, e->apic_id, e->uid, e->flags);
}

static void madt_x2apic(const void *p, struct acpi_madt *out)
{
    const struct madt_x2apic *e = p;

    madt_add_cpu(out, e->x2apic_id, e->uid, e->flags);
}

/* Extra I/O APICs and overrides beyond the fixed arrays are dropped. */
static void madt_ioapic(const void *p, struct acpi_madt *out)
{
    const struct madt_ioapic *e = p;

    if (out->ioapic_count == ACPI_MAX_IOAPICS)
        return;
    out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){
        .id = e->id, .addr = e->addr, .gsi_base = e->gsi_base,
    };
}

static void madt_iso(const void *p, struct acpi_madt *out)
{
    const struct madt_iso *e = p;

    if (out->override_count == ACPI_MAX_OVERRIDES)
        return;
    out->overrides[out->override_count++] = (struct acpi_override){
        .irq = e->source, .gsi = e->gsi, .flags = e->flags,
    };
}

/* 5.2.12.8: a 64-bit address that replaces the 32-bit one in the MADT header. */
static void madt_lapic_addr(const void *p, struct acpi_madt *out)
{
    const struct madt_lapic_addr *e = p;

    out->lapic_addr = e->addr;
}

struct madt_handler {
    uint8_t min_len;
    void (*parse)(const void *entry, struct acpi_madt *out);
};

static const struct madt_handler madt_handlers[] = {
    [MADT_LAPIC] = { sizeof(struct madt_lapic), madt_lapic },
    [MADT_IOAPIC] = { sizeof(struct madt_ioapic), madt_ioapic },
    [MADT_ISO] = { sizeof(struct madt_iso), madt_iso },
    [MADT_LAPIC_ADDR] = { sizeof(struct madt_lapic_addr), madt_lapic_addr },
    [MADT_X2APIC] = { sizeof(struct madt_x2apic), madt_x2apic },
};

/* Walks the interrupt controller structures that follow the MADT header. */
static const char *madt_entries(const uint8_t *table, uint32_t len, struct acpi_madt *out)
{
    uint32_t off = sizeof(struct madt);

    while (off < len) {
        if (len - off < sizeof(struct madt_entry))
            return "ACPI: MADT entry runs past the table";
        const struct madt_entry *e = (const struct madt_entry *)(table + off);
        if (e->length < sizeof(*e))
            return "ACPI: MADT entry length below 2";
        if (e->length > len - off)
            return "ACPI: MADT entry runs past the table";
        /* Types the hypervisor does not use (NMI sources, GIC ...) are skipped. */
        if (e->type < ARRAY_SIZE(madt_handlers) && madt_handlers[e->type].parse) {
            const struct madt_handler *h = &madt_handlers[e->type];
            if (e->length < h->min_len)
                return "ACPI: MADT entry too short for its type";
            h->parse(e, out);
        }
        off += e->length;
    }
    return NULL;
}

const char *acpi_parse_madt(uint64_t pa, acpi_map_fn map, struct acpi_madt *out)
{
    memset(out, 0, sizeof(*out));
    const struct acpi_header *h = map(pa, sizeof(*h));
    if (!h)
        return "ACPI: MADT unmappable";
    if (memcmp(h->sig, "APIC", ACPI_SIG_LEN) != 0)
        return "ACPI: MADT signature mismatch";
    uint32_t len = h->length;
    if (len < sizeof(struct madt) || len > ACPI_TABLE_MAX_LEN)
        return "ACPI: MADT length invalid";
    const struct madt *m = map(pa, len);
    if (!m)
        return "ACPI: MADT unmappable";
    if (!checksum_ok(m, len))
        return "ACPI: MADT checksum mismatch";
    out->lapic_addr = m->lapic_addr;
    out->pcat_compat = (m->flags & MADT_PCAT_COMPAT) != 0;
    const char *msg = madt_entries((const uint8_t *)m, len, out);
    if (msg)
        return msg;
    if (out->cpu_count == 0)
        return "ACPI: MADT lists no usable CPU";
    return NULL;
}
