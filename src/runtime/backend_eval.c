/*
** A backend held against the simulator on a data set (an_backend_evaluate):
** batch by batch, the same int8 input on both, then the logits, the DRAM
** image (where the backend has one) and the cycle count (where it counts
** cycles) must equal the simulator's; the first difference fails naming
** the batch and the element.
*/
#include "backend_internal.h"

/* The first byte where a and b differ, or -1. */
static int64_t first_diff(const uint8_t *a, const uint8_t *b, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (a[i] != b[i]) return i;
    return -1;
}

/* One batch on b beside the simulator sim, compared. */
static an_status check_batch(an_backend *b, an_backend *sim, const int8_t *q, int64_t at,
                             int8_t *got, int8_t *want, an_backend_eval *r) {
    const an_npu_exe *x = b->x;
    const int64_t N = (int64_t)x->batch * x->output.h * x->output.w * x->output.c;
    double t0 = an_now();
    an_status s = an_backend_run(sim, q);
    r->sim_seconds += an_now() - t0;
    t0 = an_now();
    if (!s) s = an_backend_run(b, q);
    r->seconds += an_now() - t0;
    an_profile p = {0}, ps = {0};
    if (!s) s = an_backend_counters(sim, &ps);
    if (!s && an_backend_counters(b, &p) == AN_OK) {
        r->model_cycles = ps.cycles;
        r->cycles += p.cycles;
        if (p.cycles != ps.cycles)
            s = an_fail(AN_ERR_INTERNAL,
                        "%s: the %s backend took %lld cycles for the batch at sample %lld, the "
                        "timing model %lld (docs/timing.md is the convention both must follow)",
                        x->source, b->ops->name, (long long)p.cycles, (long long)at,
                        (long long)ps.cycles);
    }
    an_profile_free(&p);
    an_profile_free(&ps);
    const uint8_t *dram = s ? NULL : an_backend_dram(b);
    r->dram_checked = dram != NULL;
    const int64_t d = dram ? first_diff(dram, an_backend_dram(sim), x->dram_size) : -1;
    if (d >= 0)
        return an_fail(AN_ERR_INTERNAL,
                       "%s: %s and simulator differ in the batch at sample %lld, DRAM byte "
                       "%lld: %d vs %d",
                       x->source, b->ops->name, (long long)at, (long long)d, (int8_t)dram[d],
                       (int8_t)an_backend_dram(sim)[d]);
    if (!s) s = an_backend_output(b, got);
    if (!s) s = an_backend_output(sim, want);
    const int64_t o = s ? -1 : first_diff((uint8_t *)got, (uint8_t *)want, N);
    if (o >= 0)
        return an_fail(AN_ERR_INTERNAL,
                       "%s: %s and simulator differ in the batch at sample %lld, logit %lld: "
                       "%d vs %d",
                       x->source, b->ops->name, (long long)at, (long long)o, got[o], want[o]);
    return s;
}

/* A run's state for eval_step. */
typedef struct eval_run {
    an_backend *b, *sim;
    an_backend_eval *r;
} eval_run;

static an_status eval_step(void *ctx, const rt_batch *t) {
    eval_run *e = ctx;
    const an_status s = check_batch(e->b, e->sim, t->q, t->at, t->out[0], t->out[1], e->r);
    if (!s) e->r->equal += t->n;
    return s;
}

an_status an_backend_evaluate(an_backend_kind k, const an_npu_exe *x, const an_dataset *raw,
                              const an_backend_opts *opts, an_backend_eval *r) {
    *r = (an_backend_eval){0};
    eval_run e = {.r = r};
    an_status s = rt_batches_fit(x, raw);
    if (!s) s = an_backend_load(&e.b, k, x, opts);
    if (!s) s = an_backend_load(&e.sim, AN_BACKEND_SIM, x, NULL);
    if (!s) s = rt_batches_run(x, raw, 2, eval_step, &e, &r->n, &r->correct);
    an_backend_close(e.b);
    an_backend_close(e.sim);
    return s;
}
