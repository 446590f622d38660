/* SPDX-License-Identifier: MIT */
/* Vireo test server: IPCnnnn: portals, call and reply, messages, ids, aborts. */
#include "test.h"

#define ID_BIG 0xfeedfacecafebeefull
#define ECHO_WORDS 21u
#define NESTED_SUM (5 + 6 + 7)
#define SEQ_CALLS 1000u
#define SEQ_MAX_WORDS 32u
#define FRAME_SLACK 64u             /* the entry frame lies just below the given RSP */
#define VEC_UD 6u                   /* invalid opcode (ud2) */
#define VEC_PF 14u                  /* page fault */
#define EVENT_ORDER 5u              /* 32 exception portals from the event base */
#define CHILD_UTCB 0x10000000ull    /* in a new PD, nothing is mapped anywhere */
#define CHILD_IP 0x5000ull
#define CHILD_SP 0x9000ull
#define PF_FETCH 0x10u              /* #PF error code: instruction fetch */

static const char *ipc_call(void)
{
    struct server s;
    const uint64_t msg[] = { OP_INFO };
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(msg_call(s.pt, 1, msg), VIREO_SUCCESS);
    CHECK(s.ctx->calls == 1, "the handler ran %lu times", s.ctx->calls);
    CHECK(my_utcb->head.untyped == 3 && my_utcb->head.typed == 0,
          "the reply has %u untyped, %u typed, wanted 3, 0", my_utcb->head.untyped,
          my_utcb->head.typed);
    return NULL;
}

static const char *ipc_words(void)
{
    struct server s;
    const uint64_t msg[] = { OP_SUM, 1, 2, 3, 4, 5, 6, 7, 8 };
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(msg_call(s.pt, ARRAY_SIZE(msg), msg), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == 36 && my_utcb->words[1] == ARRAY_SIZE(msg) &&
          my_utcb->words[2] == 0, "reply: sum %lu of %lu words, %lu typed; wanted 36 of %zu, 0",
          my_utcb->words[0], my_utcb->words[1], my_utcb->words[2], ARRAY_SIZE(msg));
    return NULL;
}

static const char *ipc_largest(void)
{
    struct server s;
    uint64_t want = 0;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    my_utcb->words[0] = OP_SUM;
    for (unsigned i = 1; i < VIREO_UTCB_WORDS; i++)
        want += my_utcb->words[i] = i * 3 + 1;
    my_utcb->head.untyped = VIREO_UTCB_WORDS;
    my_utcb->head.typed = 0;
    EXPECT(hc_call(s.pt), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == want && my_utcb->words[1] == VIREO_UTCB_WORDS,
          "reply: sum %lu of %lu words, wanted %lu of %zu", my_utcb->words[0],
          my_utcb->words[1], want, VIREO_UTCB_WORDS);
    return NULL;
}

static const char *ipc_echo(void)
{
    struct server s;
    uint64_t msg[ECHO_WORDS], seed = 0x1234;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    msg[0] = OP_ECHO;
    for (unsigned i = 1; i < ECHO_WORDS; i++)
        msg[i] = xorshift64(&seed);
    EXPECT(msg_call(s.pt, ECHO_WORDS, msg), VIREO_SUCCESS);
    CHECK(my_utcb->head.untyped == ECHO_WORDS, "the echo has %u words, wanted %u",
          my_utcb->head.untyped, ECHO_WORDS);
    for (unsigned i = 0; i < ECHO_WORDS; i++)
        CHECK(my_utcb->words[i] == msg[i], "word %u came back as 0x%lx, sent 0x%lx", i,
              my_utcb->words[i], msg[i]);
    return NULL;
}

static const char *ipc_pt_ctrl_id(void)
{
    struct server s;
    const uint64_t msg[] = { OP_INFO };
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(hc_pt_ctrl(s.pt, ID_BIG), VIREO_SUCCESS);
    EXPECT(msg_call(s.pt, 1, msg), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == ID_BIG, "the handler got id 0x%lx, wanted 0x%llx",
          my_utcb->words[0], ID_BIG);
    EXPECT(hc_pt_ctrl(s.pt, 7), VIREO_SUCCESS);
    EXPECT(msg_call(s.pt, 1, msg), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == 7, "the handler got id 0x%lx, wanted 7", my_utcb->words[0]);
    return NULL;
}

/* The handler's frame sits just below the RSP create_ec was given, at every call. */
static const char *ipc_fresh_stack(void)
{
    struct server s;
    const uint64_t msg[] = { OP_INFO };
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(msg_call(s.pt, 1, msg), VIREO_SUCCESS);
    uint64_t fp1 = my_utcb->words[1];
    EXPECT(msg_call(s.pt, 1, msg), VIREO_SUCCESS);
    uint64_t fp2 = my_utcb->words[1], calls = my_utcb->words[2];
    CHECK(fp1 == fp2, "the handler's frame moved from 0x%lx to 0x%lx", fp1, fp2);
    CHECK(fp1 < s.ctx->rsp && s.ctx->rsp - fp1 < FRAME_SLACK,
          "the handler's frame 0x%lx is not just below its RSP 0x%lx", fp1, s.ctx->rsp);
    CHECK(calls == 2, "the handler counted %lu calls, wanted 2", calls);
    return NULL;
}

static const char *ipc_two_portals(void)
{
    struct server s;
    uint64_t pt2;
    const uint64_t msg[] = { OP_INFO };
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(server_portal(&s, &pt2, h_const), VIREO_SUCCESS);
    EXPECT(hc_pt_ctrl(s.pt, 1), VIREO_SUCCESS);
    EXPECT(hc_pt_ctrl(pt2, 2), VIREO_SUCCESS);
    EXPECT(msg_call(s.pt, 1, msg), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == 1, "portal 1 gave id %lu", my_utcb->words[0]);
    EXPECT(msg_call(pt2, 1, msg), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == H_CONST_MAGIC, "portal 2 did not enter h_const: 0x%lx",
          my_utcb->words[0]);
    CHECK(s.ctx->last_id == 2, "portal 2 gave id %lu", s.ctx->last_id);
    return NULL;
}

static const char *ipc_nested(void)
{
    struct server a, b;
    EXPECT(server_start(&a, 0), VIREO_SUCCESS);
    EXPECT(server_start(&b, 0), VIREO_SUCCESS);
    const uint64_t msg[] = { OP_NESTED, b.pt, 5, 6, 7 };
    EXPECT(msg_call(a.pt, ARRAY_SIZE(msg), msg), VIREO_SUCCESS);
    EXPECT(my_utcb->words[0], VIREO_SUCCESS);
    CHECK(my_utcb->words[1] == NESTED_SUM, "the nested sum is %lu, wanted %u",
          my_utcb->words[1], NESTED_SUM);
    CHECK(b.ctx->calls == 1, "the inner handler ran %lu times", b.ctx->calls);
    return NULL;
}

static const char *ipc_nonblock_idle(void)
{
    struct server s;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    my_utcb->words[0] = OP_SUM;
    my_utcb->words[1] = 2;
    my_utcb->words[2] = 3;
    my_utcb->head.untyped = 3;
    my_utcb->head.typed = 0;
    EXPECT(hc_call_flags(s.pt, VIREO_HC_FLAG_NONBLOCK), VIREO_SUCCESS);
    CHECK(my_utcb->words[0] == 5, "the sum is %lu, wanted 5", my_utcb->words[0]);
    return NULL;
}

/* Worker: waits for sel[1] (the handler is busy), calls sel[2] without blocking, ups sel[0]. */
static void w_call_busy(struct ectx *c)
{
    c->res[1] = hc_sm_down(c->sel[1], deadline_us(WAIT_US));
    c->res[0] = hc_call_flags(c->sel[2], VIREO_HC_FLAG_NONBLOCK);
    hc_sm_up(c->sel[0]);
}

/*
 * The handler serves us and blocks in the middle (OP_BLOCK); a worker on our CPU then
 * finds it busy. Its non-blocking call must fail at once; then it lets the handler go.
 */
static const char *ipc_nonblock_busy(void)
{
    struct server s;
    struct worker w;
    uint64_t wait = sel_alloc(), go = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(wait, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(go, 0), VIREO_SUCCESS);
    EXPECT(worker_create(&w, 0, w_call_busy), VIREO_SUCCESS);
    w.ctx->sel[0] = wait;
    w.ctx->sel[1] = go;
    w.ctx->sel[2] = s.pt;
    w.ctx->res[0] = ~0ull;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    const uint64_t msg[] = { OP_BLOCK, wait, go };
    EXPECT(msg_call(s.pt, ARRAY_SIZE(msg), msg), VIREO_SUCCESS);
    EXPECT(my_utcb->words[0], VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    EXPECT(w.ctx->res[1], VIREO_SUCCESS);
    EXPECT(w.ctx->res[0], VIREO_TIMEOUT);
    CHECK(s.ctx->calls == 1, "the handler ran %lu times, wanted once", s.ctx->calls);
    return NULL;
}

/* A handler calling its own portal would wait for itself for good: the kernel refuses
   it at once (BAD_PAR: an inconsistent parameter; the ABI names no status for it). */
static const char *ipc_call_self(void)
{
    struct server s;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    const uint64_t msg[] = { OP_CALL, s.pt, 0 };
    EXPECT(msg_call(s.pt, ARRAY_SIZE(msg), msg), VIREO_SUCCESS);
    EXPECT(my_utcb->words[0], VIREO_BAD_PAR);
    CHECK(s.ctx->calls == 1, "the handler ran %lu times, wanted once", s.ctx->calls);
    return NULL;
}

static const char *ipc_other_cpu(void)
{
    struct server s;
    if (cpu_count == 1)
        return test_skip("one CPU");
    EXPECT(server_start(&s, 1), VIREO_SUCCESS);
    const uint64_t msg[] = { OP_INFO };
    EXPECT(msg_call(s.pt, 1, msg), VIREO_BAD_CPU);
    CHECK(s.ctx->calls == 0, "the handler on CPU 1 ran");
    return NULL;
}

/* ABI: revoking the portal only stops later calls; the call in progress completes. */
static const char *ipc_portal_revoked_in_call(void)
{
    struct server s;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    const uint64_t msg[] = { OP_REVOKE, crd_obj(s.pt, 0, VIREO_OBJ_ALL),
                             crd_obj(SEL_EMPTY, 0, VIREO_OBJ_ALL) };
    EXPECT(msg_call(s.pt, ARRAY_SIZE(msg), msg), VIREO_SUCCESS);  /* the call completes */
    EXPECT_EMPTY(s.pt);
    return NULL;
}

/* The handler removes the last capabilities naming it (its portal's and its own). */
static const char *ipc_handler_revoked_in_call(void)
{
    struct server s;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    const uint64_t msg[] = { OP_REVOKE, crd_obj(s.pt, 0, VIREO_OBJ_ALL),
                             crd_obj(s.ec, 0, VIREO_OBJ_ALL) };
    EXPECT(msg_call(s.pt, ARRAY_SIZE(msg), msg), VIREO_ABORTED);
    EXPECT_EMPTY(s.pt);
    EXPECT_EMPTY(s.ec);
    return NULL;
}

static const char *ipc_revoked_portal(void)
{
    struct server s;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(s.pt, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF),
           VIREO_SUCCESS);
    const uint64_t msg[] = { OP_INFO };
    EXPECT(msg_call(s.pt, 1, msg), VIREO_BAD_CAP);
    CHECK(s.ctx->calls == 0, "the handler ran");
    return NULL;
}

/* Worker: OP_SUM of 40 and 2 through portal sel[0]; res[0] status, res[1] the sum. */
static void w_call(struct ectx *c)
{
    struct vireo_utcb *u = c->utcb;
    u->words[0] = OP_SUM;
    u->words[1] = 40;
    u->words[2] = 2;
    u->head.untyped = 3;
    u->head.typed = 0;
    c->res[0] = hc_call(c->sel[0]);
    c->res[1] = u->words[0];
}

static const char *ipc_global_ec_calls(void)
{
    struct server s;
    struct worker w;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(worker_create(&w, 0, w_call), VIREO_SUCCESS);
    w.ctx->sel[0] = s.pt;
    w.ctx->res[0] = ~0ull;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    EXPECT(w.ctx->res[0], VIREO_SUCCESS);
    CHECK(w.ctx->res[1] == 42, "the worker got %lu, wanted 42", w.ctx->res[1]);
    return NULL;
}

static const char *ipc_sequence(void)
{
    struct server s;
    uint64_t seed = 0xabcdef;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    for (unsigned i = 0; i < SEQ_CALLS; i++) {
        unsigned n = 1 + (unsigned)(xorshift64(&seed) % SEQ_MAX_WORDS);
        uint64_t want = 0;
        my_utcb->words[0] = OP_SUM;
        for (unsigned j = 1; j < n; j++)
            want += my_utcb->words[j] = xorshift64(&seed);
        my_utcb->head.untyped = (uint16_t)n;
        my_utcb->head.typed = 0;
        EXPECT(hc_call(s.pt), VIREO_SUCCESS);
        CHECK(my_utcb->words[0] == want && my_utcb->words[1] == n,
              "call %u: sum 0x%lx of %lu words, wanted 0x%lx of %u", i, my_utcb->words[0],
              my_utcb->words[1], want, n);
    }
    return NULL;
}

/* The handler's h_op clobbers these registers for itself: ours must not notice. */
static const char *ipc_keeps_registers(void)
{
    struct server s;
    unsigned changed;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    my_utcb->words[0] = OP_INFO;
    my_utcb->head.untyped = 1;
    my_utcb->head.typed = 0;
    EXPECT(hc_keep_regs(hc_rax(VIREO_HC_CALL, 0), s.pt, &changed), VIREO_SUCCESS);
    CHECK(!changed, "registers changed across the call (mask 0x%x: rbx r12 r13 r14 r15)",
          changed);
    return NULL;
}

/*
 * The hypercall ABI across a call (include/vireo/hypercall.h). h_regs records the
 * registers it starts with in h_regs_seen (RAX RBX RDX RSI RBP R8-R10 R12-R15: all must
 * be zero), fills every register with HANDLER_FILL and replies. call_regs(rax, pt, out)
 * calls with every register but RAX and RDI filled with CALLER_FILL and stores what
 * comes back in out: RDX RSI RDI R8-R10 (clobbered: none may hold the handler's values
 * or a kernel address), then RBX RBP R12-R15 (kept).
 */
#define HANDLER_FILL 0x4848484848484848ull
#define CALLER_FILL 0x4343434343434343ull
#define SEEN_REGS 12u
#define OUT_CLOBBERED 6u
#define OUT_REGS 12u
#define KERNEL_HALF 0xffff800000000000ull
uint64_t h_regs_seen[SEEN_REGS];
void h_regs(uint64_t id);
uint64_t call_regs(uint64_t rax, uint64_t pt, uint64_t *out);
__asm__(".text\n"
        "h_regs:\n"
        "    mov %rax, h_regs_seen(%rip)\n    mov %rbx, h_regs_seen+8(%rip)\n"
        "    mov %rdx, h_regs_seen+16(%rip)\n    mov %rsi, h_regs_seen+24(%rip)\n"
        "    mov %rbp, h_regs_seen+32(%rip)\n    mov %r8, h_regs_seen+40(%rip)\n"
        "    mov %r9, h_regs_seen+48(%rip)\n    mov %r10, h_regs_seen+56(%rip)\n"
        "    mov %r12, h_regs_seen+64(%rip)\n    mov %r13, h_regs_seen+72(%rip)\n"
        "    mov %r14, h_regs_seen+80(%rip)\n    mov %r15, h_regs_seen+88(%rip)\n"
        "    movabs $0x4848484848484848, %rbx\n"
        "    mov %rbx, %rbp\n    mov %rbx, %rdx\n    mov %rbx, %rsi\n    mov %rbx, %rdi\n"
        "    mov %rbx, %r8\n    mov %rbx, %r9\n    mov %rbx, %r10\n    mov %rbx, %r12\n"
        "    mov %rbx, %r13\n    mov %rbx, %r14\n    mov %rbx, %r15\n"
        "    mov $1, %eax\n    syscall\n    ud2\n"           /* VIREO_HC_REPLY */
        "call_regs:\n"
        "    push %rbx\n    push %rbp\n    push %r12\n    push %r13\n    push %r14\n"
        "    push %r15\n    push %rdx\n"
        "    mov %rdi, %rax\n    mov %rsi, %rdi\n    movabs $0x4343434343434343, %rbx\n"
        "    mov %rbx, %rbp\n    mov %rbx, %rdx\n    mov %rbx, %rsi\n    mov %rbx, %r8\n"
        "    mov %rbx, %r9\n    mov %rbx, %r10\n    mov %rbx, %r12\n    mov %rbx, %r13\n"
        "    mov %rbx, %r14\n    mov %rbx, %r15\n"
        "    syscall\n"
        "    push %rax\n    mov 8(%rsp), %rax\n"
        "    mov %rdx, (%rax)\n    mov %rsi, 8(%rax)\n    mov %rdi, 16(%rax)\n"
        "    mov %r8, 24(%rax)\n    mov %r9, 32(%rax)\n    mov %r10, 40(%rax)\n"
        "    mov %rbx, 48(%rax)\n    mov %rbp, 56(%rax)\n    mov %r12, 64(%rax)\n"
        "    mov %r13, 72(%rax)\n    mov %r14, 80(%rax)\n    mov %r15, 88(%rax)\n"
        "    pop %rax\n    add $8, %rsp\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n    pop %rbp\n    pop %rbx\n"
        "    ret\n");

/* Without flags a call takes the fast path; NONBLOCK sends it down the slow one. */
static const char *ipc_register_hygiene(void)
{
    static const char *const seen[SEEN_REGS] = { "rax", "rbx", "rdx", "rsi", "rbp", "r8",
                                                 "r9", "r10", "r12", "r13", "r14", "r15" };
    static const char *const back[OUT_REGS] = { "rdx", "rsi", "rdi", "r8", "r9", "r10",
                                                "rbx", "rbp", "r12", "r13", "r14", "r15" };
    static const uint64_t flags[] = { 0, VIREO_HC_FLAG_NONBLOCK };
    struct server s;
    EXPECT(server_start_at(&s, 0, h_regs), VIREO_SUCCESS);
    for (unsigned f = 0; f < ARRAY_SIZE(flags); f++) {
        uint64_t out[OUT_REGS];
        my_utcb->head.untyped = my_utcb->head.typed = 0;
        memset(h_regs_seen, 0xff, sizeof(h_regs_seen));
        EXPECT(call_regs(hc_rax(VIREO_HC_CALL, flags[f]), s.pt, out), VIREO_SUCCESS);
        for (unsigned i = 0; i < SEEN_REGS; i++)
            CHECK(!h_regs_seen[i], "flags %lu: the handler started with %s 0x%lx", flags[f],
                  seen[i], h_regs_seen[i]);
        for (unsigned i = 0; i < OUT_CLOBBERED; i++)
            CHECK(out[i] != HANDLER_FILL && out[i] < KERNEL_HALF,
                  "flags %lu: the call returned %s 0x%lx", flags[f], back[i], out[i]);
        for (unsigned i = OUT_CLOBBERED; i < OUT_REGS; i++)
            CHECK(out[i] == CALLER_FILL, "flags %lu: the call changed %s to 0x%lx", flags[f],
                  back[i], out[i]);
    }
    return NULL;
}

/* A NULL receive window names nothing, whatever its base bits say. */
static const char *ipc_no_window(void)
{
    struct server s;
    uint64_t a = sel_alloc(), w = sel_alloc();
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a, 0), VIREO_SUCCESS);
    EXPECT(delegate_self(&s, crd_obj(a, 0, VIREO_OBJ_ALL), 0,
                         vireo_crd_make(VIREO_CRD_NULL, w, 0, VIREO_OBJ_ALL)), VIREO_SUCCESS);
    EXPECT_EMPTY(w);
    EXPECT_CAP(a, VIREO_OBJ_SM, VIREO_OBJ_ALL);
    return NULL;
}

/* Hypercalls from inside a handler work on the handler's PD (ours). */
static const char *ipc_handler_hypercalls(void)
{
    struct server s;
    EXPECT(server_start(&s, 0), VIREO_SUCCESS);
    const uint64_t msg[] = { OP_LOOKUP, crd_obj(s.pt, 0, 0) };
    EXPECT(msg_call(s.pt, ARRAY_SIZE(msg), msg), VIREO_SUCCESS);
    EXPECT(my_utcb->words[0], VIREO_SUCCESS);
    vireo_crd out = my_utcb->words[1];
    CHECK(vireo_crd_kind(out) == VIREO_CRD_OBJ && vireo_crd_base(out) == s.pt &&
          my_utcb->words[2] == VIREO_OBJ_PT,
          "the handler's lookup of its portal gave kind %u base %lu type %lu",
          vireo_crd_kind(out), vireo_crd_base(out), my_utcb->words[2]);
    return NULL;
}

/*
 * A thread in a new, empty PD page-faults at its first instruction. create_pd gave the
 * PD our exception portals at the same selectors, so the fault is a call to our handler
 * with the thread's state; the handler ends the thread (revokes its SC and EC).
 */
static const char *ipc_child_exception(void)
{
    struct server s;
    uint64_t eb = sel_alloc_range(EVENT_ORDER), pd = sel_alloc(), ec = sel_alloc(),
             sc = sel_alloc(), done = sel_alloc();
    EXPECT(server_start_at(&s, 0, h_exception), VIREO_SUCCESS);
    EXPECT(hc_create_pt(eb + VEC_PF, VIREO_SEL_SELF_PD, s.ec, 0, (uint64_t)(uintptr_t)h_exception),
           VIREO_SUCCESS);
    EXPECT(mk_sm(done, 0), VIREO_SUCCESS);
    s.ctx->sel[0] = sc;
    s.ctx->sel[1] = ec;
    s.ctx->sel[2] = done;
    EXPECT(hc_create_pd(pd, VIREO_SEL_SELF_PD, crd_obj(eb, EVENT_ORDER, VIREO_PT_CALL)),
           VIREO_SUCCESS);
    EXPECT(hc_create_ec(VIREO_HC_FLAG_EC_GLOBAL, ec, pd, hc_ec_cpu(0, eb), CHILD_UTCB, CHILD_SP,
                        CHILD_IP), VIREO_SUCCESS);
    EXPECT(hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, VIREO_QPD(WORKER_PRIO, WORKER_QUANTUM_US)),
           VIREO_SUCCESS);
    EXPECT(hc_sm_down(done, deadline_us(WAIT_US)), VIREO_SUCCESS);
    CHECK(s.ctx->calls == 1, "the exception handler ran %lu times", s.ctx->calls);
    CHECK(s.ctx->res[0] == CHILD_IP && s.ctx->res[2] == CHILD_IP &&
          (s.ctx->res[1] & PF_FETCH),
          "#PF state: rip 0x%lx, error 0x%lx, cr2 0x%lx; wanted rip = cr2 = 0x%llx, a fetch",
          s.ctx->res[0], s.ctx->res[1], s.ctx->res[2], CHILD_IP);
    EXPECT_EMPTY(ec);
    EXPECT_EMPTY(sc);
    return NULL;
}

/*
 * Handler death without a kill message: the handler executes ud2, its exception portal's
 * handler revokes it (EC and portal) in the middle of our call: we get ABORTED.
 */
static const char *ipc_handler_dies(void)
{
    struct server x, y;
    uint64_t eb = sel_alloc_range(EVENT_ORDER);
    EXPECT(server_start_at(&y, 0, h_exception), VIREO_SUCCESS);
    EXPECT(hc_create_pt(eb + VEC_UD, VIREO_SEL_SELF_PD, y.ec, 0, (uint64_t)(uintptr_t)h_exception),
           VIREO_SUCCESS);
    x.ec = sel_alloc();
    x.pt = sel_alloc();
    x.ctx = ectx_alloc_handler();
    uint64_t rsp = ectx_prepare(x.ctx, utcb_alloc());
    EXPECT(hc_create_ec(0, x.ec, VIREO_SEL_SELF_PD, hc_ec_cpu(0, eb),
                        (uint64_t)(uintptr_t)x.ctx->utcb, rsp, 0), VIREO_SUCCESS);
    EXPECT(mk_pt(x.pt, x.ec), VIREO_SUCCESS);
    y.ctx->sel[0] = x.pt;
    y.ctx->sel[1] = x.ec;
    const uint64_t msg[] = { OP_FAULT };
    EXPECT(msg_call(x.pt, 1, msg), VIREO_ABORTED);
    CHECK(y.ctx->calls == 1, "the exception handler ran %lu times", y.ctx->calls);
    EXPECT_EMPTY(x.ec);
    EXPECT_EMPTY(x.pt);
    return NULL;
}

/* A handler that ups sel[1] on entry, then downs sel[0] with no deadline (res[0]). */
static __attribute__((noreturn)) void h_block_forever(uint64_t id)
{
    struct ectx *c = self_ctx();
    c->calls++;
    c->last_id = id;
    hc_sm_up(c->sel[1]);
    c->res[0] = hc_sm_down(c->sel[0], 0);
    c->utcb->head.untyped = 0;
    c->utcb->head.typed = 0;
    hc_reply();
    __builtin_trap();
}

/*
 * A worker calls a handler that blocks on a semaphore with no deadline; we revoke the
 * handler (EC and portal). ABI: the caller gets ABORTED. ec_detach() cleared the
 * handler's blocked_sc (the worker's SC) without readying it: the caller never runs again.
 */
static const char *ipc_handler_revoked_while_blocked(void)
{
    struct server s;
    struct worker w;
    uint64_t wait = sel_alloc(), entered = sel_alloc(), nap = sel_alloc();
    EXPECT(server_start_at(&s, 0, h_block_forever), VIREO_SUCCESS);
    EXPECT(mk_sm(wait, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(entered, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(nap, 0), VIREO_SUCCESS);
    s.ctx->sel[0] = wait;
    s.ctx->sel[1] = entered;
    EXPECT(worker_create(&w, 0, w_call), VIREO_SUCCESS);
    w.ctx->sel[0] = s.pt;
    w.ctx->res[0] = ~0ull;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    EXPECT(hc_sm_down(entered, deadline_us(WAIT_US)), VIREO_SUCCESS);
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);   /* it blocks */
    EXPECT(hc_revoke(crd_obj(s.pt, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF),
           VIREO_SUCCESS);
    EXPECT(hc_revoke(crd_obj(s.ec, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF),
           VIREO_SUCCESS);
    uint64_t st = worker_wait(&w, WAIT_US);
    CHECK(st == VIREO_SUCCESS, "the caller of a revoked, blocked handler never resumed "
          "(worker_wait: %s; its call status 0x%lx): its SC was dropped", status_name(st),
          w.ctx->res[0]);
    EXPECT(w.ctx->res[0], VIREO_ABORTED);
    return NULL;
}

/* Worker: prints a heartbeat every 100 ms, 30 times (a kernel that hangs stops it). */
static void w_heartbeat(struct ectx *c)
{
    for (unsigned i = 0; i < 30; i++) {
        hc_sm_down(c->sel[0], deadline_us(100000));
        uart_printf("test server: heartbeat %u from CPU 1\n", i);
        hc_sm_up(c->sel[1]);
    }
}

/* A handler that ups sel[0], downs sel[1], then calls portal sel[2] (res[0]). */
static __attribute__((noreturn)) void h_cross(uint64_t id)
{
    struct ectx *c = self_ctx();
    c->calls++;
    c->last_id = id;
    hc_sm_up(c->sel[0]);
    c->res[1] = hc_sm_down(c->sel[1], deadline_us(WAIT_US));
    c->utcb->head.untyped = 0;
    c->utcb->head.typed = 0;
    c->res[0] = hc_call(c->sel[2]);
    c->utcb->head.untyped = 0;
    c->utcb->head.typed = 0;
    hc_reply();
    __builtin_trap();
}

/*
 * Two workers on CPU 0 call handlers A and B; A then calls B's portal and B calls A's:
 * each finds the other busy (serving another chain, so in_chain() does not see it) and
 * waits, and the callee links form a cycle A -> B -> A. A fresh SC for the first worker
 * makes schedule() follow `while (ec->callee)` round the cycle for ever, holding the
 * kernel lock: both CPUs hang. The kernel must refuse the cycle or not follow it.
 */
static const char *ipc_wait_cycle(void)
{
    struct server a, b;
    struct worker wa, wb;
    uint64_t a_in = sel_alloc(), a_go = sel_alloc(), b_in = sel_alloc(), b_go = sel_alloc(),
             nap = sel_alloc(), sc2 = sel_alloc();
    EXPECT(server_start_at(&a, 0, h_cross), VIREO_SUCCESS);
    EXPECT(server_start_at(&b, 0, h_cross), VIREO_SUCCESS);
    EXPECT(mk_sm(a_in, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(a_go, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(b_in, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(b_go, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(nap, 0), VIREO_SUCCESS);
    a.ctx->sel[0] = a_in;
    a.ctx->sel[1] = a_go;
    a.ctx->sel[2] = b.pt;
    b.ctx->sel[0] = b_in;
    b.ctx->sel[1] = b_go;
    b.ctx->sel[2] = a.pt;
    EXPECT(worker_create(&wa, 0, w_call), VIREO_SUCCESS);
    EXPECT(worker_create(&wb, 0, w_call), VIREO_SUCCESS);
    wa.ctx->sel[0] = a.pt;
    wb.ctx->sel[0] = b.pt;
    EXPECT(worker_run(&wa), VIREO_SUCCESS);
    EXPECT(hc_sm_down(a_in, deadline_us(WAIT_US)), VIREO_SUCCESS);
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);   /* A blocks */
    EXPECT(worker_run(&wb), VIREO_SUCCESS);
    EXPECT(hc_sm_down(b_in, deadline_us(WAIT_US)), VIREO_SUCCESS);
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);   /* B blocks */
    EXPECT(hc_sm_up(a_go), VIREO_SUCCESS);
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);   /* A waits for B */
    EXPECT(hc_sm_up(b_go), VIREO_SUCCESS);
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);   /* B waits for A */
    uart_printf("test server: IPC0024: A calls %lu, B calls %lu; a new SC for worker A "
                "next\n", a.ctx->calls, b.ctx->calls);
    struct worker hb;
    uint64_t hb_sm = sel_alloc(), beat = sel_alloc();
    if (cpu_count > 1) {
        EXPECT(mk_sm(hb_sm, 0), VIREO_SUCCESS);
        EXPECT(mk_sm(beat, 0), VIREO_SUCCESS);
        EXPECT(worker_create(&hb, 1, w_heartbeat), VIREO_SUCCESS);
        hb.ctx->sel[0] = hb_sm;
        hb.ctx->sel[1] = beat;
        EXPECT(worker_run(&hb), VIREO_SUCCESS);
        EXPECT(hc_sm_down(beat, deadline_us(WAIT_US)), VIREO_SUCCESS);  /* CPU 1 lives */
    }
    EXPECT(hc_revoke(crd_obj(wa.sc, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF),
           VIREO_SUCCESS);
    EXPECT(hc_create_sc(sc2, VIREO_SEL_SELF_PD, wa.ec, VIREO_QPD(WORKER_PRIO, WORKER_QUANTUM_US)),
           VIREO_SUCCESS);
    uart_printf("test server: IPC0024: new SC created\n");
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);   /* we come back */
    uart_printf("test server: IPC0024: back\n");
    return NULL;
}

static const struct test ipc_tests[] = {
    { "IPC0001", "call a portal: the handler runs and replies", ipc_call },
    { "IPC0002", "message words arrive, the reply comes back", ipc_words },
    { "IPC0003", "the largest message: every UTCB word", ipc_largest },
    { "IPC0004", "an echo returns the words unchanged", ipc_echo },
    { "IPC0005", "pt_ctrl sets the id the handler gets in RDI", ipc_pt_ctrl_id },
    { "IPC0006", "each call starts the handler afresh on its stack", ipc_fresh_stack },
    { "IPC0007", "two portals to one EC: own entry, own id", ipc_two_portals },
    { "IPC0008", "a handler calls another portal", ipc_nested },
    { "IPC0009", "a non-blocking call to an idle handler", ipc_nonblock_idle },
    { "IPC0010", "a non-blocking call to a busy handler times out", ipc_nonblock_busy },
    { "IPC0011", "a portal to a handler on another CPU: BAD_CPU", ipc_other_cpu },
    { "IPC0012", "the portal revoked during the call: the call completes, later ones fail",
      ipc_portal_revoked_in_call },
    { "IPC0013", "the handler revoked during the call: ABORTED", ipc_handler_revoked_in_call },
    { "IPC0014", "a call to a revoked portal: BAD_CAP", ipc_revoked_portal },
    { "IPC0015", "a global EC calls a portal", ipc_global_ec_calls },
    { "IPC0016", "1000 calls with random messages", ipc_sequence },
    { "IPC0017", "a call keeps RBX and R12-R15", ipc_keeps_registers },
    { "IPC0018", "a NULL receive window takes nothing", ipc_no_window },
    { "IPC0019", "a handler's own hypercalls during a call", ipc_handler_hypercalls },
    { "IPC0020", "a handler calling its own portal: BAD_PAR", ipc_call_self },
    { "IPC0021", "a fault in a child PD calls our exception portal", ipc_child_exception },
    { "IPC0022", "the handler dies (ud2, revoked) in the call: ABORTED", ipc_handler_dies },
    { "IPC0023", "a handler revoked while blocked (no deadline): its caller gets ABORTED",
      ipc_handler_revoked_while_blocked },
    { "IPC0024", "handlers that wait for each other: a new SC does not hang the kernel",
      ipc_wait_cycle },
    { "IPC0025", "a child PD running on CPU 1 (code from an exception reply) destroyed",
      r2_ipc_child_pd_dies_running_cpu1 },
    { "IPC0026", "a child PD blocked in its exception call on CPU 1 destroyed",
      r2_ipc_child_pd_dies_blocked_cpu1 },
    { "IPC0027", "registers across a call: the handler starts with none of ours, we get "
      "none of its, RBX RBP R12-R15 kept", ipc_register_hygiene },
};

AREA(ipc_area, ipc_tests);
