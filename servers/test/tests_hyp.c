/* SPDX-License-Identifier: MIT */
/* Vireo test server: HYPnnnn, part one: hostile numbers, selectors, CPUs, addresses. */
#include "test.h"

#define SPARE_FIRST VIREO_HC_COUNT
#define NUMBERS (1u << VIREO_HC_NUMBER_BITS)
#define PAST_DEADLINE 1
#define QPD_OK VIREO_QPD(WORKER_PRIO, WORKER_QUANTUM_US)
#define NO_SUCH_CPU 9999u
#define NO_SUCH_GSI 9999u
#define COM1_GSI 4u
#define KERNEL_HALF 0xffff800000000000ull
#define KERNEL_IMAGE 0xffffffff80000000ull
#define NON_CANONICAL 0x0000800000000000ull
#define QUANTUM_HUGE ((1ull << 52) - 1)
#define CPUID1_ECX_VMX (1u << 5)
#define REVOKE_WAIT_US 500000u
#define SETTLE_US 20000u
#define VICTIM_WORD 0x5ca1ab1e5ca1ab1eull

static uint64_t ip_of(handler_entry h)
{
    return (uint64_t)(uintptr_t)h;
}

/* Numbers 14 and 15 have no hypercall: BAD_HYP whatever the arguments. */
static const char *hyp_spare(void)
{
    for (uint64_t nr = SPARE_FIRST; nr < NUMBERS; nr++) {
        EXPECT(vireo_hc6(nr, 0, 0, 0, 0, 0, 0).status, VIREO_BAD_HYP);
        EXPECT(vireo_hc6(nr, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull).status,
               VIREO_BAD_HYP);
    }
    return NULL;
}

static const uint64_t junk[] = {
    0xa5a5a5a5a5a5a5a0ull, ~0xfull, 1ull << VIREO_HC_FLAGS_SHIFT, 1ull << 63, 0xf0ull,
};

/* Only the low VIREO_HC_NUMBER_BITS pick the call: junk above must not make 14 real. */
static const char *hyp_spare_junk(void)
{
    for (uint64_t nr = SPARE_FIRST; nr < NUMBERS; nr++)
        for (unsigned j = 0; j < ARRAY_SIZE(junk); j++)
            TRY(test_append(EXPECT_STATUS(vireo_hc6(nr | junk[j], 0, 0, 0, 0, 0, 0).status,
                                          VIREO_BAD_HYP), " (RAX 0x%lx)", nr | junk[j]));
    return NULL;
}

/*
 * Every real number reaches its hypercall, with or without junk flags. All arguments
 * are an empty selector, so each call fails harmlessly (and none can block: sm_ctrl down
 * on an empty selector is refused first). Reply (1) is left out: from an EC that serves
 * no call it may legitimately never return (HYP0029 tries it from a worker).
 */
static const char *hyp_numbers_dispatch(void)
{
    for (uint64_t nr = 0; nr < VIREO_HC_COUNT; nr++) {
        if (nr == VIREO_HC_REPLY)
            continue;
        for (unsigned j = 0; j <= ARRAY_SIZE(junk); j++) {
            uint64_t rax = nr | (j ? junk[j - 1] & ~0xfull : 0);
            uint64_t st = vireo_hc6(rax, SEL_EMPTY, SEL_EMPTY, SEL_EMPTY, SEL_EMPTY,
                                           SEL_EMPTY, SEL_EMPTY).status;
            CHECK(st != VIREO_BAD_HYP && st < VIREO_STATUS_COUNT,
                  "RAX 0x%lx returned %s, wanted the hypercall's own refusal", rax,
                  status_name(st));
        }
    }
    EXPECT_EMPTY(SEL_EMPTY);
    return NULL;
}

static const char *hyp_keep_registers(void)
{
    unsigned changed;
    EXPECT(hc_keep_regs(hc_rax(15, 0), 0, &changed), VIREO_BAD_HYP);
    CHECK(!changed, "a spare number changed registers (mask 0x%x)", changed);
    EXPECT(hc_keep_regs(hc_rax(VIREO_HC_SM_CTRL, 0), SEL_EMPTY, &changed), VIREO_BAD_CAP);
    CHECK(!changed, "a refused sm_ctrl changed registers (mask 0x%x)", changed);
    EXPECT(hc_keep_regs(hc_rax(VIREO_HC_LOOKUP, 0), crd_obj(VIREO_SEL_SELF_PD, 0, 0), &changed),
           VIREO_SUCCESS);
    CHECK(!changed, "a lookup changed registers (mask 0x%x)", changed);
    return NULL;
}

/*
 * Every selector argument, one at a time, replaced by bad(real selector): nothing may
 * happen but BAD_CAP. `bits` 0 means an empty selector; else bits are ORed into a real
 * selector, so a kernel that truncates selectors would find the real object.
 */
static uint64_t bad(uint64_t sel, uint64_t bits)
{
    return !bits ? SEL_EMPTY : bits == ~0ull ? ~0ull : sel | bits;
}

static const char *bad_sources(uint64_t bits)
{
    struct server s;
    uint64_t gec = sel_alloc(), sm = sel_alloc(), d = sel_alloc();
    const uint64_t pd = VIREO_SEL_SELF_PD;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_global_ec(gec, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(sm, 1), VIREO_SUCCESS);
    EXPECT(hc_create_pd(d, bad(pd, bits), 0), VIREO_BAD_CAP);
    EXPECT(hc_create_ec(0, d, bad(pd, bits), hc_ec_cpu(0, SEL_EVENT_NONE), utcb_alloc(), 0, 0),
           VIREO_BAD_CAP);
    EXPECT(hc_create_sc(d, bad(pd, bits), gec, QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_create_sc(d, pd, bad(gec, bits), QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_create_pt(d, bad(pd, bits), s.ec, 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT(hc_create_pt(d, pd, bad(s.ec, bits), 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT(hc_create_sm(d, bad(pd, bits), 0), VIREO_BAD_CAP);
    EXPECT(hc_call(bad(s.pt, bits)), VIREO_BAD_CAP);
    EXPECT(hc_ec_ctrl(bad(s.ec, bits), VIREO_HC_FLAG_EC_RECALL), VIREO_BAD_CAP);
    EXPECT(hc_sc_ctrl(bad(VIREO_SEL_SELF_SC, bits), NULL), VIREO_BAD_CAP);
    EXPECT(hc_pt_ctrl(bad(s.pt, bits), 1), VIREO_BAD_CAP);
    EXPECT(hc_sm_up(bad(sm, bits)), VIREO_BAD_CAP);
    EXPECT(hc_sm_down(bad(sm, bits), deadline_us(SHORT_US)), VIREO_BAD_CAP);
    EXPECT(hc_assign_gsi(bad(sm, bits), COM1_GSI, 0), VIREO_BAD_CAP);
    EXPECT_EMPTY(d);
    CHECK(s.ctx->calls == 0, "the handler ran");
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_SUCCESS);   /* the one count is still there */
    return NULL;
}

static const char *hyp_empty_selectors(void)
{
    return bad_sources(0);
}

static const char *hyp_out_of_range_selectors(void)
{
    return bad_sources(SEL_LIMIT);
}

static const uint64_t huge_bits[] = { 1ull << 16, 1ull << 32, 1ull << 63, ~0ull };

static const char *hyp_huge_selectors(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(huge_bits); i++)
        TRY(test_append(bad_sources(huge_bits[i]), " (selector bits 0x%lx)", huge_bits[i]));
    return NULL;
}

/*
 * A destination past the object space is a parameter out of range: BAD_PAR (as the
 * kernel's cap_create has it), and one that aliases an empty selector must not land.
 */
static const char *bad_destination(uint64_t dst, uint64_t alias)
{
    struct server s;
    uint64_t gec = sel_alloc();
    const uint64_t pd = VIREO_SEL_SELF_PD;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_global_ec(gec, 0), VIREO_SUCCESS);
    struct ectx *c = ectx_alloc_handler();
    uint64_t rsp = ectx_prepare(c, utcb_alloc());
    EXPECT(hc_create_pd(dst, pd, 0), VIREO_BAD_PAR);
    EXPECT(hc_create_ec(0, dst, pd, hc_ec_cpu(0, SEL_EVENT_NONE), (uint64_t)(uintptr_t)c->utcb,
                        rsp, 0), VIREO_BAD_PAR);
    EXPECT(hc_create_sc(dst, pd, gec, QPD_OK), VIREO_BAD_PAR);
    EXPECT(hc_create_pt(dst, pd, s.ec, 0, ip_of(h_op)), VIREO_BAD_PAR);
    EXPECT(hc_create_sm(dst, pd, 0), VIREO_BAD_PAR);
    EXPECT_EMPTY(alias);
    return NULL;
}

static const char *hyp_bad_destinations(void)
{
    uint64_t alias = sel_alloc();
    const uint64_t dsts[] = { SEL_LIMIT | alias, 1ull << 32 | alias, 1ull << 63 | alias, ~0ull };
    for (unsigned i = 0; i < ARRAY_SIZE(dsts); i++)
        TRY(test_append(bad_destination(dsts[i], alias), " (dst 0x%lx)", dsts[i]));
    return NULL;
}

/* Creating into a taken selector: BAD_CAP, and the occupant is the same object after. */
static const char *hyp_taken_destinations(void)
{
    struct server s;
    uint64_t gec = sel_alloc(), sm = sel_alloc();
    const uint64_t pd = VIREO_SEL_SELF_PD;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_global_ec(gec, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(sm, 1), VIREO_SUCCESS);
    struct ectx *c = ectx_alloc_handler();
    uint64_t rsp = ectx_prepare(c, utcb_alloc());
    EXPECT(hc_create_pd(sm, pd, 0), VIREO_BAD_CAP);
    EXPECT(hc_create_ec(0, sm, pd, hc_ec_cpu(0, SEL_EVENT_NONE), (uint64_t)(uintptr_t)c->utcb,
                        rsp, 0), VIREO_BAD_CAP);
    EXPECT(hc_create_sc(sm, pd, gec, QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_create_pt(sm, pd, s.ec, 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT(hc_create_sm(sm, pd, 0), VIREO_BAD_CAP);
    EXPECT_CAP(sm, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    EXPECT(hc_sm_down(sm, PAST_DEADLINE), VIREO_SUCCESS);
    EXPECT(hc_create_sm(VIREO_SEL_SELF_PD, pd, 0), VIREO_BAD_CAP);
    EXPECT(hc_create_pd(VIREO_SEL_SELF_EC, pd, 0), VIREO_BAD_CAP);
    EXPECT(hc_create_pt(VIREO_SEL_SELF_SC, pd, s.ec, 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT_CAP(VIREO_SEL_SELF_PD, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    EXPECT_CAP(VIREO_SEL_SELF_EC, VIREO_OBJ_EC, VIREO_OBJ_ALL);
    EXPECT_CAP(VIREO_SEL_SELF_SC, VIREO_OBJ_SC, VIREO_OBJ_ALL);
    return NULL;
}

static const char *hyp_wrong_types(void)
{
    struct server s;
    uint64_t gec = sel_alloc(), sm = sel_alloc(), d = sel_alloc();
    const uint64_t pd = VIREO_SEL_SELF_PD;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_global_ec(gec, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_create_pd(d, sm, 0), VIREO_BAD_CAP);
    EXPECT(hc_create_pd(d, s.pt, 0), VIREO_BAD_CAP);
    EXPECT(hc_create_ec(0, d, s.ec, hc_ec_cpu(0, SEL_EVENT_NONE), utcb_alloc(), 0, 0),
           VIREO_BAD_CAP);
    EXPECT(hc_create_sc(d, VIREO_SEL_SELF_SC, gec, QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_create_sc(d, pd, pd, QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_create_sc(d, pd, sm, QPD_OK), VIREO_BAD_CAP);
    EXPECT(hc_create_pt(d, VIREO_SEL_SELF_EC, s.ec, 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT(hc_create_pt(d, pd, s.pt, 0, ip_of(h_op)), VIREO_BAD_CAP);
    EXPECT(hc_create_sm(d, sm, 0), VIREO_BAD_CAP);
    EXPECT(hc_call(sm), VIREO_BAD_CAP);
    EXPECT(hc_call(pd), VIREO_BAD_CAP);
    EXPECT(hc_call(s.ec), VIREO_BAD_CAP);
    EXPECT(hc_sm_up(s.pt), VIREO_BAD_CAP);
    EXPECT(hc_sm_down(VIREO_SEL_SELF_EC, deadline_us(SHORT_US)), VIREO_BAD_CAP);
    EXPECT(hc_sc_ctrl(VIREO_SEL_SELF_EC, NULL), VIREO_BAD_CAP);
    EXPECT(hc_sc_ctrl(gec, NULL), VIREO_BAD_CAP);
    EXPECT(hc_pt_ctrl(sm, 1), VIREO_BAD_CAP);
    EXPECT(hc_pt_ctrl(s.ec, 1), VIREO_BAD_CAP);
    EXPECT(hc_ec_ctrl(s.pt, VIREO_HC_FLAG_EC_RECALL), VIREO_BAD_CAP);
    EXPECT(hc_ec_ctrl(VIREO_SEL_SELF_SC, VIREO_HC_FLAG_EC_RECALL), VIREO_BAD_CAP);
    EXPECT(hc_assign_gsi(s.pt, COM1_GSI, 0), VIREO_BAD_CAP);
    EXPECT_EMPTY(d);
    CHECK(s.ctx->calls == 0, "the handler ran");
    return NULL;
}

static const char *hyp_bad_cpu(void)
{
    uint64_t d = sel_alloc();
    const unsigned cpus[] = { NO_SUCH_CPU, (1u << VIREO_EC_CPU_BITS) - 1,
                              cpu_count ? cpu_count : NO_SUCH_CPU };
    for (unsigned i = 0; i < ARRAY_SIZE(cpus); i++) {
        EXPECT(hc_create_ec(0, d, VIREO_SEL_SELF_PD, hc_ec_cpu(cpus[i], SEL_EVENT_NONE),
                            utcb_alloc(), 0, 0), VIREO_BAD_CPU);
        EXPECT(hc_create_ec(VIREO_HC_FLAG_EC_GLOBAL, d, VIREO_SEL_SELF_PD,
                            hc_ec_cpu(cpus[i], SEL_EVENT_NONE), utcb_alloc(), 0, 0),
               VIREO_BAD_CPU);
    }
    EXPECT_EMPTY(d);
    return NULL;
}

static const char *hyp_bad_cpu_gsi(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_assign_gsi(sm, COM1_GSI, NO_SUCH_CPU), VIREO_BAD_CPU);
    EXPECT(hc_assign_gsi(sm, COM1_GSI, 1ull << 32), VIREO_BAD_CPU);
    EXPECT(hc_assign_gsi(sm, COM1_GSI, ~0ull), VIREO_BAD_CPU);
    return NULL;
}

/* A page of ours in use: create_ec must not map a UTCB over it. */
static uint64_t victim[PAGE / 8] __attribute__((aligned(PAGE)));

static const char *hyp_bad_utcb(void)
{
    uint64_t d = sel_alloc(), pd = sel_alloc(), fresh = utcb_alloc();
    const uint64_t cpu0 = hc_ec_cpu(0, SEL_EVENT_NONE);
    victim[0] = VICTIM_WORD;
    const uint64_t bad_utcbs[] = {
        fresh + 0x10, fresh + 8, KERNEL_HALF, KERNEL_IMAGE, NON_CANONICAL, 1ull << 63,
        ~0ull & ~(PAGE - 1), (uint64_t)(uintptr_t)my_utcb,
        (uint64_t)(uintptr_t)victim,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad_utcbs); i++)
        TRY(test_append(EXPECT_STATUS(hc_create_ec(0, d, VIREO_SEL_SELF_PD, cpu0, bad_utcbs[i],
                                                   0, 0), VIREO_BAD_PAR),
                        " (UTCB 0x%lx)", bad_utcbs[i]));
    EXPECT_EMPTY(d);
    CHECK(victim[0] == VICTIM_WORD, "create_ec replaced a page in use: it reads 0x%lx",
          victim[0]);
    /* The kernel half is no one's: not in a new PD either. */
    EXPECT(mk_pd(pd), VIREO_SUCCESS);
    EXPECT(hc_create_ec(0, d, pd, hc_ec_cpu(0, SEL_EVENT_NONE), KERNEL_IMAGE, 0, 0),
           VIREO_BAD_PAR);
    EXPECT(hc_create_ec(0, d, pd, hc_ec_cpu(0, SEL_EVENT_NONE), NON_CANONICAL, 0, 0),
           VIREO_BAD_PAR);
    return NULL;
}

/* create_pd's CRD must name object capabilities, aligned, within the space. */
static const char *hyp_create_pd_bad_crd(void)
{
    uint64_t d = sel_alloc();
    const vireo_crd crds[] = {
        crd_obj(65, 1, VIREO_OBJ_ALL), crd_obj(0, 16, VIREO_OBJ_ALL),
        crd_obj(SEL_LIMIT, 0, VIREO_OBJ_ALL),
        vireo_crd_make(VIREO_CRD_MEM, 0, 0, VIREO_MEM_ALL),
        vireo_crd_make(VIREO_CRD_IO, 0x3f8, 3, VIREO_IO_ACCESS),
    };
    for (unsigned i = 0; i < ARRAY_SIZE(crds); i++)
        TRY(test_append(EXPECT_STATUS(hc_create_pd(d, VIREO_SEL_SELF_PD, crds[i]), VIREO_BAD_PAR),
                        " (crd 0x%lx)", crds[i]));
    EXPECT_EMPTY(d);
    return NULL;
}

/* Portals bind local ECs, SCs global ones: the wrong kind of EC is the right object type
   (there is one EC type) used inconsistently: BAD_PAR. */
static const char *hyp_local_global_mixup(void)
{
    uint64_t lec = sel_alloc(), gec = sel_alloc(), d = sel_alloc();
    EXPECT(mk_local_ec(lec, 0), VIREO_SUCCESS);
    EXPECT(mk_global_ec(gec, 0), VIREO_SUCCESS);
    EXPECT(hc_create_sc(d, VIREO_SEL_SELF_PD, lec, QPD_OK), VIREO_BAD_PAR);
    EXPECT(hc_create_pt(d, VIREO_SEL_SELF_PD, gec, 0, ip_of(h_op)), VIREO_BAD_PAR);
    EXPECT_EMPTY(d);
    return NULL;
}

static const char *hyp_bad_gsi(void)
{
    uint64_t sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_assign_gsi(sm, NO_SUCH_GSI, 0), VIREO_BAD_DEV);
    EXPECT(hc_assign_gsi(sm, 1ull << 32 | COM1_GSI, 0), VIREO_BAD_DEV);
    EXPECT(hc_assign_gsi(sm, ~0ull, 0), VIREO_BAD_DEV);
    return NULL;
}

/*
 * Untyped words grow up from words[0], typed items down from the end; the counts in the
 * header are the sender's to lie about. The ABI does not say which of two sane answers
 * holds, so either passes: the call is refused (BAD_PAR, the handler never runs), or the
 * message is cut to fit (the handler sees untyped <= words and untyped + 2 typed <= words).
 */
static const char *hyp_message_too_long(void)
{
    struct server s;
    const unsigned words = VIREO_UTCB_WORDS;
    const struct { unsigned untyped, typed; } sizes[] = {
        { words + 1, 0 }, { 0xffff, 0 }, { 0, 0xffff }, { 0, words / 2 + 1 },
        { words - 1, 1 }, { 0xffff, 0xffff },
    };
    EXPECT(server_start_at(&s, 0, h_counts), VIREO_SUCCESS);
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
        memset(my_utcb->words, 0, sizeof(my_utcb->words));
        my_utcb->head.untyped = (uint16_t)sizes[i].untyped;
        my_utcb->head.typed = (uint16_t)sizes[i].typed;
        uint64_t calls = s.ctx->calls, st = hc_call(s.pt);
        uint64_t untyped = my_utcb->words[0], typed = my_utcb->words[1];
        if (st == VIREO_BAD_PAR) {
            CHECK(s.ctx->calls == calls, "refused with BAD_PAR, but the handler ran");
            continue;
        }
        TRY(test_append(EXPECT_STATUS(st, VIREO_SUCCESS), " (%u untyped, %u typed)",
                        sizes[i].untyped, sizes[i].typed));
        CHECK(untyped <= words && untyped + 2 * typed <= words,
              "sent %u untyped, %u typed: the handler saw %lu, %lu", sizes[i].untyped,
              sizes[i].typed, untyped, typed);
    }
    return NULL;
}

/* Worker: replies to no one; res[1] says the reply came back, with status res[0]. */
static void w_reply(struct ectx *c)
{
    c->res[0] = hc_reply();
    c->res[1] = 1;
}

/*
 * Reply from an EC that serves no call: the ABI does not say. Either it comes back with
 * an error, or the EC stays blocked (NOVA parks it): both pass; SUCCESS, a kill or a
 * hang of the system do not.
 */
static const char *hyp_reply_without_caller(void)
{
    struct worker w;
    EXPECT(worker_start(&w, 0, w_reply), VIREO_SUCCESS);
    uint64_t st = worker_wait(&w, SETTLE_US * 10);
    if (st == VIREO_TIMEOUT) {
        CHECK(w.ctx->res[1] == 0, "the reply came back but the worker did not finish");
        return NULL;
    }
    EXPECT(st, VIREO_SUCCESS);
    CHECK(w.ctx->res[0] != VIREO_SUCCESS && w.ctx->res[0] < VIREO_STATUS_COUNT,
          "reply with no caller returned %s", status_name(w.ctx->res[0]));
    return NULL;
}

/* Worker: res[1] = 1, then res[0] = a down on sel[0] with a deadline of arg[0] us. */
static void w_wait(struct ectx *c)
{
    c->res[1] = 1;
    c->res[0] = hc_sm_down(c->sel[0], deadline_us(c->arg[0]));
}

/*
 * The semaphore goes while an EC waits on it. The ABI leaves the waiter's status open:
 * ABORTED (its partner went away) or TIMEOUT (it waits out its deadline) both pass.
 */
static const char *hyp_revoke_waited_sm(void)
{
    struct worker w;
    uint64_t sm = sel_alloc(), pause_sm = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(pause_sm, 0), VIREO_SUCCESS);
    EXPECT(worker_create(&w, 0, w_wait), VIREO_SUCCESS);
    w.ctx->sel[0] = sm;
    w.ctx->arg[0] = REVOKE_WAIT_US;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    CHECK(wait_flag(pause_sm, &w.ctx->res[1], WAIT_US), "the worker did not start waiting");
    /* It set the flag just before its down: let it get there. */
    EXPECT(hc_sm_down(pause_sm, deadline_us(SETTLE_US)), VIREO_TIMEOUT);
    EXPECT(hc_revoke(crd_obj(sm, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    CHECK(w.ctx->res[0] == VIREO_ABORTED || w.ctx->res[0] == VIREO_TIMEOUT,
          "the waiter got %s, wanted ABORTED or TIMEOUT", status_name(w.ctx->res[0]));
    return NULL;
}

/* 2^52 - 1 microseconds: accepted, or refused as out of range; never a broken kernel. */
static const char *hyp_huge_quantum(void)
{
    uint64_t ec = sel_alloc(), sc = sel_alloc(), ticks;
    EXPECT(mk_global_ec(ec, 0), VIREO_SUCCESS);
    uint64_t st = hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, VIREO_QPD(WORKER_PRIO, QUANTUM_HUGE));
    CHECK(st == VIREO_SUCCESS || st == VIREO_BAD_PAR, "create_sc returned %s",
          status_name(st));
    if (st == VIREO_SUCCESS)
        EXPECT(hc_sc_ctrl(sc, &ticks), VIREO_SUCCESS);
    EXPECT_CAP(VIREO_SEL_SELF_SC, VIREO_OBJ_SC, VIREO_OBJ_ALL);
    return NULL;
}

/*
 * Quanta below 100 us are refused (under Bochs 1 us is 10 TSC ticks, less than the
 * kernel's own way back to ring 3, so such an SC would livelock its CPU); the smallest
 * allowed one at the top priority must still get its EC to run its few instructions and
 * block. On CPU 1, so that a livelock is a failure, not a hang.
 */
static const char *hyp_tiny_quantum(void)
{
    struct worker w;
    if (cpu_count == 1)
        return test_skip("one CPU");
    EXPECT(worker_create(&w, 1, NULL), VIREO_SUCCESS);
    EXPECT(hc_create_sc(w.sc, VIREO_SEL_SELF_PD, w.ec, VIREO_QPD(VIREO_PRIO_MAX, 1)),
           VIREO_BAD_PAR);
    EXPECT(hc_create_sc(w.sc, VIREO_SEL_SELF_PD, w.ec, VIREO_QPD(VIREO_PRIO_MAX, 99)),
           VIREO_BAD_PAR);
    EXPECT(hc_create_sc(w.sc, VIREO_SEL_SELF_PD, w.ec, VIREO_QPD(VIREO_PRIO_MAX, 100)),
           VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    return NULL;
}

static uint32_t cpuid1_ecx(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return c;
}

/* A vCPU needs a VM PD; a VM PD needs EPT. */
static const char *hyp_vcpu_without_vmx(void)
{
    uint64_t d = sel_alloc(), vm = sel_alloc();
    EXPECT(hc_create_ec(VIREO_HC_FLAG_EC_VCPU, d, VIREO_SEL_SELF_PD,
                        hc_ec_cpu(0, SEL_EVENT_NONE), utcb_alloc(), 0, 0), VIREO_BAD_PAR);
    EXPECT_EMPTY(d);
    if (cpuid1_ecx() & CPUID1_ECX_VMX)
        return test_skip("this CPU has VMX");
    EXPECT(vireo_hc6(hc_rax(VIREO_HC_CREATE_PD, VIREO_HC_FLAG_PD_VM), vm, VIREO_SEL_SELF_PD,
                     0, 0, 0, 0).status, VIREO_BAD_FTR);
    EXPECT_EMPTY(vm);
    return NULL;
}

static const struct test hyp_tests[] = {
    { "HYP0001", "spare numbers 14 and 15: BAD_HYP", hyp_spare },
    { "HYP0002", "junk above the number bits: still BAD_HYP", hyp_spare_junk },
    { "HYP0003", "numbers 0, 2-13 reach their hypercall, junk flags too", hyp_numbers_dispatch },
    { "HYP0004", "hypercalls keep RBX and R12-R15", hyp_keep_registers },
    { "HYP0005", "empty selectors: BAD_CAP everywhere", hyp_empty_selectors },
    { "HYP0006", "selector 2^15 + a real one: BAD_CAP everywhere", hyp_out_of_range_selectors },
    { "HYP0007", "huge 64-bit selectors: BAD_CAP everywhere", hyp_huge_selectors },
    { "HYP0008", "destination out of range: BAD_PAR, no alias lands", hyp_bad_destinations },
    { "HYP0009", "destination taken: BAD_CAP, occupant intact", hyp_taken_destinations },
    { "HYP0010", "the wrong object type: BAD_CAP", hyp_wrong_types },
    { "HYP0011", "create_ec: no such CPU: BAD_CPU", hyp_bad_cpu },
    { "HYP0012", "create_ec: bad or taken UTCB address: BAD_PAR", hyp_bad_utcb },
    { "HYP0013", "create_pd: a CRD that is not objects, aligned: BAD_PAR", hyp_create_pd_bad_crd },
    { "HYP0014", "SC on a local EC, portal on a global EC: BAD_PAR", hyp_local_global_mixup },
    { "HYP0015", "assign_gsi: no such GSI: BAD_DEV", hyp_bad_gsi },
    { "HYP0016", "assign_gsi: no such CPU: BAD_CPU", hyp_bad_cpu_gsi },
    { "HYP0017", "a message larger than the UTCB: refused or cut", hyp_message_too_long },
    { "HYP0018", "reply with no caller: no SUCCESS, no hang", hyp_reply_without_caller },
    { "HYP0019", "revoke a semaphore an EC waits on", hyp_revoke_waited_sm },
    { "HYP0020", "a huge SC quantum: accepted or BAD_PAR", hyp_huge_quantum },
    { "HYP0021", "quanta under 100 us: BAD_PAR; 100 us at top priority still runs",
      hyp_tiny_quantum },
    { "HYP0022", "a vCPU outside a VM PD: BAD_PAR; a VM PD without VMX: BAD_FTR", hyp_vcpu_without_vmx },
    { "HYP0037", "our own RAM page revoked, then touched by a worker", r2_hyp_revoke_own_ram },
    { "HYP0038", "a GSI routed to CPU 1, its semaphore revoked, then it fires", r2_hyp_gsi_revoked },
};

AREA(hyp_area, hyp_tests);
