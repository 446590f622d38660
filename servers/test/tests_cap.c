/* SPDX-License-Identifier: MIT */
/* Vireo test server: CAPnnnn: creating objects, lookup, delegation and revocation. */
#include <vireo/hip.h>
#include "test.h"

#define COM1 0x3f8u
#define IO_PORTS_BITS 16u
#define TOP_SELECTOR (SEL_LIMIT - 1)
#define ALIAS_VA 0x40000000ull      /* free in our address space */
#define PAGE_SHIFT 12
#define RAM_MAGIC 0x0123456789abcdefull

static const char *cap_create_pd(void)
{
    uint64_t pd = sel_alloc();
    EXPECT(mk_pd(pd), VIREO_SUCCESS);
    EXPECT_CAP(pd, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_create_local_ec(void)
{
    uint64_t ec = sel_alloc();
    EXPECT(mk_local_ec(ec, 0), VIREO_SUCCESS);
    EXPECT_CAP(ec, VIREO_OBJ_EC, VIREO_OBJ_ALL);
    return NULL;
}

/* Address spaces are separate: our own UTCB's address is free in a new PD. */
static const char *cap_create_ec_in_new_pd(void)
{
    uint64_t pd = sel_alloc(), ec = sel_alloc();
    EXPECT(mk_pd(pd), VIREO_SUCCESS);
    EXPECT(hc_create_ec(0, ec, pd, hc_ec_cpu(0, SEL_EVENT_NONE), (uint64_t)(uintptr_t)my_utcb,
                        0, 0), VIREO_SUCCESS);
    EXPECT_CAP(ec, VIREO_OBJ_EC, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_create_pt(void)
{
    uint64_t ec = sel_alloc(), pt = sel_alloc();
    EXPECT(mk_local_ec(ec, 0), VIREO_SUCCESS);
    EXPECT(mk_pt(pt, ec), VIREO_SUCCESS);
    EXPECT_CAP(pt, VIREO_OBJ_PT, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_create_sm(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 5), VIREO_SUCCESS);
    EXPECT_CAP(sm, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_create_global_ec(void)
{
    uint64_t ec = sel_alloc();
    EXPECT(mk_global_ec(ec, 0), VIREO_SUCCESS);
    EXPECT_CAP(ec, VIREO_OBJ_EC, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_create_sc(void)
{
    uint64_t ec = sel_alloc(), sc = sel_alloc();
    EXPECT(mk_global_ec(ec, 0), VIREO_SUCCESS);
    EXPECT(hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, VIREO_QPD(WORKER_PRIO, WORKER_QUANTUM_US)),
           VIREO_SUCCESS);
    EXPECT_CAP(sc, VIREO_OBJ_SC, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_initial_selectors(void)
{
    EXPECT_CAP(VIREO_SEL_SELF_PD, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    EXPECT_CAP(VIREO_SEL_SELF_EC, VIREO_OBJ_EC, VIREO_OBJ_ALL);
    EXPECT_CAP(VIREO_SEL_SELF_SC, VIREO_OBJ_SC, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_lookup_empty(void)
{
    EXPECT_EMPTY(SEL_EMPTY);
    EXPECT_EMPTY(sel_alloc());
    return NULL;
}

static const char *cap_revoke_self(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(sm, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    EXPECT_EMPTY(sm);
    EXPECT(hc_sm_up(sm), VIREO_BAD_CAP);
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    return NULL;
}

static const char *cap_revoke_keeps_self(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(sm, 0, VIREO_OBJ_ALL), 0), VIREO_SUCCESS);
    EXPECT_CAP(sm, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT(hc_sm_up(sm), VIREO_SUCCESS);
    return NULL;
}

static const char *cap_delegate_fewer_rights(void)
{
    struct server s;
    uint64_t a = sel_alloc(), b = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, b, VIREO_SM_UP), VIREO_SUCCESS);
    EXPECT_CAP(b, VIREO_OBJ_SM, VIREO_SM_UP);
    EXPECT_CAP(a, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_revoke_original_and_copy(void)
{
    struct server s;
    uint64_t a = sel_alloc(), b = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, b, VIREO_OBJ_ALL), VIREO_SUCCESS);
    EXPECT_CAP(b, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT(hc_revoke(crd_obj(a, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    EXPECT_EMPTY(a);
    EXPECT_EMPTY(b);
    return NULL;
}

static const char *cap_revoke_copies_only(void)
{
    struct server s;
    uint64_t a = sel_alloc(), b = sel_alloc(), c = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, b, VIREO_SM_UP), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, c, VIREO_SM_DOWN), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(a, 0, VIREO_OBJ_ALL), 0), VIREO_SUCCESS);
    EXPECT_CAP(a, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT_EMPTY(b);
    EXPECT_EMPTY(c);
    return NULL;
}

/* An up through the copy is a count for a down through the original: one object. */
static const char *cap_copy_same_object(void)
{
    struct server s;
    uint64_t a = sel_alloc(), b = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, b, VIREO_SM_UP), VIREO_SUCCESS);
    EXPECT(hc_sm_up(b), VIREO_SUCCESS);
    EXPECT(hc_sm_down(a, deadline_us(WAIT_US)), VIREO_SUCCESS);
    return NULL;
}

/* cap_delegate semantics: each source capability lands at the same offset; holes stay. */
static const char *cap_delegate_range(void)
{
    struct server s;
    uint64_t src = sel_alloc_range(2), dst = sel_alloc_range(2);
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(src, 0), VIREO_SUCCESS);
    EXPECT(mk_pd(src + 1), VIREO_SUCCESS);
    EXPECT(mk_sm(src + 3, 0), VIREO_SUCCESS);
    EXPECT(delegate_self(&s, crd_obj(src, 2, VIREO_OBJ_ALL), 0, crd_obj(dst, 2, VIREO_OBJ_ALL)),
           VIREO_SUCCESS);
    EXPECT_CAP(dst, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT_CAP(dst + 1, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    EXPECT_EMPTY(dst + 2);
    EXPECT_CAP(dst + 3, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    return NULL;
}

/*
 * The other direction: a typed item in the call lands in the handler's receive window.
 * Handler and caller share our PD, so we set the handler's window in its UTCB page.
 */
static const char *cap_delegate_in_call(void)
{
    struct server s;
    uint64_t a = sel_alloc(), w = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    s.ctx->utcb->head.crd_recv = crd_obj(w, 0, VIREO_OBJ_ALL);
    *vireo_utcb_typed(my_utcb, 0) = (struct vireo_typed_item){ crd_obj(a, 0, VIREO_SM_DOWN), 0 };
    my_utcb->words[0] = OP_ECHO;
    my_utcb->head.untyped = 1;
    my_utcb->head.typed = 1;
    EXPECT(hc_call(s.pt), VIREO_SUCCESS);
    EXPECT_CAP(w, VIREO_OBJ_SM, VIREO_SM_DOWN);
    return NULL;
}

/* The root PD holds every I/O port: a lookup of COM1 finds a range that covers it. */
static const char *cap_lookup_io(void)
{
    vireo_crd out = 0;
    EXPECT(hc_lookup(vireo_crd_make(VIREO_CRD_IO, COM1, 0, 0), &out, NULL), VIREO_SUCCESS);
    uint64_t base = vireo_crd_base(out);
    unsigned order = vireo_crd_order(out);
    CHECK(vireo_crd_kind(out) == VIREO_CRD_IO && vireo_crd_rights(out) == VIREO_IO_ACCESS &&
          order <= IO_PORTS_BITS && base <= COM1 && COM1 - base < 1ull << order &&
          IS_ALIGNED(base, 1ull << order),
          "lookup(IO 0x3f8) gave kind %u base 0x%lx order %u rights 0x%x", vireo_crd_kind(out),
          base, order, vireo_crd_rights(out));
    return NULL;
}

static const char *cap_revoke_range(void)
{
    uint64_t r = sel_alloc_range(3);
    for (uint64_t i = 0; i < 8; i++)
        EXPECT(mk_sm(r + i, i), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(r, 3, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    for (uint64_t i = 0; i < 8; i++)
        EXPECT_EMPTY(r + i);
    return NULL;
}

/* Objects that belong to a child PD: their capabilities still land in our space. */
static const char *cap_objects_of_child_pd(void)
{
    uint64_t pd = sel_alloc(), sm = sel_alloc(), ec = sel_alloc(), pt = sel_alloc();
    EXPECT(mk_pd(pd), VIREO_SUCCESS);
    EXPECT(hc_create_sm(sm, pd, 1), VIREO_SUCCESS);
    EXPECT(hc_create_ec(0, ec, pd, hc_ec_cpu(0, SEL_EVENT_NONE), UTCB_FIRST, 0, 0),
           VIREO_SUCCESS);
    EXPECT(hc_create_pt(pt, pd, ec, 0, (uint64_t)(uintptr_t)h_echo), VIREO_SUCCESS);
    EXPECT_CAP(sm, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT_CAP(ec, VIREO_OBJ_EC, VIREO_OBJ_ALL);
    EXPECT_CAP(pt, VIREO_OBJ_PT, VIREO_OBJ_ALL);
    return NULL;
}

static const char *cap_pd_of_child_pd(void)
{
    uint64_t p1 = sel_alloc(), p2 = sel_alloc();
    EXPECT(mk_pd(p1), VIREO_SUCCESS);
    EXPECT(hc_create_pd(p2, p1, 0), VIREO_SUCCESS);
    EXPECT_CAP(p2, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    return NULL;
}

/* The last selector, 2^15 - 1, is as good as any (it is outside the per-test range). */
static const char *cap_top_selector(void)
{
    EXPECT(mk_sm(TOP_SELECTOR, 0), VIREO_SUCCESS);
    const char *m = expect_cap(TEST_FILE, __LINE__, TOP_SELECTOR, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT(hc_revoke(crd_obj(TOP_SELECTOR, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF),
           VIREO_SUCCESS);
    TRY(m);
    EXPECT_EMPTY(TOP_SELECTOR);
    return NULL;
}

/* A revoked selector is reusable for another kind of object. */
static const char *cap_reuse_selector(void)
{
    uint64_t sel = sel_alloc();
    EXPECT(mk_pd(sel), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(sel, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    EXPECT(mk_sm(sel, 0), VIREO_SUCCESS);
    EXPECT_CAP(sel, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    return NULL;
}

/* The HIP's CPU count is where create_ec starts saying BAD_CPU. */
static const char *cap_hip(void)
{
    uint64_t ec = sel_alloc();
    CHECK(hip, "no HIP in RSI at start (or a bad magic)");
    CHECK(hip->cpu_count >= 1 && hip->tsc_khz && hip->kernel_free_pages && hip->mem_count,
          "HIP: %u CPUs, %lu kHz, %lu free kernel pages, %u RAM ranges", hip->cpu_count,
          hip->tsc_khz, hip->kernel_free_pages, hip->mem_count);
    EXPECT(mk_local_ec(ec, hip->cpu_count - 1), VIREO_SUCCESS);
    EXPECT(mk_local_ec(sel_alloc(), hip->cpu_count), VIREO_BAD_CPU);
    return NULL;
}

/* The first page of free RAM the HIP lists: its page number in our space, and frame. */
static uint64_t ram_page(void)
{
    return (hip->mem_window + hip->mem[0].start) >> PAGE_SHIFT;
}

static const char *cap_lookup_ram(void)
{
    vireo_crd out = 0;
    uint64_t frame = 0;
    CHECK(hip && hip->mem_count, "no RAM in the HIP");
    EXPECT(hc_lookup(vireo_crd_make(VIREO_CRD_MEM, ram_page(), 0, 0), &out, &frame),
           VIREO_SUCCESS);
    uint64_t base = vireo_crd_base(out);
    unsigned order = vireo_crd_order(out);
    CHECK(vireo_crd_kind(out) == VIREO_CRD_MEM && vireo_crd_rights(out) == VIREO_MEM_ALL &&
          base <= ram_page() && ram_page() - base < 1ull << order,
          "lookup(RAM page 0x%lx) gave kind %u base 0x%lx order %u rights 0x%x",
          ram_page(), vireo_crd_kind(out), base, order, vireo_crd_rights(out));
    CHECK(frame + (ram_page() - base) == hip->mem[0].start >> PAGE_SHIFT,
          "lookup says frame 0x%lx for base 0x%lx; the HIP says 0x%lx", frame, base,
          hip->mem[0].start >> PAGE_SHIFT);
    return NULL;
}

/* A page of RAM delegated to another address of ours: one frame at both; revoke unmaps. */
static const char *cap_delegate_ram(void)
{
    struct server s;
    vireo_crd out = 0;
    uint64_t frame = 0;
    CHECK(hip && hip->mem_count, "no RAM in the HIP");
    volatile uint64_t *ram = (volatile uint64_t *)(ram_page() << PAGE_SHIFT);
    volatile uint64_t *alias = (volatile uint64_t *)ALIAS_VA;
    const vireo_crd item = vireo_crd_make(VIREO_CRD_MEM, ram_page(), 0, VIREO_MEM_R | VIREO_MEM_W);
    const vireo_crd window = vireo_crd_make(VIREO_CRD_MEM, ALIAS_VA >> PAGE_SHIFT, 0,
                                            VIREO_MEM_ALL);
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(delegate_self(&s, item, 0, window), VIREO_SUCCESS);
    EXPECT(hc_lookup(vireo_crd_make(VIREO_CRD_MEM, ALIAS_VA >> PAGE_SHIFT, 0, 0), &out, &frame),
           VIREO_SUCCESS);
    CHECK(vireo_crd_kind(out) == VIREO_CRD_MEM && vireo_crd_order(out) == 0 &&
          vireo_crd_rights(out) == (VIREO_MEM_R | VIREO_MEM_W) &&
          frame == hip->mem[0].start >> PAGE_SHIFT,
          "the alias looks up as kind %u order %u rights 0x%x frame 0x%lx",
          vireo_crd_kind(out), vireo_crd_order(out), vireo_crd_rights(out), frame);
    *ram = RAM_MAGIC;
    CHECK(*alias == RAM_MAGIC, "the alias reads 0x%lx", *alias);
    EXPECT(hc_revoke(vireo_crd_make(VIREO_CRD_MEM, ram_page(), 0, VIREO_MEM_ALL), 0),
           VIREO_SUCCESS);
    EXPECT(hc_lookup(vireo_crd_make(VIREO_CRD_MEM, ALIAS_VA >> PAGE_SHIFT, 0, 0), &out, NULL),
           VIREO_SUCCESS);
    CHECK(vireo_crd_kind(out) == VIREO_CRD_NULL, "the alias is still there after revoke");
    CHECK(*ram == RAM_MAGIC, "the original lost its contents");
    return NULL;
}

/* create_pd's CRD: the named object capabilities go to the new PD (IPC0021 sees them used). */
static const char *cap_create_pd_with_caps(void)
{
    uint64_t r = sel_alloc_range(2), pd = sel_alloc();
    EXPECT(mk_sm(r, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(r + 3, 0), VIREO_SUCCESS);
    EXPECT(hc_create_pd(pd, VIREO_SEL_SELF_PD, crd_obj(r, 2, VIREO_SM_UP)), VIREO_SUCCESS);
    EXPECT_CAP(pd, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    EXPECT_CAP(r, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    /* The copies are children of ours: revoking ours takes them, the PD stays. */
    EXPECT(hc_revoke(crd_obj(r, 2, VIREO_OBJ_ALL), 0), VIREO_SUCCESS);
    EXPECT_CAP(pd, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    return NULL;
}

static const struct test cap_tests[] = {
    { "CAP0001", "create a PD", cap_create_pd },
    { "CAP0002", "create a local EC in our own PD", cap_create_local_ec },
    { "CAP0003", "create an EC in a new PD at our own UTCB's address", cap_create_ec_in_new_pd },
    { "CAP0004", "create a portal", cap_create_pt },
    { "CAP0005", "create a semaphore", cap_create_sm },
    { "CAP0006", "create a global EC", cap_create_global_ec },
    { "CAP0007", "create a scheduling context", cap_create_sc },
    { "CAP0008", "lookup: the initial PD, EC and SC selectors", cap_initial_selectors },
    { "CAP0009", "lookup: an empty selector is NULL", cap_lookup_empty },
    { "CAP0010", "revoke with SELF empties the selector", cap_revoke_self },
    { "CAP0011", "revoke without SELF keeps the capability", cap_revoke_keeps_self },
    { "CAP0012", "delegate to our own space with fewer rights", cap_delegate_fewer_rights },
    { "CAP0013", "revoking the original removes the copy", cap_revoke_original_and_copy },
    { "CAP0014", "revoke without SELF removes copies only", cap_revoke_copies_only },
    { "CAP0015", "a copy names the same object", cap_copy_same_object },
    { "CAP0016", "delegate a range: holes stay holes", cap_delegate_range },
    { "CAP0017", "a typed item in a call lands in the handler's window", cap_delegate_in_call },
    { "CAP0018", "lookup: the root PD holds COM1's I/O ports", cap_lookup_io },
    { "CAP0019", "revoke a range of 8 capabilities", cap_revoke_range },
    { "CAP0020", "create objects that belong to a child PD", cap_objects_of_child_pd },
    { "CAP0021", "create a PD with a PD we created", cap_pd_of_child_pd },
    { "CAP0022", "the last selector, 2^15 - 1", cap_top_selector },
    { "CAP0023", "a revoked selector takes another kind of object", cap_reuse_selector },
    { "CAP0024", "the HIP: CPU count matches create_ec", cap_hip },
    { "CAP0025", "lookup: the HIP's free RAM is ours", cap_lookup_ram },
    { "CAP0026", "delegate a RAM page to another address of ours", cap_delegate_ram },
    { "CAP0027", "create_pd hands object capabilities to the new PD", cap_create_pd_with_caps },
    { "CAP0028", "64 PD create/destroy cycles give back every kernel page", r2_cap_pd_cycle_leak },
    { "CAP0029", "partial revokes of a delegated 16-page range split it", r2_cap_partial_revoke },
    { "CAP0030", "overlapping places, windows over UTCB/HIP/code: nothing lands",
      r2_cap_overlap_special },
    { "CAP0031", "500 delegate/split/revoke cycles give back every kernel page",
      r2_cap_deleg_cycle_leak },
};

AREA(cap_area, cap_tests);
