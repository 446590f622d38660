/* SPDX-License-Identifier: MIT */
/* Vireo test server: stacks, handler and worker ECs, selectors, delegation, cap checks. */
#include "test.h"

#define HANDLER_STACKS 12           /* reused round-robin: a handler runs only during calls */
#define WORKER_STACKS 96            /* never reused: a worker may outlive its test */

struct ustack {
    uint8_t bytes[STACK_SIZE - sizeof(struct ectx)];
    struct ectx ctx;
} __attribute__((aligned(STACK_SIZE)));

_Static_assert(sizeof(struct ustack) == STACK_SIZE, "a stack and its context fill it");
_Static_assert(sizeof(struct ectx) % 16 == 0, "the context keeps the stack top aligned");

static struct ustack handler_stacks[HANDLER_STACKS];
static struct ustack worker_stacks[WORKER_STACKS];
static unsigned handler_next, worker_next;

static uint64_t sel_next = SEL_TEST_FIRST;
static uint64_t utcb_next = UTCB_FIRST;

/* ---- Selectors and UTCB addresses --------------------------------------------------- */

uint64_t sel_alloc(void)
{
    return sel_alloc_range(0);
}

/* Past the limit it hands out SEL_LIMIT, which every call refuses: tests then fail
   rather than trample the storm windows. */
uint64_t sel_alloc_range(unsigned order)
{
    uint64_t n = 1ull << order;
    uint64_t sel = ALIGN_UP(sel_next, n);
    if (sel + n > SEL_TEST_LIMIT)
        return SEL_LIMIT;
    sel_next = sel + n;
    return sel;
}

uint64_t sel_mark(void)
{
    return sel_next;
}

void sel_release(uint64_t mark)
{
    bool clean = true;
    for (uint64_t sel = mark; sel < sel_next; sel++)
        hc_revoke(crd_obj(sel, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF);
    for (uint64_t sel = mark; sel < sel_next && clean; sel++) {
        vireo_crd out;
        clean = hc_lookup(crd_obj(sel, 0, 0), &out, NULL) == VIREO_SUCCESS &&
                vireo_crd_kind(out) == VIREO_CRD_NULL;
    }
    /* If revoke or lookup does not work yet, later tests get fresh selectors instead. */
    if (clean)
        sel_next = mark;
}

uint64_t utcb_alloc(void)
{
    uint64_t va = utcb_next;
    if (va < UTCB_LIMIT)
        utcb_next += PAGE;
    return va;
}

/* ---- Execution contexts ----------------------------------------------------------------- */

static struct ectx *ectx_clear(struct ustack *s)
{
    memset(&s->ctx, 0, sizeof(s->ctx));
    return &s->ctx;
}

struct ectx *ectx_alloc_handler(void)
{
    return ectx_clear(&handler_stacks[handler_next++ % HANDLER_STACKS]);
}

struct ectx *ectx_alloc_worker(void)
{
    if (worker_next >= WORKER_STACKS)
        return NULL;
    return ectx_clear(&worker_stacks[worker_next++]);
}

uint64_t ectx_prepare(struct ectx *c, uint64_t utcb)
{
    c->utcb = (struct vireo_utcb *)utcb;
    c->rsp = (uint64_t)(uintptr_t)c - 8;
    return c->rsp;
}

struct ectx *self_ctx(void)
{
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    return &((struct ustack *)ALIGN_DOWN(fp, (uintptr_t)STACK_SIZE))->ctx;
}

/* ---- Handlers ---------------------------------------------------------------------------- */

/* A reply that comes back failed: kill this EC (ud2) so the caller sees ABORTED. */
static __attribute__((noreturn)) void reply(void)
{
    uint64_t st = hc_reply();
    uart_printf("test server: a handler's reply returned %s\n", status_name(st));
    __builtin_trap();
}

static void msg_words(struct vireo_utcb *u, unsigned untyped, unsigned typed)
{
    u->head.untyped = (uint16_t)untyped;
    u->head.typed = (uint16_t)typed;
}

static void op_echo(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    u->head.typed = 0;
}

static void op_sum(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    uint64_t sum = 0;
    unsigned n = u->head.untyped, typed = u->head.typed;
    for (unsigned i = 1; i < n && i < VIREO_UTCB_WORDS; i++)
        sum += u->words[i];
    u->words[0] = sum;
    u->words[1] = n;
    u->words[2] = typed;
    msg_words(u, 3, 0);
}

static void op_info(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    u->words[0] = id;
    u->words[1] = c->entry_fp;
    u->words[2] = c->calls;
    msg_words(u, 3, 0);
}

static void op_delegate(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    struct vireo_typed_item *item = vireo_utcb_typed(u, 0);
    item->crd = u->words[1];
    item->hotspot = u->words[2];
    msg_words(u, 0, 1);
}

static void op_call(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    uint64_t pt = u->words[1], flags = u->words[2];
    u->words[0] = OP_ECHO;
    msg_words(u, 1, 0);
    uint64_t st = hc_call_flags(pt, flags);
    u->words[0] = st;
    msg_words(u, 1, 0);
}

static void op_block(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    uint64_t wait = u->words[1], go = u->words[2];
    hc_sm_up(go);
    u->words[0] = hc_sm_down(wait, deadline_us(WAIT_US));
    msg_words(u, 1, 0);
}

static void op_fault(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)u, (void)id;
    __builtin_trap();
}

static void op_nested(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    uint64_t pt = u->words[1];
    unsigned n = MAX(u->head.untyped, 2u);
    u->words[1] = OP_SUM;       /* the nested message is words[1..n) */
    memmove(&u->words[0], &u->words[1], (n - 1) * sizeof(uint64_t));
    msg_words(u, n - 1, 0);
    uint64_t st = hc_call(pt);
    uint64_t sum = u->words[0];
    u->words[0] = st;
    u->words[1] = sum;
    msg_words(u, 2, 0);
}

static void op_revoke(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    vireo_crd a = u->words[1], b = u->words[2];
    u->words[0] = hc_revoke(a, VIREO_HC_FLAG_REVOKE_SELF);
    u->words[1] = hc_revoke(b, VIREO_HC_FLAG_REVOKE_SELF);
    msg_words(u, 2, 0);
}

static void op_lookup(struct ectx *c, struct vireo_utcb *u, uint64_t id)
{
    (void)c, (void)id;
    vireo_crd out = 0;
    uint64_t type = 0;
    u->words[0] = hc_lookup(u->words[1], &out, &type);
    u->words[1] = out;
    u->words[2] = type;
    msg_words(u, 3, 0);
}

typedef void (*op_fn)(struct ectx *c, struct vireo_utcb *u, uint64_t id);

static const op_fn ops[OP_COUNT] = {
    [OP_ECHO] = op_echo,
    [OP_SUM] = op_sum,
    [OP_INFO] = op_info,
    [OP_DELEGATE] = op_delegate,
    [OP_CALL] = op_call,
    [OP_NESTED] = op_nested,
    [OP_REVOKE] = op_revoke,
    [OP_LOOKUP] = op_lookup,
    [OP_BLOCK] = op_block,
    [OP_FAULT] = op_fault,
};

__attribute__((noreturn)) void h_op(uint64_t id)
{
    struct ectx *c = self_ctx();
    struct vireo_utcb *u = c->utcb;
    c->calls++;
    c->last_id = id;
    c->entry_fp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    uint64_t op = u->head.untyped ? u->words[0] : OP_ECHO;
    if (op < OP_COUNT)
        ops[op](c, u, id);
    else
        msg_words(u, 0, 0);
    reply();
}

__attribute__((noreturn)) void h_const(uint64_t id)
{
    struct ectx *c = self_ctx();
    c->calls++;
    c->last_id = id;
    c->utcb->words[0] = H_CONST_MAGIC;
    msg_words(c->utcb, 1, 0);
    reply();
}

/* Reports the message's size as the handler sees it: [0] untyped, [1] typed. */
__attribute__((noreturn)) void h_counts(uint64_t id)
{
    struct ectx *c = self_ctx();
    struct vireo_utcb *u = c->utcb;
    c->calls++;
    c->last_id = id;
    uint64_t untyped = u->head.untyped, typed = u->head.typed;
    u->words[0] = untyped;
    u->words[1] = typed;
    msg_words(u, 2, 0);
    reply();
}

/*
 * An exception portal's handler: the faulting EC's state is in our UTCB as a vCPU
 * state. Records rip, error code and CR2 in res[0..2]; revokes sel[0] and sel[1] (the
 * faulting EC and what keeps it alive), ups sel[2]; the reply then has no one to resume.
 */
__attribute__((noreturn)) void h_exception(uint64_t id)
{
    struct ectx *c = self_ctx();
    struct vireo_utcb *u = c->utcb;
    c->calls++;
    c->last_id = id;
    c->res[0] = u->vcpu.rip;
    c->res[1] = u->vcpu.qual[0];
    c->res[2] = u->vcpu.qual[1];
    for (unsigned i = 0; i < 2; i++)
        if (c->sel[i])
            hc_revoke(crd_obj(c->sel[i], 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF);
    if (c->sel[2])
        hc_sm_up(c->sel[2]);
    u->vcpu.mtd = 0;
    msg_words(u, 0, 0);
    reply();
}

/* Touches neither its stack's context nor its UTCB: safe on a shared stack (the storm). */
__attribute__((noreturn)) void h_echo(uint64_t id)
{
    (void)id;
    reply();
}

uint64_t server_start_at(struct server *s, unsigned cpu, handler_entry entry)
{
    s->ec = sel_alloc();
    s->pt = sel_alloc();
    s->ctx = ectx_alloc_handler();
    uint64_t rsp = ectx_prepare(s->ctx, utcb_alloc());
    uint64_t st = hc_create_ec(0, s->ec, VIREO_SEL_SELF_PD, hc_ec_cpu(cpu, SEL_EVENT_NONE),
                               (uint64_t)(uintptr_t)s->ctx->utcb, rsp, 0);
    if (st != VIREO_SUCCESS)
        return st;
    return hc_create_pt(s->pt, VIREO_SEL_SELF_PD, s->ec, 0, (uint64_t)(uintptr_t)entry);
}

uint64_t server_start(struct server *s, unsigned cpu)
{
    return server_start_at(s, cpu, h_op);
}

uint64_t server_portal(struct server *s, uint64_t *pt, handler_entry entry)
{
    *pt = sel_alloc();
    return hc_create_pt(*pt, VIREO_SEL_SELF_PD, s->ec, 0, (uint64_t)(uintptr_t)entry);
}

uint64_t msg_call(uint64_t pt, unsigned n, const uint64_t *words)
{
    memcpy(my_utcb->words, words, n * sizeof(uint64_t));
    msg_words(my_utcb, n, 0);
    return hc_call(pt);
}

uint64_t delegate_self(struct server *s, vireo_crd src, uint64_t hotspot, vireo_crd window)
{
    const uint64_t msg[] = { OP_DELEGATE, src, hotspot };
    my_utcb->head.crd_recv = window;
    uint64_t st = msg_call(s->pt, ARRAY_SIZE(msg), msg);
    my_utcb->head.crd_recv = 0;
    return st;
}

uint64_t copy_cap(struct server *s, uint64_t from, uint64_t to, unsigned rights)
{
    return delegate_self(s, crd_obj(from, 0, rights), 0, crd_obj(to, 0, VIREO_OBJ_ALL));
}

uint64_t hc_keep_regs(uint64_t rax, uint64_t rdi, unsigned *changed)
{
    static const uint64_t v[KEPT_COUNT] = {
        0x0b0b0b0b0b0b0b0bull, 0x1212121212121212ull, 0x1313131313131313ull,
        0x1414141414141414ull, 0x1515151515151515ull,
    };
    register uint64_t rbx __asm__("rbx") = v[KEPT_RBX];
    register uint64_t r12 __asm__("r12") = v[KEPT_R12];
    register uint64_t r13 __asm__("r13") = v[KEPT_R13];
    register uint64_t r14 __asm__("r14") = v[KEPT_R14];
    register uint64_t r15 __asm__("r15") = v[KEPT_R15];
    uint64_t status, rsi = 0;
    __asm__ volatile("syscall"
                     : "=a"(status), "+D"(rdi), "+S"(rsi), "+r"(rbx), "+r"(r12), "+r"(r13),
                       "+r"(r14), "+r"(r15)
                     : "a"(rax)
                     : "rcx", "r11", "rdx", "r8", "r9", "r10", "memory");
    const uint64_t after[KEPT_COUNT] = { rbx, r12, r13, r14, r15 };
    *changed = 0;
    for (unsigned i = 0; i < KEPT_COUNT; i++)
        if (after[i] != v[i])
            *changed |= 1u << i;
    return status;
}

/* ---- Workers ------------------------------------------------------------------------------ */

__attribute__((noreturn)) void park(void)
{
    while (hc_sm_down(SEL_PARK, 0) == VIREO_SUCCESS)
        ;
    /* No park semaphore: nothing better than to idle politely. */
    for (;;)
        __asm__ volatile("pause");
}

/* A global EC starts here with RDI = its UTCB and RSP as create_ec gave it. */
static __attribute__((noreturn)) void worker_entry(struct vireo_utcb *utcb)
{
    struct ectx *c = self_ctx();
    c->utcb_seen = (uint64_t)(uintptr_t)utcb;
    c->entry_fp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    if (c->fn)
        c->fn(c);
    hc_sm_up(c->done);
    park();
}

uint64_t worker_create(struct worker *w, unsigned cpu, worker_fn fn)
{
    w->ec = sel_alloc();
    w->sc = sel_alloc();
    w->done = sel_alloc();
    w->ctx = ectx_alloc_worker();
    if (!w->ctx)
        return VIREO_NO_MEM;
    w->ctx->fn = fn;
    w->ctx->done = w->done;
    uint64_t rsp = ectx_prepare(w->ctx, utcb_alloc());
    uint64_t st = mk_sm(w->done, 0);
    if (st != VIREO_SUCCESS)
        return st;
    return hc_create_ec(VIREO_HC_FLAG_EC_GLOBAL, w->ec, VIREO_SEL_SELF_PD,
                        hc_ec_cpu(cpu, SEL_EVENT_NONE), (uint64_t)(uintptr_t)w->ctx->utcb, rsp,
                        (uint64_t)(uintptr_t)worker_entry);
}

uint64_t worker_run(struct worker *w)
{
    return hc_create_sc(w->sc, VIREO_SEL_SELF_PD, w->ec,
                        VIREO_QPD(WORKER_PRIO, WORKER_QUANTUM_US));
}

uint64_t worker_start(struct worker *w, unsigned cpu, worker_fn fn)
{
    uint64_t st = worker_create(w, cpu, fn);
    return st != VIREO_SUCCESS ? st : worker_run(w);
}

uint64_t worker_wait(struct worker *w, uint64_t us)
{
    return hc_sm_down(w->done, deadline_us(us));
}

/*
 * Sleeps in 1 ms naps on sm (which nobody ups) until *flag is nonzero or us have passed.
 * On a loaded host an emulated CPU can stall for longer than any fixed settle time, so
 * tests wait for what they need to see rather than for a guess at how long it takes.
 */
bool spin_flag(volatile const uint64_t *flag, uint64_t us)
{
    uint64_t end = deadline_us(us);
    while (!*flag && rdtsc() < end)
        ;
    return *flag != 0;
}

bool wait_flag(uint64_t sm, volatile const uint64_t *flag, uint64_t us)
{
    uint64_t end = deadline_us(us);
    while (!*flag && rdtsc() < end)
        hc_sm_down(sm, deadline_us(1000));
    return *flag != 0;
}

/* ---- Objects and checks -------------------------------------------------------------------- */

uint64_t mk_pd(uint64_t sel)
{
    return hc_create_pd(sel, VIREO_SEL_SELF_PD, 0);
}

uint64_t mk_sm(uint64_t sel, uint64_t count)
{
    return hc_create_sm(sel, VIREO_SEL_SELF_PD, count);
}

uint64_t mk_local_ec(uint64_t sel, unsigned cpu)
{
    struct ectx *c = ectx_alloc_handler();
    uint64_t rsp = ectx_prepare(c, utcb_alloc());
    return hc_create_ec(0, sel, VIREO_SEL_SELF_PD, hc_ec_cpu(cpu, SEL_EVENT_NONE),
                        (uint64_t)(uintptr_t)c->utcb, rsp, 0);
}

uint64_t mk_pt(uint64_t sel, uint64_t ec)
{
    return hc_create_pt(sel, VIREO_SEL_SELF_PD, ec, 0, (uint64_t)(uintptr_t)h_op);
}

uint64_t mk_global_ec(uint64_t sel, unsigned cpu)
{
    struct ectx *c = ectx_alloc_worker();
    if (!c)
        return VIREO_NO_MEM;
    uint64_t rsp = ectx_prepare(c, utcb_alloc());
    c->done = SEL_EMPTY;
    return hc_create_ec(VIREO_HC_FLAG_EC_GLOBAL, sel, VIREO_SEL_SELF_PD,
                        hc_ec_cpu(cpu, SEL_EVENT_NONE), (uint64_t)(uintptr_t)c->utcb, rsp,
                        (uint64_t)(uintptr_t)worker_entry);
}

static const char *const type_names[] = {
    [VIREO_OBJ_NONE] = "none", [VIREO_OBJ_PD] = "PD", [VIREO_OBJ_EC] = "EC",
    [VIREO_OBJ_SC] = "SC", [VIREO_OBJ_PT] = "PT", [VIREO_OBJ_SM] = "SM",
};

static const char *type_name(uint64_t t)
{
    return t < ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

/*
 * A single capability looks up as an OBJ CRD of order 0 based at its selector. The ABI
 * says "rights and order included": for one selector the order is 0.
 */
const char *expect_cap(const char *file, int line, uint64_t sel, uint64_t type, unsigned rights)
{
    vireo_crd out = 0;
    uint64_t t = 0;
    uint64_t st = hc_lookup(crd_obj(sel, 0, 0), &out, &t);
    if (st != VIREO_SUCCESS)
        return test_status_fail(file, line, "lookup", st, VIREO_SUCCESS);
    if (vireo_crd_kind(out) != VIREO_CRD_OBJ || vireo_crd_base(out) != sel ||
        vireo_crd_order(out) != 0 || vireo_crd_rights(out) != rights || t != type)
        return test_failf(file, line,
                          "lookup(%lu) gave kind %u base %lu order %u rights 0x%x type %s, "
                          "wanted OBJ %lu order 0 rights 0x%x type %s", sel,
                          vireo_crd_kind(out), vireo_crd_base(out), vireo_crd_order(out),
                          vireo_crd_rights(out), type_name(t), sel, rights, type_name(type));
    return NULL;
}

const char *expect_empty(const char *file, int line, uint64_t sel)
{
    vireo_crd out = 0;
    uint64_t st = hc_lookup(crd_obj(sel, 0, 0), &out, NULL);
    if (st != VIREO_SUCCESS)
        return test_status_fail(file, line, "lookup", st, VIREO_SUCCESS);
    if (vireo_crd_kind(out) != VIREO_CRD_NULL)
        return test_failf(file, line, "selector %lu holds kind %u rights 0x%x, wanted empty",
                          sel, vireo_crd_kind(out), vireo_crd_rights(out));
    return NULL;
}
