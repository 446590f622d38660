/* SPDX-License-Identifier: MIT */
/* Vireo: ACPI discovery, RSDP -> XSDT/RSDT -> MADT (ACPI 6.5 chapter 5.2). */
#include "acpi.h"
#include "lib.h"
#include "printf.h"

/*
 * Every pointer that map() returns is used only until the next call to map(), so a
 * mapper with a single temporary window is enough. Tables are read through PACKED
 * structs or memcpy: firmware aligns nothing (XSDT entries sit at offset 36, for one).
 */

#define RSDP_SIG "RSD PTR "
#define RSDP_ALIGN 16           /* ACPI 6.5 5.2.5.1: on a 16-byte boundary */
#define RSDP_REV_XSDT 2         /* ACPI 2.0 and later carry the XSDT address */
#define ACPI_TABLE_MAX_LEN (1u << 20)   /* sanity cap; real MADTs/XSDTs are a few KiB */

struct acpi_rsdp {              /* ACPI 6.5 5.2.5.3 */
    char sig[8];
    uint8_t checksum, oem_id[6], revision;
    uint32_t rsdt_addr;
    uint32_t length;            /* revision >= 2 from here on */
    uint64_t xsdt_addr;
    uint8_t ext_checksum, reserved[3];
} PACKED;

struct acpi_header {            /* ACPI 6.5 5.2.6, common to all description tables */
    char sig[4];
    uint32_t length;
    uint8_t revision, checksum, oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} PACKED;
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN && sizeof(struct acpi_header) == 36,
               "ACPI 6.5 5.2.5.3 and 5.2.6 layouts");

/* The message naming the last malformed table, in the one buffer boot-time parsing needs. */
static char acpi_error[64];

static const char *fail(const char *table, const char *problem)
{
    ksnprintf(acpi_error, sizeof(acpi_error), "ACPI: %s %s", table, problem);
    return acpi_error;
}

/* ACPI 6.5 5.2.5.3, 5.2.6: all bytes of a structure, checksum included, sum to 0. */
static bool checksum_ok(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + b[i]);
    return sum == 0;
}

/*
 * Checks the RSDP at `r`, reading no more than `avail` bytes. A scan of memory (`whole`
 * false) takes an extended part that runs past `avail` on trust; a copy must hold it all.
 */
static const char *rsdp_check(const struct acpi_rsdp *r, size_t avail, bool whole)
{
    if (!r || avail < ACPI_RSDP_V1_LEN)
        return "truncated";
    if (memcmp(r->sig, RSDP_SIG, sizeof(r->sig)) != 0)
        return "signature mismatch";
    if (!checksum_ok(r, ACPI_RSDP_V1_LEN))
        return "checksum mismatch";
    if (r->revision < RSDP_REV_XSDT || (!whole && avail < sizeof(*r)))
        return NULL;
    if (avail < sizeof(*r) || r->length < sizeof(*r) || (whole && r->length > avail))
        return "truncated";
    /* The extended checksum covers `length` bytes; a scan checks it when they are at hand. */
    return r->length > avail || checksum_ok(r, r->length) ? NULL : "extended checksum mismatch";
}

const void *acpi_scan_rsdp(const void *mem, size_t len)
{
    for (size_t off = 0; off < len; off += RSDP_ALIGN) {
        const void *r = (const uint8_t *)mem + off;
        if (!rsdp_check(r, len - off, false))
            return r;
    }
    return NULL;
}

/*
 * Maps the whole table at `pa` once its signature, its length (at least `min_len`, then
 * whole `entry_size` entries; 1 for tables without) and its checksum hold; returns the
 * problem otherwise.
 */
static const char *map_table(uint64_t pa, acpi_map_fn map, const char *sig, uint32_t min_len,
                             uint32_t entry_size, const struct acpi_header **table)
{
    const struct acpi_header *h = map(pa, sizeof(*h));

    if (!h)
        return "unmappable";
    if (memcmp(h->sig, sig, sizeof(h->sig)) != 0)
        return "signature mismatch";
    uint32_t len = h->length;
    if (len < min_len || len > ACPI_TABLE_MAX_LEN || (len - sizeof(*h)) % entry_size)
        return "length invalid";
    *table = map(pa, len);
    if (!*table)
        return "unmappable";
    return checksum_ok(*table, len) ? NULL : "checksum mismatch";
}

uint64_t acpi_find_table(const void *rsdp, size_t len, acpi_map_fn map, const char sig[4],
                         const char **err)
{
    const struct acpi_rsdp *r = rsdp;
    const struct acpi_header *t;
    const char *name = "RSDP", *msg = rsdp_check(r, len, true);
    /* Some firmware leaves XsdtAddress 0 despite revision 2; its RSDT still serves. */
    bool xsdt = !msg && r->revision >= RSDP_REV_XSDT && r->xsdt_addr != 0;
    uint64_t root_pa = msg ? 0 : xsdt ? r->xsdt_addr : r->rsdt_addr;
    size_t entry_size = xsdt ? sizeof(uint64_t) : sizeof(uint32_t); /* 5.2.8, 5.2.7 */

    if (!msg && root_pa == 0)
        msg = "names no root table";
    if (!msg) {
        name = xsdt ? "XSDT" : "RSDT";
        msg = map_table(root_pa, map, name, sizeof(*t), entry_size, &t);
    }
    if (msg) {
        if (err)
            *err = fail(name, msg);
        return 0;
    }
    /* An entry that is null, unmappable or corrupt is skipped, not fatal. */
    for (size_t i = 0, n = (t->length - sizeof(*t)) / entry_size; i < n; i++) {
        const void *e = map(root_pa + sizeof(*t) + i * entry_size, entry_size);
        uint64_t pa = 0;

        if (e)          /* 5.2: little-endian, so an RSDT entry fills the low half */
            memcpy(&pa, e, entry_size);
        if (pa != 0 && !map_table(pa, map, sig, sizeof(*t), 1, &t))
            return pa;
    }
    return 0;
}

/* ---- MADT, ACPI 6.5 5.2.12 ---- */

#define MADT_PCAT_COMPAT (1u << 0)      /* Table 5.20 */
#define MADT_CPU_ENABLED (1u << 0)      /* Table 5.23, also for x2APIC (5.2.12.12) */
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* Table 5.21: the interrupt controller structure types read here. */
enum madt_type {
    MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_LAPIC_ADDR = 5, MADT_X2APIC = 9,
};

struct madt {                   /* Table 5.19: the fixed part before the structures */
    struct acpi_header hdr;
    uint32_t lapic_addr, flags;
} PACKED;

/* 5.2.12.2, .3, .5, .8 and .12; each structure starts with its type and length. */
union madt_entry {
    struct { uint8_t type, length; } hdr;
    struct { uint8_t type, length, uid, apic_id; uint32_t flags; } PACKED lapic;
    struct { uint8_t type, length, id, reserved; uint32_t addr, gsi_base; } PACKED ioapic;
    struct { uint8_t type, length, bus, source; uint32_t gsi; uint16_t flags; } PACKED iso;
    struct { uint8_t type, length; uint16_t reserved; uint64_t addr; } PACKED lapic_addr;
    struct { uint8_t type, length; uint16_t reserved; uint32_t id, flags, uid; } PACKED x2apic;
};

/* Records a CPU the OS may start; duplicates keep the first entry's uid. */
static void add_cpu(struct acpi_madt *out, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
        return;
    for (unsigned i = 0; i < out->cpu_count; i++)
        if (out->cpus[i].apic_id == apic_id)
            return;
    if (out->cpu_count == ACPI_MAX_CPUS)
        out->cpus_ignored++;
    else
        out->cpus[out->cpu_count++] = (struct acpi_cpu){ .apic_id = apic_id, .uid = uid };
}

/* Reads one structure; false if it is too short for its type. Others are skipped. */
static bool madt_read(const union madt_entry *e, struct acpi_madt *out)
{
    static const uint8_t min_len[] = {
        [MADT_LAPIC] = sizeof(e->lapic), [MADT_IOAPIC] = sizeof(e->ioapic),
        [MADT_ISO] = sizeof(e->iso), [MADT_LAPIC_ADDR] = sizeof(e->lapic_addr),
        [MADT_X2APIC] = sizeof(e->x2apic),
    };

    if (e->hdr.type >= ARRAY_SIZE(min_len) || !min_len[e->hdr.type])
        return true;
    if (e->hdr.length < min_len[e->hdr.type])
        return false;
    switch (e->hdr.type) {
    case MADT_LAPIC: add_cpu(out, e->lapic.apic_id, e->lapic.uid, e->lapic.flags); break;
    case MADT_X2APIC: add_cpu(out, e->x2apic.id, e->x2apic.uid, e->x2apic.flags); break;
    /* A 64-bit address that replaces the 32-bit one in the MADT header. */
    case MADT_LAPIC_ADDR: out->lapic_addr = e->lapic_addr.addr; break;
    /* Extra I/O APICs and overrides beyond the fixed arrays are dropped. */
    case MADT_IOAPIC:
        if (out->ioapic_count < ACPI_MAX_IOAPICS)
            out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){
                .id = e->ioapic.id, .addr = e->ioapic.addr, .gsi_base = e->ioapic.gsi_base };
        break;
    case MADT_ISO:
        if (out->override_count < ACPI_MAX_OVERRIDES)
            out->overrides[out->override_count++] = (struct acpi_override){
                .irq = e->iso.source, .gsi = e->iso.gsi, .flags = e->iso.flags };
        break;
    }
    return true;
}

const char *acpi_parse_madt(uint64_t pa, acpi_map_fn map, struct acpi_madt *out)
{
    const struct acpi_header *t;

    memset(out, 0, sizeof(*out));
    const char *msg = map_table(pa, map, "APIC", sizeof(struct madt), 1, &t);
    if (msg)
        return fail("MADT", msg);
    const struct madt *m = (const struct madt *)t;
    out->lapic_addr = m->lapic_addr;
    out->pcat_compat = (m->flags & MADT_PCAT_COMPAT) != 0;
    /* The interrupt controller structures follow the header back to back. */
    for (uint32_t off = sizeof(*m); off < t->length;) {
        const union madt_entry *e = (const void *)((const uint8_t *)t + off);
        uint32_t left = t->length - off;

        if (left < sizeof(e->hdr) || e->hdr.length > left)
            return fail("MADT", "entry runs past the table");
        if (e->hdr.length < sizeof(e->hdr))
            return fail("MADT", "entry length below 2");
        if (!madt_read(e, out))
            return fail("MADT", "entry too short for its type");
        off += e->hdr.length;
    }
    return out->cpu_count ? NULL : fail("MADT", "lists no usable CPU");
}
