/* SPDX-License-Identifier: MIT */
/* Vireo test server: STORMnnnn: random hypercalls by the 100,000, and create/revoke cycles. */
#include <vireo/hip.h>
#include "test.h"

#define STORM_CALLS 100000u
#define STORM_SEED 0x5eed5eed12345678ull
#define STORM_WINDOW (1u << SEL_STORM_ORDER)
#define STORM_SMS 16u               /* what the window holds before the storm */
#define STORM_PDS 8u
#define STORM_ECS 8u
#define STORM_PTS 8u
#define STORM_CPUS 4u               /* CPU numbers tried as if real */
#define STORM_MAX_WAIT_US 50u       /* the longest deadline a storm down may carry */
#define STORM_MSG_WORDS 600u        /* random message sizes run past the UTCB */
#define STORM_MSG_TYPED 300u
#define NO_SUCH_CPU 9999u
#define CYCLE_ROUNDS 8u
#define CYCLE_N 32u                 /* of each kind: 4 * 32 fit the 2^8 window */
#define CYCLE_UTCB 0x10000000ull    /* in each new PD: any free page will do */
#define DELEGATIONS 1000u
#define CALLS 10000u

/*
 * Local ECs the storm creates get this stack. Nothing calls them (see storm_call), so
 * they never run; the stack only has to be a sane address.
 */
static uint8_t storm_stack[256] __attribute__((aligned(16)));

struct storm {
    uint64_t rng;
    uint64_t safe_pt;                       /* a portal whose handler replies at once */
    uint64_t status[VIREO_STATUS_COUNT];    /* how often each status came back */
    uint64_t unknown;                       /* statuses outside enum vireo_status */
    uint64_t spare_not_bad_hyp;
};

/* One hypercall's registers: RAX, then RDI RSI RDX R8 R9 R10. */
struct storm_call {
    uint64_t rax, a[6];
};

static uint64_t rnd(struct storm *s)
{
    return xorshift64(&s->rng);
}

/* Selectors no one holds: empty, past the space, or a window selector with high junk. */
static uint64_t pick_hostile(struct storm *s)
{
    uint64_t r = rnd(s), v = r >> 8;
    const uint64_t choices[] = {
        SEL_EMPTY + v % 32, SEL_LIMIT + v % 4096, v | 1ull << 63,
        (v << 32 | 1ull << 32) | (SEL_STORM + v % STORM_WINDOW), ~0ull,
    };
    return choices[r % ARRAY_SIZE(choices)];
}

/* Mostly the window, where the storm's own objects live; sometimes hostile. */
static uint64_t pick_sel(struct storm *s)
{
    uint64_t r = rnd(s);
    return r % 4 ? SEL_STORM + (r >> 8) % STORM_WINDOW : pick_hostile(s);
}

static uint64_t pick_pd(struct storm *s)
{
    return rnd(s) % 2 ? VIREO_SEL_SELF_PD : pick_sel(s);
}

/* A destination: never our own reserved or per-test selectors, so nothing leaks out. */
static uint64_t pick_dst(struct storm *s)
{
    uint64_t r = rnd(s);
    return r % 16 ? SEL_STORM + (r >> 8) % STORM_WINDOW : pick_hostile(s);
}

/* Flags above the defined ones, and the defined ones at random. */
static uint64_t junk_flags(struct storm *s)
{
    uint64_t r = rnd(s);
    return r % 4 ? r % 4 : r >> (VIREO_HC_FLAGS_SHIFT + 4);
}

static void storm_call(struct storm *s, struct storm_call *c)
{
    /* Only the safe portal or selectors that hold no portal: a window portal may have
       been bound to a foreign PD's EC or a random IP, and calling it would fault. */
    uint64_t r = rnd(s);
    c->rax = hc_rax(VIREO_HC_CALL, junk_flags(s));
    c->a[0] = r % 2 ? s->safe_pt : pick_hostile(s);
    my_utcb->head.untyped = (uint16_t)(r >> 8) % STORM_MSG_WORDS;
    my_utcb->head.typed = (uint16_t)((r >> 24) % 8 ? 0 : (r >> 32) % STORM_MSG_TYPED);
}

/* The CRD may hand the new PD copies of window capabilities (they go with the window). */
static void storm_create_pd(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    unsigned order = (unsigned)(r >> 8) % (SEL_STORM_ORDER + 1);
    c->rax = hc_rax(VIREO_HC_CREATE_PD, junk_flags(s));
    c->a[0] = pick_dst(s);
    c->a[1] = pick_pd(s);
    c->a[2] = r % 4 == 0 ? crd_obj(SEL_STORM + ((r >> 16) % STORM_WINDOW & ~((1ull << order) - 1)),
                                   order, (unsigned)(r >> 32))
            : r % 4 == 1 ? rnd(s) : 0;
}

/* Never GLOBAL (an SC would run it at a random place) nor VCPU (the next issue). */
static void storm_create_ec(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    const uint64_t bad_utcbs[] = {
        UTCB_STORM + 8, 0xffff800000000000ull, 0x0000800000000000ull, ~0ull, r | 1,
    };
    uint64_t cpu = r % 8 < 6 ? r % STORM_CPUS : r % 8 == 6 ? NO_SUCH_CPU : 0xffff;
    uint64_t event_base = (r >> 8) % 4 ? SEL_EVENT_NONE : rnd(s) >> VIREO_EC_CPU_BITS;
    c->rax = hc_rax(VIREO_HC_CREATE_EC, junk_flags(s) &
                    ~(uint64_t)(VIREO_HC_FLAG_EC_GLOBAL | VIREO_HC_FLAG_EC_VCPU));
    c->a[0] = pick_dst(s);
    c->a[1] = pick_pd(s);
    c->a[2] = hc_ec_cpu(cpu, event_base);
    c->a[3] = (r >> 16) % 4 ? UTCB_STORM + (r >> 20) % UTCB_STORM_PAGES * PAGE
                            : bad_utcbs[(r >> 20) % ARRAY_SIZE(bad_utcbs)];
    c->a[4] = (uint64_t)(uintptr_t)(storm_stack + sizeof(storm_stack)) - 8;
    c->a[5] = (uint64_t)(uintptr_t)h_echo;
}

/* There is no global EC within reach (the window holds local ones only): all fail. */
static void storm_create_sc(struct storm *s, struct storm_call *c)
{
    c->rax = hc_rax(VIREO_HC_CREATE_SC, junk_flags(s));
    c->a[0] = pick_dst(s);
    c->a[1] = pick_pd(s);
    c->a[2] = pick_sel(s);
    c->a[3] = rnd(s);
}

static void storm_create_pt(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    c->rax = hc_rax(VIREO_HC_CREATE_PT, junk_flags(s));
    c->a[0] = pick_dst(s);
    c->a[1] = pick_pd(s);
    c->a[2] = pick_sel(s);
    c->a[3] = r % 2 ? 0 : rnd(s);
    c->a[4] = r % 4 ? (uint64_t)(uintptr_t)h_echo : rnd(s);
}

static void storm_create_sm(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    c->rax = hc_rax(VIREO_HC_CREATE_SM, junk_flags(s));
    c->a[0] = pick_dst(s);
    c->a[1] = pick_pd(s);
    c->a[2] = r % 2 ? r % 16 : rnd(s);
}

/*
 * REVOKE_SELF only on object ranges inside the window: elsewhere it could take our own
 * PD, code or ports. Without it a revoke only cuts what was derived, and the storm
 * derives nothing outside the window (no receive window is ever open).
 */
static void storm_revoke(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    unsigned order = (unsigned)(r >> 8) % (SEL_STORM_ORDER + 1);
    uint64_t base = SEL_STORM + ((r >> 16) % STORM_WINDOW & ~((1ull << order) - 1));
    const vireo_crd others[] = {
        crd_obj(rnd(s) % SEL_LIMIT, 16 + (unsigned)(r >> 40) % 16, VIREO_OBJ_ALL),
        crd_obj(SEL_LIMIT + (r >> 40), 0, VIREO_OBJ_ALL),
        vireo_crd_make(VIREO_CRD_MEM, rnd(s) >> 16, (unsigned)r % 32, VIREO_MEM_ALL),
        vireo_crd_make(VIREO_CRD_IO, rnd(s) % (1u << 17), (unsigned)r % 32, VIREO_IO_ACCESS),
        rnd(s),
    };
    if (r % 2) {
        c->rax = hc_rax(VIREO_HC_REVOKE, junk_flags(s));
        c->a[0] = crd_obj(base, order, (unsigned)(r >> 32));
    } else {
        c->rax = hc_rax(VIREO_HC_REVOKE, junk_flags(s) & ~(uint64_t)VIREO_HC_FLAG_REVOKE_SELF);
        c->a[0] = others[(r >> 4) % ARRAY_SIZE(others)];
    }
}

static void storm_lookup(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    c->rax = hc_rax(VIREO_HC_LOOKUP, junk_flags(s));
    c->a[0] = r % 2 ? crd_obj(pick_sel(s), (unsigned)(r >> 8) % 32, 0) : rnd(s);
}

static void storm_ec_ctrl(struct storm *s, struct storm_call *c)
{
    c->rax = hc_rax(VIREO_HC_EC_CTRL, junk_flags(s));
    c->a[0] = pick_sel(s);
}

static void storm_sc_ctrl(struct storm *s, struct storm_call *c)
{
    c->rax = hc_rax(VIREO_HC_SC_CTRL, junk_flags(s));
    c->a[0] = rnd(s) % 5 ? pick_sel(s) : VIREO_SEL_SELF_SC;
}

static void storm_pt_ctrl(struct storm *s, struct storm_call *c)
{
    c->rax = hc_rax(VIREO_HC_PT_CTRL, junk_flags(s));
    c->a[0] = rnd(s) % 4 ? pick_sel(s) : s->safe_pt;
    c->a[1] = rnd(s);
}

/* A down always carries a deadline, mostly one long gone: 0 could wait for good. */
static void storm_sm_ctrl(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s), flags = junk_flags(s);
    c->rax = hc_rax(VIREO_HC_SM_CTRL, flags);
    c->a[0] = pick_sel(s);
    if (!(flags & VIREO_HC_FLAG_SM_DOWN))
        c->a[1] = rnd(s);
    else if (r % 64)
        c->a[1] = 1 + (r >> 8) % 1000;
    else
        c->a[1] = deadline_us((r >> 8) % STORM_MAX_WAIT_US);
}

/* A real routing could unmask a device's level-triggered line: the GSI is always bad. */
static void storm_assign_gsi(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    c->rax = hc_rax(VIREO_HC_ASSIGN_GSI, junk_flags(s));
    c->a[0] = pick_sel(s);
    c->a[1] = r % 2 ? 0x10000 + (r >> 8) % 0x10000 : rnd(s) | 1ull << 40;
    c->a[2] = r % 4 ? (r >> 4) % STORM_CPUS : rnd(s);
}

/* Spare numbers, with junk everywhere. Reply (1) maps here too: from an EC serving no
   call it may legitimately never return. */
static void storm_spare(struct storm *s, struct storm_call *c)
{
    uint64_t r = rnd(s);
    c->rax = (VIREO_HC_COUNT + r % 2) | (rnd(s) & ~0xfull);
    for (unsigned i = 0; i < 6; i++)
        c->a[i] = rnd(s);
}

typedef void (*storm_gen)(struct storm *s, struct storm_call *c);

static const storm_gen storm_gens[1u << VIREO_HC_NUMBER_BITS] = {
    [VIREO_HC_CALL] = storm_call,
    [VIREO_HC_REPLY] = storm_spare,
    [VIREO_HC_CREATE_PD] = storm_create_pd,
    [VIREO_HC_CREATE_EC] = storm_create_ec,
    [VIREO_HC_CREATE_SC] = storm_create_sc,
    [VIREO_HC_CREATE_PT] = storm_create_pt,
    [VIREO_HC_CREATE_SM] = storm_create_sm,
    [VIREO_HC_REVOKE] = storm_revoke,
    [VIREO_HC_LOOKUP] = storm_lookup,
    [VIREO_HC_EC_CTRL] = storm_ec_ctrl,
    [VIREO_HC_SC_CTRL] = storm_sc_ctrl,
    [VIREO_HC_PT_CTRL] = storm_pt_ctrl,
    [VIREO_HC_SM_CTRL] = storm_sm_ctrl,
    [VIREO_HC_ASSIGN_GSI] = storm_assign_gsi,
    [VIREO_HC_COUNT ... (1u << VIREO_HC_NUMBER_BITS) - 1] = storm_spare,
};

/* Something for the storm to hit: semaphores, PDs, local ECs and portals in the window. */
static void storm_populate(void)
{
    const uint64_t sms = SEL_STORM, pds = sms + STORM_SMS, ecs = pds + STORM_PDS,
                   pts = ecs + STORM_ECS;
    for (uint64_t i = 0; i < STORM_SMS; i++)
        mk_sm(sms + i, i);
    for (uint64_t i = 0; i < STORM_PDS; i++)
        mk_pd(pds + i);
    for (uint64_t i = 0; i < STORM_ECS; i++)
        hc_create_ec(0, ecs + i, VIREO_SEL_SELF_PD, hc_ec_cpu(0, SEL_EVENT_NONE),
                     UTCB_STORM + i * PAGE, (uint64_t)(uintptr_t)storm_stack, 0);
    for (uint64_t i = 0; i < STORM_PTS; i++)
        hc_create_pt(pts + i, VIREO_SEL_SELF_PD, ecs + i, 0, (uint64_t)(uintptr_t)h_echo);
}

static void storm_report(const struct storm *s)
{
    char line[200];
    int n = ksnprintf(line, sizeof(line), "info: STORM0001 statuses:");
    for (unsigned i = 0; i < VIREO_STATUS_COUNT && n < (int)sizeof(line); i++)
        if (s->status[i])
            n += ksnprintf(line + n, sizeof(line) - (size_t)n, " %s %lu", status_name(i),
                           s->status[i]);
    uart_printf("%s\n", line);
}

/*
 * STORM_CALLS random hypercalls from a fixed seed; each must simply come back with a
 * known status. Exclusions, so that none may legitimately block for good or kill us:
 * calls go only to a portal whose handler replies at once (or to no portal); reply is
 * never made from here; every sm_ctrl down has a deadline; create_ec makes no global
 * ECs or vCPUs, so no SC can ever run storm code; REVOKE_SELF only inside the window;
 * assign_gsi never names a real GSI; no receive window is open, so nothing the storm
 * does lands outside its window.
 */
static const char *storm_random(void)
{
    struct server safe;
    struct storm s = { .rng = STORM_SEED };
    bool safe_ok = server_start_at(&safe, 0, h_echo) == VIREO_SUCCESS;
    s.safe_pt = safe.pt;
    storm_populate();
    my_utcb->head.crd_recv = 0;
    for (unsigned i = 0; i < STORM_CALLS; i++) {
        struct storm_call c = { 0 };
        unsigned nr = (unsigned)(rnd(&s) % (1u << VIREO_HC_NUMBER_BITS));
        storm_gens[nr](&s, &c);
        uint64_t st = vireo_hc6(c.rax, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4],
                                       c.a[5]).status;
        if (st < VIREO_STATUS_COUNT)
            s.status[st]++;
        else
            s.unknown++;
        if ((c.rax & 0xf) >= VIREO_HC_COUNT && st != VIREO_BAD_HYP)
            s.spare_not_bad_hyp++;
    }
    storm_report(&s);
    CHECK(!s.unknown, "%lu calls returned an unknown status", s.unknown);
    CHECK(!s.spare_not_bad_hyp, "%lu spare-number calls did not return BAD_HYP",
          s.spare_not_bad_hyp);
    EXPECT_CAP(VIREO_SEL_SELF_PD, VIREO_OBJ_PD, VIREO_OBJ_ALL);
    EXPECT_CAP(VIREO_SEL_SELF_EC, VIREO_OBJ_EC, VIREO_OBJ_ALL);
    EXPECT_CAP(VIREO_SEL_SELF_SC, VIREO_OBJ_SC, VIREO_OBJ_ALL);
    if (safe_ok) {
        my_utcb->head = (struct vireo_utcb_head){ 0 };
        EXPECT(hc_call(safe.pt), VIREO_SUCCESS);
    }
    EXPECT(hc_revoke(crd_obj(SEL_STORM, SEL_STORM_ORDER, VIREO_OBJ_ALL),
                     VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    for (uint64_t i = 0; i < STORM_WINDOW; i++)
        EXPECT_EMPTY(SEL_STORM + i);
    return NULL;
}

/* The kernel's free pages, live in the HIP; 0 (unknown) checks nothing. */
static uint64_t free_pages(void)
{
    return hip ? hip->kernel_free_pages : 0;
}

/* One round: N PDs, in each an EC, a portal to it and a semaphore; then revoke them all. */
static const char *cycle_round(void)
{
    const uint64_t pds = SEL_CYCLE, ecs = pds + CYCLE_N, pts = ecs + CYCLE_N,
                   sms = pts + CYCLE_N;
    for (uint64_t i = 0; i < CYCLE_N; i++) {
        EXPECT(hc_create_pd(pds + i, VIREO_SEL_SELF_PD, 0), VIREO_SUCCESS);
        EXPECT(hc_create_ec(0, ecs + i, pds + i, hc_ec_cpu(0, SEL_EVENT_NONE), CYCLE_UTCB, 0, 0),
               VIREO_SUCCESS);
        EXPECT(hc_create_pt(pts + i, pds + i, ecs + i, 0, (uint64_t)(uintptr_t)h_echo),
               VIREO_SUCCESS);
        EXPECT(hc_create_sm(sms + i, pds + i, i), VIREO_SUCCESS);
    }
    EXPECT(hc_revoke(crd_obj(SEL_CYCLE, SEL_CYCLE_ORDER, VIREO_OBJ_ALL),
                     VIREO_HC_FLAG_REVOKE_SELF), VIREO_SUCCESS);
    for (uint64_t i = 0; i < 4 * CYCLE_N; i++)
        EXPECT_EMPTY(SEL_CYCLE + i);
    return NULL;
}

/*
 * Every round must give back all it took: the kernel's free-page count after each round
 * equals the count after the first (which may have filled caches that stay).
 */
static const char *storm_cycles(void)
{
    uint64_t first = 0;
    for (unsigned round = 0; round < CYCLE_ROUNDS; round++) {
        TRY(test_append(cycle_round(), " (round %u)", round));
        uint64_t now = free_pages();
        if (round == 0)
            first = now;
        CHECK(now == first, "after round %u the kernel has %lu free pages, %lu after round 0",
              round, now, first);
    }
    return NULL;
}

/* Delegate, check, revoke, DELEGATIONS times, with random rights each time. */
static const char *storm_delegations(void)
{
    struct server s;
    uint64_t a = sel_alloc(), b = sel_alloc(), seed = 0xde1e9a7e;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    for (unsigned i = 0; i < DELEGATIONS; i++) {
        unsigned rights = 1 + (unsigned)(xorshift64(&seed) % VIREO_OBJ_ALL);
        EXPECT(copy_cap(&s, a, b, rights), VIREO_SUCCESS);
        TRY(test_append(expect_cap(TEST_FILE, __LINE__, b, VIREO_OBJ_SM, rights),
                        " (round %u)", i));
        EXPECT(hc_revoke(crd_obj(a, 0, VIREO_OBJ_ALL), 0), VIREO_SUCCESS);
        TRY(test_append(expect_empty(TEST_FILE, __LINE__, b), " (round %u)", i));
    }
    return NULL;
}

/* CALLS calls through pt_ctrl-renamed portals: each reply must carry the right id. */
static const char *storm_calls(void)
{
    struct server s;
    uint64_t seed = 0xca11ca11;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    for (unsigned i = 0; i < CALLS; i++) {
        uint64_t id = xorshift64(&seed);
        if (i % 16 == 0)
            EXPECT(hc_pt_ctrl(s.pt, id), VIREO_SUCCESS);
        else
            id = s.ctx->last_id;
        const uint64_t msg[] = { OP_INFO };
        EXPECT(msg_call(s.pt, 1, msg), VIREO_SUCCESS);
        CHECK(my_utcb->words[0] == id && my_utcb->words[2] == i + 1,
              "call %u: id 0x%lx, call count %lu; wanted 0x%lx, %u", i, my_utcb->words[0],
              my_utcb->words[2], id, i + 1);
    }
    return NULL;
}

static const struct test storm_tests[] = {
    { "STORM0001", "100,000 random hypercalls all come back", storm_random },
    { "STORM0002", "8 rounds: create 32 PDs, ECs, PTs, SMs, revoke all", storm_cycles },
    { "STORM0003", "1000 rounds: delegate, check, revoke", storm_delegations },
    { "STORM0004", "10,000 calls with changing portal ids", storm_calls },
    { "STORM0005", "500 delegate/revoke rounds with CPU 1 busy; a reader faults after revoke",
      r2_storm_shootdown },
};

AREA(storm_area, storm_tests);

#include "tests_rev2.inc"
