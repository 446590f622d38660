/* SPDX-License-Identifier: MIT */
/* Vireo test server: the test tables, checks, and the fixtures all areas share. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <vireo/crd.h>
#include <vireo/sel.h>
#include "hc.h"

/* ---- Tests and results ------------------------------------------------------------ */

/* A test returns NULL when it passed, else a message saying what was wrong. */
typedef const char *(*test_fn)(void);

struct test {
    const char *id;             /* area and number: CAP0001 */
    const char *title;
    test_fn fn;
};

struct test_area {
    const struct test *tests;
    unsigned count;
};

#define AREA(name, table) const struct test_area name = { table, ARRAY_SIZE(table) }

extern const struct test_area cap_area, ipc_area, sm_area, sch_area, hyp_area, hyp_caps_area,
    storm_area;

#ifdef __FILE_NAME__
#define TEST_FILE __FILE_NAME__
#else
#define TEST_FILE __FILE__
#endif

const char *test_failf(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);
const char *test_status_fail(const char *file, int line, const char *what, uint64_t got,
                             uint64_t want);
/* Appends to the failure message `m` (from test_failf/EXPECT): which case of a loop failed. */
const char *test_append(const char *m, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* A test that cannot run here (one CPU only): reported apart, counted in neither total. */
const char *test_skip(const char *why);
extern const char test_skipped[];
const char *status_name(uint64_t status);

/* The status of `expr` must be `want`. */
#define EXPECT(expr, want)                                                                   \
    do {                                                                                     \
        uint64_t st_ = (expr);                                                               \
        if (st_ != (uint64_t)(want))                                                         \
            return test_status_fail(TEST_FILE, __LINE__, #expr, st_, (uint64_t)(want));      \
    } while (0)
#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond))                                                                         \
            return test_failf(TEST_FILE, __LINE__, __VA_ARGS__);                             \
    } while (0)
/* The same as an expression: NULL, or the failure message. */
const char *expect_status(const char *file, int line, const char *what, uint64_t got,
                          uint64_t want);
#define EXPECT_STATUS(expr, want) expect_status(TEST_FILE, __LINE__, #expr, (expr), (want))
/* A helper that returns a failure message (or NULL). */
#define TRY(expr)                                                                            \
    do {                                                                                     \
        const char *m_ = (expr);                                                             \
        if (m_)                                                                              \
            return m_;                                                                       \
    } while (0)

/* ---- The environment ---------------------------------------------------------------- */

struct vireo_hip;
extern struct vireo_utcb *my_utcb;      /* the root EC's UTCB (main's argument) */
extern const struct vireo_hip *hip;     /* the hypervisor information page; NULL if bad */
extern uint64_t tsc_per_ms;             /* from the HIP */
/* CPUs, from the HIP (else probed with create_ec; 0 if that did not work either). */
extern unsigned cpu_count;

/* Generous bound for what must happen (a worker runs, a wakeup arrives): an emulated CPU
   on a loaded host can stall for seconds. */
#define WAIT_US 10000000u
/* A deadline that is meant to pass. */
#define SHORT_US 20000u

uint64_t deadline_us(uint64_t us);
/* Ticks from now until `deadline`, 0 once it has passed. */
uint64_t ticks_left(uint64_t deadline);
void spin_us(uint64_t us);
/* xorshift64 (Marsaglia): fixed seeds make every run identical. */
uint64_t xorshift64(uint64_t *state);

/* The root server owns every I/O port: inb/outb come from x86.h. */

/* ---- Selectors and addresses ---------------------------------------------------------- */

#define SEL_PARK 32                 /* a semaphore no one ups: workers wait there for good */
#define SEL_TEST_FIRST 64           /* per-test selectors, handed back after each test */
#define SEL_TEST_LIMIT 0x6000
#define SEL_STORM 0x6000            /* STORM0001's window: 2^8 selectors */
#define SEL_STORM_ORDER 8
#define SEL_CYCLE 0x6800            /* STORM0002's window: 2^8 selectors */
#define SEL_CYCLE_ORDER 8
#define SEL_EMPTY 0x7f00            /* never filled */
#define SEL_EVENT_NONE 0x7fe0       /* an event base whose 32 portals never exist */
#define SEL_LIMIT (1ull << VIREO_SEL_BITS)

#define UTCB_FIRST 0x20000000ull    /* fresh UTCB addresses, never reused */
#define UTCB_LIMIT 0x30000000ull
#define UTCB_STORM 0x30000000ull    /* STORM0001 picks pages here at random */
#define UTCB_STORM_PAGES 4096u
#define PAGE 4096ull

uint64_t sel_alloc(void);
/* 2^order selectors, aligned: a window for a range delegation or a revoke. */
uint64_t sel_alloc_range(unsigned order);
uint64_t sel_mark(void);
/* Revokes every selector taken since `mark`; reuses them only if all are empty again. */
void sel_release(uint64_t mark);
uint64_t utcb_alloc(void);

/* ---- Execution contexts: stacks with their context on top ------------------------------ */

#define STACK_SIZE 8192u

struct ectx;
typedef void (*worker_fn)(struct ectx *c);

/*
 * Lives at the top of each EC's stack, so an EC finds it from its own frame address
 * (self_ctx) without a global per EC; the test fills it in before create_ec.
 */
struct ectx {
    struct vireo_utcb *utcb;    /* where this EC's UTCB was asked to be mapped */
    uint64_t rsp;               /* the stack pointer create_ec was given */
    worker_fn fn;               /* a worker's body */
    uint64_t done;              /* a worker's semaphore, upped when fn returns */
    uint64_t sel[4];            /* test-specific selectors */
    uint64_t arg[4];            /* test-specific values */
    volatile uint64_t res[4];   /* results for the test to read */
    volatile uint64_t calls;    /* how often a handler was entered */
    volatile uint64_t last_id;  /* RDI at the last entry */
    volatile uint64_t entry_fp; /* frame address at the last entry */
    volatile uint64_t utcb_seen;/* a worker's RDI at start */
} __attribute__((aligned(16)));

struct ectx *ectx_alloc_handler(void);
struct ectx *ectx_alloc_worker(void);
/* Set up for the UTCB at `utcb`; returns the entry RSP: 16-byte aligned minus 8, as if
   the entry function had been called, so the C code's stack alignment holds. */
uint64_t ectx_prepare(struct ectx *c, uint64_t utcb);
struct ectx *self_ctx(void);

/* ---- Handlers: local ECs serving portals ---------------------------------------------- */

typedef void (*handler_entry)(uint64_t id);

/* A local EC in our own PD on `cpu` and a portal bound to it. */
struct server {
    uint64_t ec, pt;
    struct ectx *ctx;
};

/* The handler the portals use unless a test says otherwise: words[0] is the operation. */
enum op {
    OP_ECHO,        /* reply with the message as it came */
    OP_SUM,         /* -> [0] sum of words[1..], [1] untyped seen, [2] typed seen */
    OP_INFO,        /* -> [0] id, [1] entry frame address, [2] calls so far */
    OP_DELEGATE,    /* [1] crd, [2] hotspot -> a reply carrying that one typed item */
    OP_CALL,        /* [1] portal, [2] call flags -> [0] status of that call (an echo) */
    OP_NESTED,      /* [1] portal, [2..] words -> [0] status, [1] that portal's sum */
    OP_REVOKE,      /* [1] crd, [2] crd: revoked with SELF, then reply -> [0] [1] statuses */
    OP_LOOKUP,      /* [1] crd -> [0] status, [1] crd out, [2] type out */
    OP_BLOCK,       /* [1] sm, [2] sm: up [2], down [1] (deadline WAIT_US) -> [0] status */
    OP_FAULT,       /* ud2: an invalid-opcode exception */
    OP_COUNT
};

__attribute__((noreturn)) void h_op(uint64_t id);
__attribute__((noreturn)) void h_const(uint64_t id);      /* -> [0] H_CONST_MAGIC */
__attribute__((noreturn)) void h_echo(uint64_t id);       /* replies at once, UTCB untouched */
__attribute__((noreturn)) void h_counts(uint64_t id);     /* -> [0] untyped, [1] typed seen */
__attribute__((noreturn)) void h_exception(uint64_t id);  /* see fixture.c */
#define H_CONST_MAGIC 0xc0ffee5ull

uint64_t server_start(struct server *s, unsigned cpu);
uint64_t server_start_at(struct server *s, unsigned cpu, handler_entry entry);
/* Another portal for s's EC, with its own entry. */
uint64_t server_portal(struct server *s, uint64_t *pt, handler_entry entry);

/* Sends words[0..n) (no typed items) over pt from our UTCB; the reply is in my_utcb. */
uint64_t msg_call(uint64_t pt, unsigned n, const uint64_t *words);
/*
 * Delegates what `src` names in our space into `window` of our space: s's handler replies
 * with the item (reply typed items are the ABI's way to delegate). Returns the call status.
 */
uint64_t delegate_self(struct server *s, vireo_crd src, uint64_t hotspot, vireo_crd window);
/* Delegates the single capability at `from` to the empty `to` with `rights`. */
uint64_t copy_cap(struct server *s, uint64_t from, uint64_t to, unsigned rights);

/* Register values hc_keep_regs loads before SYSCALL and checks after. */
enum kept_reg { KEPT_RBX, KEPT_R12, KEPT_R13, KEPT_R14, KEPT_R15, KEPT_COUNT };
/* A raw hypercall (RAX, RDI) with known values in RBX and R12-R15, which every hypercall
   must preserve; *changed gets a bit per enum kept_reg that came back different. */
uint64_t hc_keep_regs(uint64_t rax, uint64_t rdi, unsigned *changed);

/* ---- Workers: global ECs with a scheduling context ------------------------------------- */

#define WORKER_PRIO 1
#define WORKER_QUANTUM_US 10000u

struct worker {
    uint64_t ec, sc, done;
    struct ectx *ctx;
};

/* A global EC in our PD on `cpu` running fn, and its done semaphore; no SC yet. */
uint64_t worker_create(struct worker *w, unsigned cpu, worker_fn fn);
/* Gives it an SC: it starts. */
uint64_t worker_run(struct worker *w);
uint64_t worker_start(struct worker *w, unsigned cpu, worker_fn fn);
/* Waits (bounded) for fn to return: SUCCESS, or TIMEOUT after `us`. */
uint64_t worker_wait(struct worker *w, uint64_t us);
bool wait_flag(uint64_t sm, volatile const uint64_t *flag, uint64_t us);
/* The same, spinning (for a flag set by an EC on another CPU). */
bool spin_flag(volatile const uint64_t *flag, uint64_t us);

/* ---- Checks on capabilities ------------------------------------------------------------ */

/* NULL if our space holds an object of `type` with exactly `rights` at `sel`. */
const char *expect_cap(const char *file, int line, uint64_t sel, uint64_t type, unsigned rights);
/* NULL if `sel` is empty in our space. */
const char *expect_empty(const char *file, int line, uint64_t sel);
#define EXPECT_CAP(sel, type, rights) TRY(expect_cap(TEST_FILE, __LINE__, sel, type, rights))
#define EXPECT_EMPTY(sel) TRY(expect_empty(TEST_FILE, __LINE__, sel))

/* Single-object creations with the usual arguments, for brevity in the tests. */
uint64_t mk_pd(uint64_t sel);
uint64_t mk_sm(uint64_t sel, uint64_t count);
/* A local EC in our PD on `cpu` with a fresh UTCB and a handler stack. */
uint64_t mk_local_ec(uint64_t sel, unsigned cpu);
/* A portal to the local EC `ec`, entering h_op. */
uint64_t mk_pt(uint64_t sel, uint64_t ec);
/* A global EC that parks at once, with no SC. */
uint64_t mk_global_ec(uint64_t sel, unsigned cpu);

/* Waits for good on SEL_PARK: the way a worker ends. */
__attribute__((noreturn)) void park(void);

/* Second review (tests_rev2.inc, compiled in tests_storm.c). */
const char *r2_cap_pd_cycle_leak(void);
const char *r2_cap_partial_revoke(void);
const char *r2_cap_overlap_special(void);
const char *r2_cap_deleg_cycle_leak(void);
const char *r2_hyp_revoke_own_ram(void);
const char *r2_hyp_gsi_revoked(void);
const char *r2_sch_destroy_running_cpu1(void);
const char *r2_sch_destroy_blocked_cpu1(void);
const char *r2_storm_shootdown(void);
const char *r2_ipc_child_pd_dies_running_cpu1(void);
const char *r2_ipc_child_pd_dies_blocked_cpu1(void);
