/* SPDX-License-Identifier: MIT */
/* Vireo test server: SCHnnnn: scheduling contexts: global ECs run, time is accounted. */
#include "test.h"

#define RAN_MAGIC 0x5c4edull
#define WORK_US 2000u
#define BLOCK_US 1000u

/* Worker: leaves a mark. */
static void w_mark(struct ectx *c)
{
    c->res[0] = RAN_MAGIC;
}

static const char *run_on(unsigned cpu)
{
    struct worker w;
    EXPECT(worker_start(&w, cpu, w_mark), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    CHECK(w.ctx->res[0] == RAN_MAGIC, "the worker signalled but left no mark");
    return NULL;
}

static const char *sch_runs(void)
{
    return run_on(0);
}

static const char *sch_runs_other_cpu(void)
{
    if (cpu_count == 1)
        return test_skip("one CPU");
    return run_on(1);
}

/* ABI: a global EC "starts at ip (RDI = its UTCB)"; RSP is create_ec's. */
static const char *sch_entry_state(void)
{
    struct worker w;
    EXPECT(worker_start(&w, 0, NULL), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    CHECK(w.ctx->utcb_seen == (uint64_t)(uintptr_t)w.ctx->utcb,
          "RDI was 0x%lx, the UTCB is at %p", w.ctx->utcb_seen, (void *)w.ctx->utcb);
    CHECK(w.ctx->entry_fp < w.ctx->rsp && w.ctx->rsp - w.ctx->entry_fp < 64,
          "the first frame 0x%lx is not just below the RSP given, 0x%lx", w.ctx->entry_fp,
          w.ctx->rsp);
    return NULL;
}

static const char *sch_no_sc_no_run(void)
{
    struct worker w;
    EXPECT(worker_create(&w, 0, w_mark), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, SHORT_US), VIREO_TIMEOUT);
    CHECK(w.ctx->res[0] == 0, "a global EC without an SC ran");
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    CHECK(w.ctx->res[0] == RAN_MAGIC, "the worker left no mark");
    return NULL;
}

/*
 * Our own SC: spin, then block briefly so that a kernel which accounts time only when
 * it switches has done so. Consumed time can never exceed the TSC itself.
 */
static const char *sch_own_time(void)
{
    uint64_t sm = sel_alloc(), t0, t1;
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(hc_sc_ctrl(VIREO_SEL_SELF_SC, &t0), VIREO_SUCCESS);
    spin_us(WORK_US);
    EXPECT(hc_sm_down(sm, deadline_us(BLOCK_US)), VIREO_TIMEOUT);
    EXPECT(hc_sc_ctrl(VIREO_SEL_SELF_SC, &t1), VIREO_SUCCESS);
    uint64_t now = rdtsc();
    CHECK(t1 > t0, "our SC's time went from %lu to %lu over %u us of work", t0, t1, WORK_US);
    CHECK(t1 <= now, "our SC consumed %lu ticks, more than the TSC's %lu", t1, now);
    return NULL;
}

/* Worker: works, ups sel[0], waits for sel[1], works again. */
static void w_two_phases(struct ectx *c)
{
    spin_us(WORK_US);
    hc_sm_up(c->sel[0]);
    c->res[0] = hc_sm_down(c->sel[1], deadline_us(WAIT_US));
    spin_us(WORK_US);
}

static const char *sch_worker_time(void)
{
    struct worker w;
    uint64_t step = sel_alloc(), go = sel_alloc(), t1, t2;
    EXPECT(mk_sm(step, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(go, 0), VIREO_SUCCESS);
    EXPECT(worker_create(&w, 0, w_two_phases), VIREO_SUCCESS);
    w.ctx->sel[0] = step;
    w.ctx->sel[1] = go;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    EXPECT(hc_sm_down(step, deadline_us(WAIT_US)), VIREO_SUCCESS);
    EXPECT(hc_sc_ctrl(w.sc, &t1), VIREO_SUCCESS);
    EXPECT(hc_sm_up(go), VIREO_SUCCESS);
    EXPECT(worker_wait(&w, WAIT_US), VIREO_SUCCESS);
    EXPECT(hc_sc_ctrl(w.sc, &t2), VIREO_SUCCESS);
    CHECK(t1 > 0, "the worker's SC consumed nothing in %u us of work", WORK_US);
    CHECK(t2 > t1, "the worker's SC went from %lu to %lu over more work", t1, t2);
    EXPECT(w.ctx->res[0], VIREO_SUCCESS);
    return NULL;
}

/* Worker: works for arg[0] microseconds. */
static void w_work(struct ectx *c)
{
    spin_us(c->arg[0]);
    c->res[0] = RAN_MAGIC;
}

static const char *sch_two_workers(void)
{
    struct worker a, b;
    EXPECT(worker_create(&a, 0, w_work), VIREO_SUCCESS);
    EXPECT(worker_create(&b, 0, w_work), VIREO_SUCCESS);
    a.ctx->arg[0] = b.ctx->arg[0] = 5 * WORK_US;
    EXPECT(worker_run(&a), VIREO_SUCCESS);
    EXPECT(worker_run(&b), VIREO_SUCCESS);
    EXPECT(worker_wait(&a, WAIT_US), VIREO_SUCCESS);
    EXPECT(worker_wait(&b, WAIT_US), VIREO_SUCCESS);
    CHECK(a.ctx->res[0] == RAN_MAGIC && b.ctx->res[0] == RAN_MAGIC, "a worker left no mark");
    return NULL;
}

/* ABI: priority 1..VIREO_PRIO_MAX; a quantum of 0 microseconds cannot run anything. */
static const char *sch_bad_qpd(void)
{
    uint64_t ec = sel_alloc(), sc = sel_alloc();
    EXPECT(mk_global_ec(ec, 0), VIREO_SUCCESS);
    EXPECT(hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, VIREO_QPD(0, WORKER_QUANTUM_US)),
           VIREO_BAD_PAR);
    EXPECT(hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, VIREO_QPD(WORKER_PRIO, 0)), VIREO_BAD_PAR);
    EXPECT_EMPTY(sc);
    EXPECT(hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, VIREO_QPD(VIREO_PRIO_MAX, WORKER_QUANTUM_US)),
           VIREO_SUCCESS);
    return NULL;
}

/* Worker: res[0] = a down on sel[0] with no deadline. */
static void w_down_forever(struct ectx *c)
{
    c->res[0] = hc_sm_down(c->sel[0], 0);
}

/*
 * A worker blocks on a semaphore; its SC is revoked while it waits; then the semaphore
 * is upped. With no SC it must not run (SCH0004). The kernel kept the freed SC in the
 * EC (blocked_sc) and ec_wake() put that freed SC back on the run queue.
 */
static const char *sch_sc_revoked_while_blocked(void)
{
    struct worker w;
    uint64_t sm = sel_alloc(), nap = sel_alloc();
    EXPECT(mk_sm(sm, 0), VIREO_SUCCESS);
    EXPECT(mk_sm(nap, 0), VIREO_SUCCESS);
    EXPECT(worker_create(&w, 0, w_down_forever), VIREO_SUCCESS);
    w.ctx->sel[0] = sm;
    w.ctx->res[0] = ~0ull;
    EXPECT(worker_run(&w), VIREO_SUCCESS);
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);   /* it blocks */
    CHECK(w.ctx->res[0] == ~0ull, "the worker's down returned %lu early", w.ctx->res[0]);
    EXPECT(hc_revoke(crd_obj(w.sc, 0, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF),
           VIREO_SUCCESS);
    EXPECT(hc_sm_up(sm), VIREO_SUCCESS);
    EXPECT(hc_sm_down(nap, deadline_us(SHORT_US)), VIREO_TIMEOUT);
    CHECK(w.ctx->res[0] == ~0ull,
          "a worker whose SC was revoked ran again (its down returned %s): the kernel "
          "readied the freed SC", status_name(w.ctx->res[0]));
    EXPECT(worker_wait(&w, SHORT_US), VIREO_TIMEOUT);
    return NULL;
}

static const struct test sch_tests[] = {
    { "SCH0001", "a global EC with an SC runs", sch_runs },
    { "SCH0002", "a global EC on another CPU runs", sch_runs_other_cpu },
    { "SCH0003", "a global EC starts with RDI = UTCB and its RSP", sch_entry_state },
    { "SCH0004", "a global EC without an SC does not run", sch_no_sc_no_run },
    { "SCH0005", "sc_ctrl: our own SC's time grows", sch_own_time },
    { "SCH0006", "sc_ctrl: a worker's SC time grows as it works", sch_worker_time },
    { "SCH0007", "two workers on one CPU both finish", sch_two_workers },
    { "SCH0008", "create_sc: priority 0 or quantum 0 is BAD_PAR", sch_bad_qpd },
    { "SCH0009", "an EC whose SC is revoked while it blocks stays stopped when woken",
      sch_sc_revoked_while_blocked },
    { "SCH0010", "a spinning EC on CPU 1 destroyed from CPU 0", r2_sch_destroy_running_cpu1 },
    { "SCH0011", "waiters on CPU 1: EC or semaphore revoked from CPU 0", r2_sch_destroy_blocked_cpu1 },
};

AREA(sch_area, sch_tests);
