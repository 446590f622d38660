/* SPDX-License-Identifier: MIT */
/* Vireo test server: HYPnnnn, part two: rights, delegation, revocation, bad CRDs. */
#include "test.h"

#define PAST_DEADLINE 1
#define QPD_OK VIREO_QPD(WORKER_PRIO, WORKER_QUANTUM_US)
#define COM1_GSI 4u
#define IO_PORTS (1ull << 16)
#define MEM_PAGE_LIMIT (1ull << 40)     /* page numbers past any address */

static uint64_t ip_of(handler_entry h)
{
    return (uint64_t)(uintptr_t)h;
}

/* A copy of `from` with `rights` at a fresh selector, checked with lookup. */
static const char *copy_with(struct server *s, uint64_t from, unsigned rights, uint64_t *to,
                             uint64_t type)
{
    *to = sel_alloc();
    EXPECT(copy_cap(s, from, *to, rights), VIREO_SUCCESS);
    return expect_cap(TEST_FILE, __LINE__, *to, type, rights);
}

static const char *hyp_rights_sm(void)
{
    struct server s;
    uint64_t sm = sel_alloc(), up, down, no_assign;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    TRY(copy_with(&s, sm, VIREO_SM_UP, &up, VIREO_OBJ_SM));
    TRY(copy_with(&s, sm, VIREO_SM_DOWN, &down, VIREO_OBJ_SM));
    TRY(copy_with(&s, sm, VIREO_SM_UP | VIREO_SM_DOWN, &no_assign, VIREO_OBJ_SM));
    EXPECT(hc_sm_down(up, PAST_DEADLINE), VIREO_BAD_CAP);
    EXPECT(hc_sm_up(up), VIREO_SUCCESS);
    EXPECT(hc_sm_up(down), VIREO_BAD_CAP);
    EXPECT(hc_sm_down(down, PAST_DEADLINE), VIREO_SUCCESS);
    EXPECT(hc_assign_gsi(no_assign, COM1_GSI, 0), VIREO_BAD_CAP);
    EXPECT(hc_sm_up(sm), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_SUCCESS);
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_TIMEOUT);
    return NULL;
}

static const char *hyp_rights_pt(void)
{
    struct server s;
    uint64_t no_call, no_ctrl;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    TRY(copy_with(&s, s.pt, VIREO_PT_CTRL, &no_call, VIREO_OBJ_PT));
    TRY(copy_with(&s, s.pt, VIREO_PT_CALL, &no_ctrl, VIREO_OBJ_PT));
    uint64_t calls = s.ctx->calls;
    const uint64_t msg[] = { OP_INFO };
    EXPECT(msg_call(no_call, 1, msg), VIREO_BAD_CAP);
    EXPECT(hc_pt_ctrl(no_call, 5), VIREO_SUCCESS);
    EXPECT(hc_pt_ctrl(no_ctrl, 6), VIREO_BAD_CAP);
    EXPECT(msg_call(no_ctrl, 1, msg), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == 5, "the handler got id %lu, wanted 5", my_utcb->words[0]);
    CHECK(s.ctx->calls == calls + 1, "the handler ran %lu times, wanted once",
          s.ctx->calls - calls);
    return NULL;
}

/* Copies of our own PD, each without one right; the others still work. */
static const char *hyp_rights_pd(void)
{
    struct server s;
    uint64_t gec = sel_alloc(), no_pd, no_ec, no_sc, no_pt, no_sm, d = sel_alloc();
    const unsigned all = VIREO_OBJ_ALL;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_global_ec(gec, 0), VIREO_SUCCESS);
    TRY(copy_with(&s, VIREO_SEL_SELF_PD, all & ~VIREO_PD_CREATE_PD, &no_pd, VIREO_OBJ_PD));
    TRY(copy_with(&s, VIREO_SEL_SELF_PD, all & ~VIREO_PD_CREATE_EC, &no_ec, VIREO_OBJ_PD));
    TRY(copy_with(&s, VIREO_SEL_SELF_PD, all & ~VIREO_PD_CREATE_SC, &no_sc, VIREO_OBJ_PD));
    TRY(copy_with(&s, VIREO_SEL_SELF_PD, all & ~VIREO_PD_CREATE_PT, &no_pt, VIREO_OBJ_PD));
    TRY(copy_with(&s, VIREO_SEL_SELF_PD, all & ~VIREO_PD_CREATE_SM, &no_sm, VIREO_OBJ_PD));
    EXPECT(hc_create_pd(d, no_pd, 0), VIREO_BAD_CAP);
    EXPECT(hc_create_ec(0, d, no_ec, hc_ec_cpu(0, SEL_EVENT_NONE), utcb_alloc(), 0, 0),
           VIREO_BAD_CAP);
    EXPECT(hc_create_sc(d, no_sc, gec, QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_create_pt(d, no_pt, s.ec, 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT(hc_create_sm(d, no_sm, 0), VIREO_BAD_CAP);
    EXPECT_EMPTY(d);
    EXPECT(hc_create_sm(d, no_pd, 0), VIREO_SUCCESS);
    return NULL;
}

static const char *hyp_rights_ec_sc(void)
{
    struct server s;
    uint64_t gec = sel_alloc(), no_pt, no_sc, no_ctrl, sc_no_ctrl, sc_ctrl, d = sel_alloc();
    const unsigned all = VIREO_OBJ_ALL;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_global_ec(gec, 0), VIREO_SUCCESS);
    TRY(copy_with(&s, s.ec, all & ~VIREO_EC_CREATE_PT, &no_pt, VIREO_OBJ_EC));
    TRY(copy_with(&s, gec, all & ~VIREO_EC_CREATE_SC, &no_sc, VIREO_OBJ_EC));
    TRY(copy_with(&s, s.ec, all & ~VIREO_EC_CTRL, &no_ctrl, VIREO_OBJ_EC));
    TRY(copy_with(&s, VIREO_SEL_SELF_SC, all & ~VIREO_SC_CTRL, &sc_no_ctrl, VIREO_OBJ_SC));
    TRY(copy_with(&s, VIREO_SEL_SELF_SC, VIREO_SC_CTRL, &sc_ctrl, VIREO_OBJ_SC));
    EXPECT(hc_create_pt(d, VIREO_SEL_SELF_PD, no_pt, 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT(hc_create_sc(d, VIREO_SEL_SELF_PD, no_sc, QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_ec_ctrl(no_ctrl, VIREO_HC_FLAG_EC_RECALL), VIREO_BAD_CAP);
    EXPECT(hc_sc_ctrl(sc_no_ctrl, NULL), VIREO_BAD_CAP);
    EXPECT(hc_sc_ctrl(sc_ctrl, NULL), VIREO_SUCCESS);
    EXPECT_EMPTY(d);
    return NULL;
}

static const char *hyp_rights_never_grow(void)
{
    struct server s;
    uint64_t a = sel_alloc(), b = sel_alloc(), c = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, b, VIREO_SM_UP), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, b, c, VIREO_OBJ_ALL), VIREO_SUCCESS);
    EXPECT_CAP(c, VIREO_OBJ_SM, VIREO_SM_UP);
    EXPECT(hc_sm_down(c, PAST_DEADLINE), VIREO_BAD_CAP);
    return NULL;
}

/* a -> b -> c and a -> d: revoking b takes c along and leaves a and d alone. */
static const char *hyp_revoke_middle(void)
{
    struct server s;
    uint64_t a = sel_alloc(), b = sel_alloc(), c = sel_alloc(), d = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, b, VIREO_OBJ_ALL), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, b, c, VIREO_SM_DOWN | VIREO_SM_UP), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, d, VIREO_SM_UP), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(b, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    EXPECT_EMPTY(b);
    EXPECT_EMPTY(c);
    EXPECT_CAP(a, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT_CAP(d, VIREO_OBJ_SM, VIREO_SM_UP);
    EXPECT(hc_revoke(crd_obj(a, 0, VIREO_OBJ_ALL), 0), VIREO_SUCCESS);
    EXPECT_EMPTY(d);
    EXPECT_CAP(a, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    return NULL;
}

/*
 * Onto its own slot: nothing can change (cap_delegate refuses it). A typed item that
 * cannot be delegated is dropped, the reply still arrives: the call succeeds.
 */
static const char *hyp_delegate_onto_itself(void)
{
    struct server s;
    uint64_t a = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, a, a, VIREO_SM_UP), VIREO_SUCCESS);
    EXPECT_CAP(a, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT(hc_revoke(crd_obj(a, 0, VIREO_OBJ_ALL), 0), VIREO_SUCCESS);
    EXPECT_CAP(a, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    return NULL;
}

static const char *hyp_delegate_nothing(void)
{
    struct server s;
    uint64_t w = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(copy_cap(&s, SEL_EMPTY, w, VIREO_OBJ_ALL), VIREO_SUCCESS);
    EXPECT_EMPTY(w);
    return NULL;
}

/* Typed items with bad CRDs deliver nothing; the window is order 0 at w throughout. */
static const char *hyp_delegate_bad_items(void)
{
    struct server s;
    uint64_t a = sel_alloc_range(1), w = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a + 1, 0), VIREO_SUCCESS);
    const vireo_crd items[] = {
        crd_obj(a + 1, 1, VIREO_OBJ_ALL),                       /* misaligned */
        crd_obj(0, 31, VIREO_OBJ_ALL),                          /* order past the space */
        crd_obj(SEL_LIMIT | a, 0, VIREO_OBJ_ALL),               /* base past the space */
        crd_obj(1ull << 32 | a, 0, VIREO_OBJ_ALL),
    };
    for (unsigned i = 0; i < ARRAY_SIZE(items); i++) {
        EXPECT(delegate_self(&s, items[i], 0, crd_obj(w, 0, VIREO_OBJ_ALL)), VIREO_SUCCESS);
        TRY(test_append(expect_empty(TEST_FILE, __LINE__, w), " (item 0x%lx)", items[i]));
    }
    return NULL;
}

/* Without REVOKE_SELF throughout: a kernel that took one of these would cut nothing. */
static const char *hyp_revoke_bad_crd(void)
{
    const vireo_crd crds[] = {
        crd_obj(65, 1, VIREO_OBJ_ALL), crd_obj(0, 16, VIREO_OBJ_ALL),
        crd_obj(0, 31, VIREO_OBJ_ALL), crd_obj(SEL_LIMIT, 0, VIREO_OBJ_ALL),
        crd_obj(1ull << 40, 0, VIREO_OBJ_ALL),
        vireo_crd_make(VIREO_CRD_MEM, 1, 1, VIREO_MEM_ALL),
        vireo_crd_make(VIREO_CRD_MEM, MEM_PAGE_LIMIT, 0, VIREO_MEM_ALL),
        vireo_crd_make(VIREO_CRD_IO, IO_PORTS, 0, VIREO_IO_ACCESS),
        vireo_crd_make(VIREO_CRD_IO, 0x3f9, 1, VIREO_IO_ACCESS),
    };
    for (unsigned i = 0; i < ARRAY_SIZE(crds); i++)
        TRY(test_append(EXPECT_STATUS(hc_revoke(crds[i], 0), VIREO_BAD_PAR), " (crd 0x%lx)",
                        crds[i]));
    EXPECT_CAP(VIREO_SEL_SELF_PD, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    return NULL;
}

/*
 * ABI: lookup describes "what the caller holds at crd's base (kind NULL if nothing)":
 * a base past the space holds nothing, even one whose low bits name a real capability,
 * and the order given is no part of the question.
 */
static const char *hyp_lookup_bad_crd(void)
{
    const vireo_crd crds[] = {
        crd_obj(SEL_LIMIT, 0, 0), crd_obj(SEL_LIMIT | VIREO_SEL_SELF_PD, 0, 0),
        crd_obj(1ull << 32 | VIREO_SEL_SELF_PD, 0, 0), crd_obj(1ull << 40, 0, 0),
        crd_obj(~0ull >> VIREO_CRD_BASE_SHIFT, 0, 0),
        vireo_crd_make(VIREO_CRD_IO, IO_PORTS | 0x3f8, 0, 0),
        vireo_crd_make(VIREO_CRD_MEM, MEM_PAGE_LIMIT, 0, 0),
    };
    for (unsigned i = 0; i < ARRAY_SIZE(crds); i++) {
        vireo_crd out = 0;
        TRY(test_append(EXPECT_STATUS(hc_lookup(crds[i], &out, NULL), VIREO_SUCCESS),
                        " (crd 0x%lx)", crds[i]));
        CHECK(vireo_crd_kind(out) == VIREO_CRD_NULL, "lookup(0x%lx) found kind %u at 0x%lx",
              crds[i], vireo_crd_kind(out), vireo_crd_base(out));
    }
    vireo_crd out = 0;
    uint64_t type = 0;
    EXPECT(hc_lookup(crd_obj(VIREO_SEL_SELF_PD, 31, 0), &out, &type), VIREO_SUCCESS);
    CHECK(vireo_crd_kind(out) == VIREO_CRD_OBJ && vireo_crd_order(out) == 0 &&
          type == VIREO_OBJ_PD, "lookup(SELF_PD, order 31) gave kind %u order %u type %lu",
          vireo_crd_kind(out), vireo_crd_order(out), type);
    return NULL;
}

static const char *hyp_revoke_nothing(void)
{
    EXPECT(hc_revoke(0, VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(SEL_EMPTY, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF),
           VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(SEL_EMPTY, 5, VIREO_OBJ_ALL), 0), VIREO_SUCCESS);
    return NULL;
}

/*
 * A portal's IP is the caller's to choose: one in the hole between the canonical halves
 * (SYSRET or IRETQ there would fault in ring 0) or in the kernel half must end only its
 * handler, and the caller gets ABORTED.
 */
static const char *hyp_portal_ip_not_user(void)
{
    static const uint64_t ips[] = { 0x0000800000000000ull, 0xffff800000000000ull,
                                    0xfffffffffffffff0ull };
    const uint64_t word[1] = { 0 };
    for (unsigned i = 0; i < ARRAY_SIZE(ips); i++) {
        struct server s;
        EXPECT(server_start_at(&s, 0, (handler_entry)(uintptr_t)ips[i]), VIREO_SUCCESS);
        EXPECT(msg_call(s.pt, 1, word), VIREO_ABORTED);
        EXPECT(msg_call(s.pt, 1, word), VIREO_ABORTED);     /* its handler is dead */
    }
    return NULL;
}

/*
 * Global ECs created with an IP outside user space, all ready at once below our
 * priority. Each is killed at its first resume(), and ec_kill_current -> ec_end_current
 * -> schedule -> resume -> ec_check_return -> ec_kill_current nests on the kernel stack
 * (about 430 bytes a level, 16 KiB in all; the BSP's stack lies in .bss): the kernel
 * must kill them one after another and come back to us.
 */
#define BAD_IP_ECS 200u
static const char *hyp_many_bad_ip_ecs(void)
{
    uint64_t base = sel_alloc_range(9), nap = sel_alloc();
    EXPECT(mk_sm(nap, 0), VIREO_SUCCESS);
    for (unsigned i = 0; i < BAD_IP_ECS; i++) {
        uint64_t ec = base + 2 * i, sc = ec + 1;
        TRY(test_append(EXPECT_STATUS(hc_create_ec(VIREO_HC_FLAG_EC_GLOBAL, ec,
                                                   VIREO_SEL_SELF_PD,
                                                   hc_ec_cpu(0, SEL_EVENT_NONE), utcb_alloc(),
                                                   0x1000, 0x0000800000000000ull),
                                      VIREO_SUCCESS), " (EC %u)", i));
        TRY(test_append(EXPECT_STATUS(hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, QPD_OK),
                                      VIREO_SUCCESS), " (SC %u)", i));
    }
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);  /* they all run now */
    EXPECT_CAP(VIREO_SEL_SELF_PD, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    return NULL;
}

static const struct test hyp_caps_tests[] = {
    { "HYP0023", "missing rights on a semaphore", hyp_rights_sm },
    { "HYP0024", "missing rights on a portal", hyp_rights_pt },
    { "HYP0025", "missing rights on a PD", hyp_rights_pd },
    { "HYP0026", "missing rights on an EC and an SC", hyp_rights_ec_sc },
    { "HYP0027", "rights never grow along a delegation chain", hyp_rights_never_grow },
    { "HYP0028", "revoke a delegation tree from the middle", hyp_revoke_middle },
    { "HYP0029", "delegate a capability onto itself: no change", hyp_delegate_onto_itself },
    { "HYP0030", "delegate from an empty selector: nothing lands", hyp_delegate_nothing },
    { "HYP0031", "typed items with bad CRDs: nothing lands", hyp_delegate_bad_items },
    { "HYP0032", "revoke: misaligned or huge CRDs: BAD_PAR", hyp_revoke_bad_crd },
    { "HYP0033", "lookup: nothing past the space, order ignored", hyp_lookup_bad_crd },
    { "HYP0034", "revoke of nothing succeeds", hyp_revoke_nothing },
    { "HYP0035", "a portal IP outside user space ends only its handler: ABORTED",
      hyp_portal_ip_not_user },
    { "HYP0036", "200 ready ECs with an IP outside user space: killed in turn, no stack overflow",
      hyp_many_bad_ip_ecs },
};

AREA(hyp_caps_area, hyp_caps_tests);
