/*
** The device API: open, load two executables at once, set inputs, run
** blocking and asynchronously from several threads, read outputs,
** elements, counters and errors, unload, close; a backend that cannot run
** a program refuses it at load with its reason. Outputs equal the
** functional executor's. The backend interface: names, refusals, a run
** and its outputs, DRAM and counters, a profile equal to the simulator's
** own, and the reference engine's logits equal to the simulator's on a
** compiled graph, directly and through a device; the RTL through a device
** (when this build has it) equal to the simulator in outputs and cycles.
** The accuracy runs over a data set: counts, and refusals of data that
** does not fit.
*/
#include "asicnn/runtime.h"
#include "test_quant_util.h"
#include "test_timing_util.h"

#include <pthread.h>
#include "leakcheck.h"

TestSuite(runtime, .fini = leakcheck);

typedef struct job {
    an_device *d;
    an_program p;
    an_status s;
} job;

static void *worker(void *arg) {
    job *j = arg;
    for (int i = 0; i < 5 && !j->s; i++) j->s = an_device_run(j->d, j->p);
    return NULL;
}

Test(runtime, end_to_end) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_device *d;
    an_npu_exe x1, x2;
    tt_program(&x1, &c, 1, 16, 1);
    tt_program(&x2, &c, 3, 32, 2);
    an_program p1, p2;
    /* no embedded graph for the reference engine: refused at load, saying so */
    cr_assert_eq(an_device_open(&d, &c, AN_BACKEND_REF), AN_OK);
    cr_assert_eq(an_device_load(d, &x1, &p1), AN_ERR_UNSUPPORTED);
    cr_assert(strstr(an_errmsg(), "int8 graph"), "%s", an_errmsg());
    an_device_close(d);
    cr_assert_eq(an_device_open(&d, &c, AN_BACKEND_SIM), AN_OK);
    cr_assert_eq(an_device_load(d, &x1, &p1), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_device_load(d, &x2, &p2), AN_OK, "%s", an_errmsg());
    cr_assert_neq(p1, p2);
    const int64_t ni = an_device_input_size(d, p1), no = an_device_output_size(d, p1);
    cr_assert_eq(ni, 16 * 16);
    int8_t in[256], out[256], want[256];
    for (int i = 0; i < 256; i++) in[i] = (int8_t)(i % 5 - 2);
    cr_assert_neq(an_device_set_input(d, p1, in, ni - 1), AN_OK);
    cr_assert_eq(an_device_set_input(d, p1, in, ni), AN_OK);
    cr_assert_neq(an_device_get_output(d, p1, out, no), AN_OK); /* not run yet */
    cr_assert_eq(an_device_run(d, p1), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_device_state(d, p1), AN_RUN_DONE);
    cr_assert_eq(an_device_get_output(d, p1, out, no), AN_OK);
    an_npu_sim *s;
    cr_assert_eq(an_npu_sim_create(&s, &x1), AN_OK);
    cr_assert_eq(an_npu_sim_run(s, in, want), AN_OK);
    an_npu_sim_free(s);
    cr_assert_arr_eq(out, want, (size_t)no);
    int8_t v;
    cr_assert_eq(an_device_get_element(d, p1, 3, &v), AN_OK);
    cr_assert_eq(v, want[3]);
    cr_assert_neq(an_device_get_element(d, p1, no, &v), AN_OK);
    an_profile pr;
    cr_assert_eq(an_device_counters(d, p1, &pr), AN_OK);
    cr_assert_gt(pr.cycles, 0);
    an_profile_free(&pr);
    /* two threads, two programs, at once */
    job j1 = {d, p1, AN_OK}, j2 = {d, p2, AN_OK};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, &j1);
    pthread_create(&t2, NULL, worker, &j2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_assert_eq(j1.s, AN_OK);
    cr_assert_eq(j2.s, AN_OK);
    cr_assert_eq(an_device_start(d, p2), AN_OK);
    cr_assert_eq(an_device_wait(d, p2), AN_OK);
    cr_assert_str_eq(an_device_error(d, p2), "");
    cr_assert_eq(an_device_unload(d, p1), AN_OK);
    cr_assert_neq(an_device_run(d, p1), AN_OK);
    an_device_close(d);
    an_npu_exe_free(&x1);
    an_npu_exe_free(&x2);
}

Test(runtime, backend_interface) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_backend_kind k;
    for (int i = 0; i < AN_BACKEND_COUNT; i++) {
        cr_assert_eq(an_backend_by_name(an_backend_name((an_backend_kind)i), &k), AN_OK);
        cr_assert_eq(k, (an_backend_kind)i);
    }
    cr_assert_eq(an_backend_by_name("fpga", &k), AN_ERR_USAGE);
    an_npu_exe x;
    tt_program(&x, &c, 2, 32, 1);
    /* npu16 is not the chip the RTL of this build was made for */
    cr_assert_eq(an_backend_supports(AN_BACKEND_RTL, &x), AN_ERR_UNSUPPORTED);
    cr_assert_eq(an_backend_supports(AN_BACKEND_GPU, &x), AN_ERR_UNSUPPORTED);
    an_backend *b;
    cr_assert_eq(an_backend_load(&b, AN_BACKEND_SIM, &x, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_str_eq(an_backend_get_name(b), "sim");
    const size_t ni = (size_t)x.batch * x.input.h * x.input.w * x.input.c;
    const size_t no = (size_t)x.batch * x.output.h * x.output.w * x.output.c;
    int8_t *in = calloc(ni, 1), *out = calloc(no, 1), *want = calloc(no, 1);
    for (size_t i = 0; i < ni; i++) in[i] = (int8_t)(i % 7 - 3);
    an_profile p;
    cr_assert_neq(an_backend_output(b, out), AN_OK); /* not run yet */
    cr_assert_null(an_backend_dram(b));
    cr_assert_eq(an_backend_run(b, in), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_backend_output(b, out), AN_OK);
    an_npu_sim *s;
    cr_assert_eq(an_npu_sim_create(&s, &x), AN_OK);
    cr_assert_eq(an_npu_sim_run(s, in, want), AN_OK);
    cr_assert_arr_eq(out, want, no);
    cr_assert_arr_eq(an_backend_dram(b), an_npu_sim_dram(s), (size_t)x.dram_size);
    an_npu_sim_free(s);
    cr_assert_eq(an_backend_counters(b, &p), AN_OK);
    cr_assert_gt(p.cycles, 0);
    cr_assert_gt(an_perf_energy(&p.total), 0);
    an_profile_free(&p);
    /* one batch on a zero-point input: the simulator's own profile */
    an_profile want_p;
    cr_assert_eq(an_backend_profile(AN_BACKEND_SIM, &x, NULL, NULL, &p), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_npu_profile_run(&x, NULL, NULL, &want_p), AN_OK);
    cr_assert_eq(p.cycles, want_p.cycles);
    cr_assert_eq(an_perf_energy(&p.total), an_perf_energy(&want_p.total));
    an_profile_free(&want_p);
    an_profile_free(&p);
    /* with another DRAM's energy and a trace: the simulator's own, byte for byte */
    char dir[] = "/tmp/an_rt_trace_XXXXXX", got_path[64], want_path[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(got_path, sizeof got_path, "%s/got.json", dir);
    snprintf(want_path, sizeof want_path, "%s/want.json", dir);
    const an_energy_params e = an_energy_for(&x.cfg, AN_DRAM_DDR3);
    cr_assert_eq(an_backend_profile(AN_BACKEND_SIM, &x, &e, got_path, &p), AN_OK, "%s",
                 an_errmsg());
    cr_assert_eq(an_npu_profile_run(&x, &e, want_path, &want_p), AN_OK);
    cr_assert_eq(an_perf_energy(&p.total), an_perf_energy(&want_p.total));
    an_profile_free(&want_p);
    an_profile_free(&p);
    char *got_t, *want_t;
    size_t got_n, want_n;
    cr_assert_eq(an_read_file(got_path, 1 << 26, &got_t, &got_n), AN_OK);
    cr_assert_eq(an_read_file(want_path, 1 << 26, &want_t, &want_n), AN_OK);
    cr_assert_eq(got_n, want_n);
    cr_assert_eq(memcmp(got_t, want_t, got_n), 0);
    free(got_t);
    free(want_t);
    unlink(got_path);
    unlink(want_path);
    rmdir(dir);
    cr_assert_eq(an_backend_profile(AN_BACKEND_REF, &x, NULL, NULL, &p), AN_ERR_UNSUPPORTED);
    /* what only some backends have is refused with a reason by the others */
    double ms = 1;
    cr_assert_eq(an_backend_device_ms(b, &ms), AN_ERR_UNSUPPORTED);
    cr_assert(strstr(an_errmsg(), "sim backend measures no device time"), "%s", an_errmsg());
    cr_assert_eq(ms, 0);
    cr_assert_eq(an_backend_trace(b, "unused.json"), AN_ERR_USAGE, "loaded without trace");
    cr_assert_neq(access("unused.json", F_OK), 0, "and nothing written");
    char name[16];
    an_backend_device_name(b, name, sizeof name);
    cr_assert_str_eq(name, "sim");
    an_backend_close(b);
    free(in);
    free(out);
    free(want);
    an_npu_exe_free(&x);
}

/* Backends chosen by what they give: the first in kind order that has it
** and supports the program, else every refusal's reason. */
Test(runtime, backend_find) {
    const unsigned C = AN_BACKEND_CAP_CYCLES, P = AN_BACKEND_CAP_PROFILE, D = AN_BACKEND_CAP_DRAM,
                   T = AN_BACKEND_CAP_TRACE, M = AN_BACKEND_CAP_DEVICE_TIME;
    cr_assert_eq(an_backend_caps(AN_BACKEND_SIM), C | P | D | T);
    cr_assert_eq(an_backend_caps(AN_BACKEND_RTL), C | D);
    cr_assert_eq(an_backend_caps(AN_BACKEND_REF), 0);
    cr_assert_eq(an_backend_caps(AN_BACKEND_GPU), M);
    cr_assert_eq(an_backend_caps(AN_BACKEND_COUNT), 0);
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_npu_exe x;
    tt_program(&x, &c, 2, 32, 1);
    an_backend_kind k = AN_BACKEND_COUNT;
    cr_assert_eq(an_backend_find(0, &x, &k), AN_OK);
    cr_assert_eq(k, AN_BACKEND_SIM);
    k = AN_BACKEND_COUNT;
    cr_assert_eq(an_backend_find(C | D, &x, &k), AN_OK);
    cr_assert_eq(k, AN_BACKEND_SIM);
    /* device time: the gpu backend only, which refuses (no device or no
    ** embedded graph here) and says why */
    cr_assert_eq(an_backend_find(M, &x, &k), AN_ERR_UNSUPPORTED);
    cr_assert(strstr(an_errmsg(), "the gpu backend"), "%s", an_errmsg());
    cr_assert_eq(an_backend_find(P | M, &x, &k), AN_ERR_UNSUPPORTED);
    cr_assert(strstr(an_errmsg(), "no backend gives"), "%s", an_errmsg());
    /* the whole profile: the simulator's */
    an_profile p, want;
    cr_assert_eq(an_backend_profile_any(&x, NULL, NULL, &p), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_backend_profile(AN_BACKEND_SIM, &x, NULL, NULL, &want), AN_OK);
    cr_assert_eq(p.cycles, want.cycles);
    cr_assert_gt(p.total.insns, 0);
    cr_assert_eq(p.total.insns, want.total.insns);
    cr_assert_eq(an_perf_energy(&p.total), an_perf_energy(&want.total));
    an_profile_free(&p);
    an_profile_free(&want);
    an_npu_exe_free(&x);
}

/* conv + max pool + dense compiled for npu16 at batch 2, its .q8 embedded. */
static void compiled(an_npu_exe *x) {
    an_rng r;
    an_rng_seed(&r, 5, 1);
    an_q_graph g;
    tq_graph(&g, 3, 8, 8, 2, 0.05f, 3);
    tq_conv(&g, 0, 4, 3, 1, 1, 1, &r);
    tq_pool(&g, AN_Q_MAXPOOL, 1, 2, 2, 0);
    tq_dense(&g, 2, 5, 0, &r);
    char *q8;
    size_t n;
    tq_q8_image(&g, &q8, &n);
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.batch = 2;
    cr_assert_eq(an_npu_compile(&g, &c, &o, (const uint8_t *)q8, n, x, NULL), AN_OK, "%s",
                 an_errmsg());
    free(q8);
    an_q_graph_free(&g);
}

Test(runtime, ref_equals_sim) {
    an_npu_exe x;
    compiled(&x);
    const int64_t ni = (int64_t)x.batch * x.input.h * x.input.w * x.input.c;
    const int64_t no = (int64_t)x.batch * x.output.h * x.output.w * x.output.c;
    int8_t *in = calloc((size_t)ni, 1), *want = calloc((size_t)no, 1), *got = calloc((size_t)no, 1);
    an_rng r;
    an_rng_seed(&r, 9, 1);
    tq_random_input(in, ni, &r);
    an_backend *sim, *ref;
    cr_assert_eq(an_backend_load(&sim, AN_BACKEND_SIM, &x, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_backend_load(&ref, AN_BACKEND_REF, &x, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_backend_run(sim, in), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_backend_run(ref, in), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_backend_output(sim, want), AN_OK);
    cr_assert_eq(an_backend_output(ref, got), AN_OK);
    cr_assert_arr_eq(got, want, (size_t)no);
    int varied = 0; /* logits that are not all one value: the comparison means something */
    for (int64_t i = 1; i < no; i++) varied |= want[i] != want[0];
    cr_assert(varied);
    an_profile p;
    cr_assert_eq(an_backend_counters(ref, &p), AN_ERR_UNSUPPORTED); /* it counts nothing */
    /* nor traces: refused before anything runs, nothing written */
    cr_assert_eq(an_backend_profile(AN_BACKEND_REF, &x, NULL, "unused.json", &p),
                 AN_ERR_UNSUPPORTED);
    cr_assert(strstr(an_errmsg(), "ref backend records no instruction trace"), "%s", an_errmsg());
    cr_assert_neq(access("unused.json", F_OK), 0);
    an_backend_close(sim);
    an_backend_close(ref);
    /* the same through a device on the reference engine */
    an_device *d;
    an_program h;
    memset(got, 0, (size_t)no);
    cr_assert_eq(an_device_open(&d, &x.cfg, AN_BACKEND_REF), AN_OK);
    cr_assert_eq(an_device_load(d, &x, &h), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_device_set_input(d, h, in, ni), AN_OK);
    cr_assert_eq(an_device_run(d, h), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_device_get_output(d, h, got, no), AN_OK);
    cr_assert_arr_eq(got, want, (size_t)no);
    an_device_close(d);
    free(in);
    free(want);
    free(got);
    an_npu_exe_free(&x);
}

/* The accuracy runs over a data set (an_backend_check, an_backend_evaluate):
** 5 samples at batch 2 (the last batch padded), labelled with the reference
** engine's own class for the even samples and another class for the odd
** ones, so both must count 5 samples, all equal, 3 correct; a data set
** without labels, or of another sample size, is refused naming it. */
Test(runtime, accuracy_runs_count_and_refuse) {
    an_npu_exe x;
    compiled(&x);
    an_dataset raw = {0};
    cr_assert_eq(an_dataset_alloc(&raw, 5, x.input.h, x.input.w, x.input.c), AN_OK);
    snprintf(raw.name, sizeof raw.name, "five");
    an_rng r;
    an_rng_seed(&r, 3, 1);
    for (int64_t i = 0; i < raw.n * raw.features; i++)
        raw.x[i] = 128.0f + (float)an_rng_below(&r, 11) - 5.0f;
    const int64_t N = (int64_t)x.output.h * x.output.w * x.output.c;
    int8_t *q = calloc((size_t)(x.batch * raw.features), 1), *y = calloc((size_t)(x.batch * N), 1);
    an_backend *ref;
    cr_assert_eq(an_backend_load(&ref, AN_BACKEND_REF, &x, NULL), AN_OK, "%s", an_errmsg());
    int classes = 0; /* the labels below must not all be one class */
    for (int64_t at = 0; at < raw.n; at += x.batch) {
        const int n = an_npu_quantize_batch(&x, &raw, at, q);
        cr_assert_eq(an_backend_run(ref, q), AN_OK, "%s", an_errmsg());
        cr_assert_eq(an_backend_output(ref, y), AN_OK);
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < N; k++)
                if (y[i * N + k] > y[i * N + best]) best = k;
            raw.y[at + i] = (at + i) % 2 ? (best + 1) % (int)N : best;
            classes |= 1 << raw.y[at + i];
        }
    }
    cr_assert(classes & (classes - 1));
    an_backend_close(ref);
    an_npu_eval e;
    cr_assert_eq(an_backend_check(AN_BACKEND_SIM, &x, NULL, &raw, &e), AN_OK, "%s", an_errmsg());
    cr_assert(e.n == 5 && e.correct == 3 && e.equal == 0 && e.insns > 0);
    an_backend_eval v;
    cr_assert_eq(an_backend_evaluate(AN_BACKEND_REF, &x, &raw, NULL, &v), AN_OK, "%s", an_errmsg());
    cr_assert(v.n == 5 && v.correct == 3 && v.equal == 5 && !v.dram_checked);
    /* refusals: labels gone, then one feature too many */
    int32_t *labels = raw.y;
    raw.y = NULL;
    cr_assert_eq(an_backend_check(AN_BACKEND_SIM, &x, NULL, &raw, &e), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "five: evaluation needs labels"), "%s", an_errmsg());
    cr_assert_eq(an_backend_evaluate(AN_BACKEND_REF, &x, &raw, NULL, &v), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "five: evaluation needs labels"), "%s", an_errmsg());
    raw.y = labels;
    raw.features++;
    cr_assert_eq(an_backend_evaluate(AN_BACKEND_REF, &x, &raw, NULL, &v), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "five: samples have"), "%s", an_errmsg());
    raw.features--;
    free(q);
    free(y);
    an_dataset_free(&raw);
    an_npu_exe_free(&x);
}

/* The RTL through a device: the same outputs and cycles as the simulator's
** (skipped when this build has no Verilated model for test4x4). */
Test(runtime, rtl_device_equals_sim) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get(ASICNN_TEST_DIR "/../configs/test4x4.json", &c), AN_OK, "%s",
                 an_errmsg());
    if (!an_hw_rtl_available(&c, NULL))
        cr_skip_test("no Verilated model for test4x4 in this build");
    an_npu_exe x;
    tt_program(&x, &c, 1, 8, 1);
    const int64_t ni = (int64_t)x.batch * x.input.h * x.input.w * x.input.c;
    const int64_t no = (int64_t)x.batch * x.output.h * x.output.w * x.output.c;
    int8_t *in = calloc((size_t)ni, 1), *out[2] = {calloc((size_t)no, 1), calloc((size_t)no, 1)};
    for (int64_t i = 0; i < ni; i++) in[i] = (int8_t)(i * 7 % 11 - 5);
    int64_t cycles[2];
    const an_backend_kind kinds[2] = {AN_BACKEND_SIM, AN_BACKEND_RTL};
    for (int k = 0; k < 2; k++) {
        an_device *d;
        an_program h;
        an_profile p;
        cr_assert_eq(an_device_open(&d, &c, kinds[k]), AN_OK);
        cr_assert_eq(an_device_load(d, &x, &h), AN_OK, "%s", an_errmsg());
        cr_assert_eq(an_device_set_input(d, h, in, ni), AN_OK);
        cr_assert_eq(an_device_run(d, h), AN_OK, "%s", an_errmsg());
        cr_assert_eq(an_device_get_output(d, h, out[k], no), AN_OK);
        cr_assert_eq(an_device_counters(d, h, &p), AN_OK, "%s", an_errmsg());
        cycles[k] = p.cycles;
        an_profile_free(&p);
        an_device_close(d);
    }
    cr_assert_arr_eq(out[1], out[0], (size_t)no);
    cr_assert_eq(cycles[1], cycles[0]);
    cr_assert_gt(cycles[1], 0);
    free(in);
    free(out[0]);
    free(out[1]);
    an_npu_exe_free(&x);
}
