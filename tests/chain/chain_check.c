/*
** Running one case: compile, load, simulate (timing on), compare with the
** integer reference engine; in a child process so that a crash or a hang
** becomes a verdict.
**
** Contract
** - ch_run_graph classifies as described in chain.h; its message names
**   the stage, and for a mismatch the layer, its lowering, the sample and
**   element, and both values.
** - ch_check never lets the case's process state reach the caller: the
**   child writes its ch_result to a pipe and exits; a signal (SIGALRM for
**   the watchdog) is a crash or a timeout.
*/
#include "chain.h"

#include "asicnn/hw.h"
#include "asicnn/sim.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const CH_VERDICT_NAME[CH_VERDICT_COUNT] = {[CH_PASS] = "pass",
                                                       [CH_EXPECTED] = "expected error",
                                                       [CH_INVALID] = "invalid description",
                                                       [CH_BUG_GEN] = "generator bug",
                                                       [CH_BUG_COMPILE] = "compile error",
                                                       [CH_BUG_LOAD] = "load error",
                                                       [CH_BUG_SIM] = "simulator error",
                                                       [CH_BUG_MISMATCH] = "mismatch",
                                                       [CH_BUG_RTL] = "RTL mismatch",
                                                       [CH_BUG_CRASH] = "crash",
                                                       [CH_BUG_TIMEOUT] = "timeout"};

static void set(ch_result *r, ch_verdict v, const char *fmt, ...) {
    r->v = v;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
}

/* Random int8 samples: uniform, or every value at one end. */
static void make_input(int8_t *x, int64_t n, uint32_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 5);
    const uint32_t form = an_rng_below(&r, 8);
    for (int64_t i = 0; i < n; i++)
        x[i] = form == 0 ? -128 : form == 1 ? 127 : (int8_t)((int)an_rng_below(&r, 256) - 128);
}

/* Array MACs of a graph per sample (to judge an instruction-count limit). */
static int64_t graph_macs(const an_q_graph *g) {
    int64_t m = 0;
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i].op == AN_Q_CONV2D || g->layers[i].op == AN_Q_DENSE)
            m += an_q_tensor_size(g, i + 1) * g->layers[i].k;
    return m;
}

/* The compile step, with the errors a case planted. Returns 1 when the
** case goes on to run. */
static int compile_case(const ch_case *k, const an_q_graph *g, an_npu_exe *x, ch_result *r) {
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.batch = k->batch, o.conv = (an_npu_conv_choice)k->conv, o.host_ops = k->host_ops;
    o.no_fuse = k->no_fuse;
    int linear = 0;
    for (int i = 0; i < g->n_layers; i++)
        linear |= g->layers[i].op == AN_Q_CONV2D || g->layers[i].op == AN_Q_DENSE;
    const int want_host = k->expect_error == CH_EXPECT_CONV_ON_HOST && linear;
    const int want_batch = k->expect_error == CH_EXPECT_BATCH;
    if (want_host) o.host_ops |= 1u << AN_Q_CONV2D | 1u << AN_Q_DENSE;
    const an_status s = an_npu_compile(g, &k->chip, &o, NULL, 0, x, NULL);
    const char *m = an_errmsg();
    if (s == AN_OK && (want_host || want_batch)) {
        an_npu_exe_free(x);
        set(r, CH_BUG_COMPILE, "compile: accepted %s",
            want_host ? "conv/dense on the host" : "a batch outside 1..65536");
        return 0;
    }
    if (s == AN_OK) return 1;
    if ((want_host && s == AN_ERR_UNSUPPORTED && strstr(m, "must run on the chip")) ||
        (want_batch && s == AN_ERR_RANGE && strstr(m, "batch"))) {
        set(r, CH_EXPECTED, "%s", m);
        return 0;
    }
    /* the executable-size limits are "cannot run" errors when the program is huge */
    const int64_t rows = graph_macs(g) * k->batch / ((int64_t)k->chip.rows * k->chip.cols);
    if (s == AN_ERR_UNSUPPORTED && strstr(m, "instructions") && rows > (INT64_C(1) << 22)) {
        set(r, CH_EXPECTED, "%s", m);
        return 0;
    }
    set(r, CH_BUG_COMPILE, "compile: %s: %s", an_status_name(s), m);
    return 0;
}

/* The layers' cycles must partition the total (sim.h). */
static int check_profile(const an_npu_sim *sim, int64_t *cycles, ch_result *r) {
    an_profile p;
    if (an_npu_sim_profile(sim, &p) != AN_OK) {
        set(r, CH_BUG_SIM, "timing: no profile: %s", an_errmsg());
        return 0;
    }
    int64_t sum = 0;
    for (int i = 0; i <= p.n_layers; i++) sum += p.layer[i].cycles;
    const int ok = sum == p.cycles && p.cycles > 0;
    *cycles = p.cycles;
    if (!ok)
        set(r, CH_BUG_SIM, "timing: layer cycles sum to %lld, the program took %lld",
            (long long)sum, (long long)p.cycles);
    an_profile_free(&p);
    return ok;
}

/* The same run on the Verilated RTL: its whole DRAM image must equal the
** simulator's and its cycle count the timing model's. */
static void check_rtl(const an_npu_exe *x, const an_npu_sim *sim, const int8_t *in, int64_t cycles,
                      ch_result *r) {
    uint8_t *dram = calloc((size_t)x->dram_size, 1);
    if (!dram) return set(r, CH_BUG_SIM, "out of memory");
    memcpy(dram, x->data, (size_t)x->data_size);
    an_npu_write_input(x, in, dram); /* in the executable's input layout, as the simulator */
    an_hw_rtl_result rr;
    const uint8_t *want = an_npu_sim_dram(sim);
    if (an_hw_rtl_run(x, dram, NULL, &rr) != AN_OK) {
        set(r, CH_BUG_RTL, "rtl: %s", an_errmsg());
    } else if (rr.cycles != cycles) {
        set(r, CH_BUG_RTL, "rtl: %lld cycles, the timing model %lld", (long long)rr.cycles,
            (long long)cycles);
    } else {
        for (int64_t i = 0; i < x->dram_size && r->v == CH_PASS; i++)
            if (dram[i] != want[i])
                set(r, CH_BUG_RTL, "rtl: DRAM byte %lld: rtl %d, simulator %d", (long long)i,
                    (int8_t)dram[i], (int8_t)want[i]);
    }
    free(dram);
}

/* Every DRAM-visible layer of the chip against the reference, and the
** fast engine against the reference on every tensor. */
static void compare(const ch_case *k, const an_q_graph *g, const an_npu_exe *x,
                    const an_npu_sim *sim, const int8_t *in, const int8_t *out, ch_result *r) {
    const int B = k->batch;
    an_q_engine *ref = NULL, *fast = NULL;
    if (an_q_engine_create(&ref, g, B, AN_Q_IMPL_REF) != AN_OK ||
        an_q_engine_create(&fast, g, B, AN_Q_IMPL_FAST) != AN_OK) {
        set(r, CH_BUG_SIM, "reference engine: %s", an_errmsg());
        goto done;
    }
    an_q_engine_run(ref, in, B);
    an_q_engine_run(fast, in, B);
    const uint8_t *dram = an_npu_sim_dram(sim);
    for (int i = 0; i < g->n_layers; i++) {
        const int64_t sz = an_q_tensor_size(g, i + 1);
        const int8_t *want = an_q_engine_tensor(ref, i + 1), *f = an_q_engine_tensor(fast, i + 1);
        for (int64_t e = 0; e < B * sz; e++)
            if (f[e] != want[e]) {
                set(r, CH_BUG_MISMATCH,
                    "fast engine: layer %d (%s) sample %lld element %lld: fast %d, reference %d", i,
                    g->layers[i].name, (long long)(e / sz), (long long)(e % sz), f[e], want[e]);
                goto done;
            }
        if (x->layers[i].out_dram < 0) continue;
        const int8_t *got = (const int8_t *)dram + x->layers[i].out_dram;
        for (int64_t e = 0; e < B * sz; e++)
            if (got[e] != want[e]) {
                set(r, CH_BUG_MISMATCH,
                    "layer %d (%s, %s) sample %lld element %lld: chip %d, reference %d", i,
                    g->layers[i].name, AN_NPU_MODE_NAME[x->layers[i].mode], (long long)(e / sz),
                    (long long)(e % sz), got[e], want[e]);
                goto done;
            }
    }
    const int64_t N = an_q_tensor_size(g, g->n_layers);
    if (memcmp(out, an_q_engine_tensor(ref, g->n_layers), (size_t)(B * N)) != 0)
        set(r, CH_BUG_MISMATCH, "the output differs from the reference's");
    else
        set(r, CH_PASS, "ok");
done:
    an_q_engine_free(ref);
    an_q_engine_free(fast);
}

void ch_run_graph(const ch_case *k, const an_q_graph *g, const an_q_graph *ref, ch_result *r) {
    if (an_q_graph_validate(g) != AN_OK) return set(r, CH_BUG_GEN, "graph: %s", an_errmsg());
    if (an_npu_config_validate(&k->chip, "chip") != AN_OK)
        return set(r, CH_BUG_GEN, "%s", an_errmsg());
    an_npu_exe x0, x;
    if (!compile_case(k, g, &x0, r)) return;
    uint8_t *buf = NULL;
    size_t n = 0;
    an_status s = an_npu_serialize(&x0, &buf, &n);
    an_npu_exe_free(&x0);
    if (s != AN_OK) return set(r, CH_BUG_LOAD, "serialize: %s", an_errmsg());
    s = an_npu_parse(buf, n, "chain.npu", &x);
    free(buf);
    if (s != AN_OK) return set(r, CH_BUG_LOAD, "load: %s", an_errmsg());
    const int64_t F = an_q_tensor_size(g, 0), N = an_q_tensor_size(g, g->n_layers);
    int8_t *in = malloc((size_t)(k->batch * F)), *out = malloc((size_t)(k->batch * N));
    an_npu_sim *sim = NULL;
    int64_t cycles = 0;
    if (!in || !out) {
        set(r, CH_BUG_SIM, "out of memory");
    } else if (an_npu_sim_create(&sim, &x) != AN_OK || an_npu_sim_timing(sim, 0) != AN_OK) {
        set(r, CH_BUG_SIM, "simulator: %s", an_errmsg());
    } else {
        make_input(in, k->batch * F, k->input_seed);
        if (an_npu_sim_run(sim, in, out) != AN_OK)
            set(r, CH_BUG_SIM, "run: %s", an_errmsg());
        else if (check_profile(sim, &cycles, r))
            compare(k, ref ? ref : g, &x, sim, in, out, r);
        if (r->v == CH_PASS && k->rtl) check_rtl(&x, sim, in, cycles, r);
    }
    an_npu_sim_free(sim);
    free(in);
    free(out);
    an_npu_exe_free(&x);
}

/* The child's work: build, round-trip the graph through a .q8 file, run. */
static void child_case(const ch_case *k, ch_result *r) {
    an_q_graph g0, g;
    if (ch_build(k, &g0) != CH_BUILD_OK) return set(r, CH_INVALID, "does not build");
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/chain-%d.q8", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    an_status s = an_q8_save(path, &g0);
    an_q_graph_free(&g0);
    if (s != AN_OK) return set(r, CH_BUG_GEN, "q8 save: %s", an_errmsg());
    s = an_q8_load(path, &g);
    unlink(path);
    if (s != AN_OK) return set(r, CH_BUG_GEN, "q8 load: %s", an_errmsg());
    snprintf(g.source, sizeof g.source, "chain-%llu.q8", (unsigned long long)k->seed);
    ch_run_graph(k, &g, NULL, r);
    an_q_graph_free(&g);
}

/* Run fn(k, r) in a child with a watchdog; signals become verdicts. */
static void in_child(void (*fn)(const void *, ch_result *), const void *arg, int timeout_s,
                     ch_result *r) {
    int fd[2];
    if (pipe(fd) != 0) return set(r, CH_BUG_GEN, "pipe failed");
    fflush(NULL);
    const pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]), close(fd[1]);
        return set(r, CH_BUG_GEN, "fork failed");
    }
    if (pid == 0) {
        close(fd[0]);
        alarm((unsigned)timeout_s);
        ch_result cr = {.v = CH_BUG_GEN, .msg = "no verdict"};
        fn(arg, &cr);
        ssize_t w = write(fd[1], &cr, sizeof cr);
        _exit(w == (ssize_t)sizeof cr ? 0 : 1);
    }
    close(fd[1]);
    ch_result cr;
    ssize_t got = 0, n;
    while (got < (ssize_t)sizeof cr &&
           (n = read(fd[0], (char *)&cr + got, sizeof cr - (size_t)got)) > 0)
        got += n;
    close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
    }
    if (WIFSIGNALED(st)) {
        const int sig = WTERMSIG(st);
        if (sig == SIGALRM) return set(r, CH_BUG_TIMEOUT, "no verdict in %d s", timeout_s);
        return set(r, CH_BUG_CRASH, "killed by signal %d (%s)", sig, strsignal(sig));
    }
    if (got != (ssize_t)sizeof cr || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return set(r, CH_BUG_CRASH, "exited with status %d without a verdict",
                   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    *r = cr;
}

/* The self-test's children: one that crashes, one that hangs. */
static void crash_fn(const void *arg, ch_result *r) {
    (void)arg, (void)r;
    raise(SIGSEGV);
}
static void hang_fn(const void *arg, ch_result *r) {
    (void)arg, (void)r;
    for (;;) pause();
}

int ch_self_test(char *why, size_t n) {
    for (int v = 0; v < CH_VERDICT_COUNT; v++)
        if (!CH_VERDICT_NAME[v]) return snprintf(why, n, "verdict %d has no name", v), 0;
    ch_result r;
    in_child(crash_fn, NULL, 60, &r);
    if (r.v != CH_BUG_CRASH) return snprintf(why, n, "a crash gave: %s", r.msg), 0;
    in_child(hang_fn, NULL, 1, &r);
    if (r.v != CH_BUG_TIMEOUT) return snprintf(why, n, "a hang gave: %s", r.msg), 0;
    /* conv 3x3 same + dense on a 4x4 chip: passes; a reference whose
    ** dense bias differs must be caught as a mismatch of that layer */
    ch_case k = {.seed = 7,
                 .h = 5,
                 .w = 4,
                 .c = 2,
                 .in_zp = 3,
                 .in_scale = 0.05f,
                 .n = 2,
                 .batch = 2,
                 .input_seed = 9};
    k.layer[0] = (ch_layer){.op = AN_Q_CONV2D,
                            .in0 = 0,
                            .in1 = -1,
                            .c = 3,
                            .kh = 3,
                            .kw = 3,
                            .sh = 1,
                            .sw = 1,
                            .pt = 1,
                            .pb = 1,
                            .pl = 1,
                            .pr = 1,
                            .seed = 1};
    k.layer[1] = (ch_layer){.op = AN_Q_DENSE, .in0 = 1, .in1 = -1, .c = 4, .seed = 2};
    if (an_npu_config_get("npu16", &k.chip) != AN_OK) return snprintf(why, n, "no npu16"), 0;
    k.chip.rows = k.chip.cols = k.chip.vec_lanes = 4;
    ch_check(&k, 60, &r);
    if (r.v != CH_PASS) return snprintf(why, n, "the known-good case gave: %s", r.msg), 0;
    an_q_graph g, ref;
    if (ch_build(&k, &g) != CH_BUILD_OK || ch_build(&k, &ref) != CH_BUILD_OK)
        return snprintf(why, n, "the known-good case does not build"), 0;
    for (int c = 0; c < ref.layers[1].c; c++) ref.layers[1].bias[c] += 1 << 24;
    ch_run_graph(&k, &g, &ref, &r);
    an_q_graph_free(&g);
    an_q_graph_free(&ref);
    if (r.v != CH_BUG_MISMATCH || !strstr(r.msg, "dense_1"))
        return snprintf(why, n, "a changed bias gave: %s", r.msg), 0;
    return snprintf(why, n, "crash, hang and mismatch caught"), 1;
}

static void case_fn(const void *arg, ch_result *r) {
    child_case((const ch_case *)arg, r);
}

void ch_check(const ch_case *k, int timeout_s, ch_result *r) {
    in_child(case_fn, k, timeout_s, r);
}

/* A replay: the .q8 and chip files beside the .txt, options from it. */
typedef struct replay_arg {
    const char *txt;
} replay_arg;

static void replay_fn(const void *arg, ch_result *r) {
    ch_case k;
    an_q_graph g;
    if (ch_read_repro(((const replay_arg *)arg)->txt, &k, &g) != AN_OK)
        return set(r, CH_BUG_GEN, "%s", an_errmsg());
    ch_run_graph(&k, &g, NULL, r);
    an_q_graph_free(&g);
}

void ch_replay(const char *txt_path, int timeout_s, ch_result *r) {
    replay_arg a = {txt_path};
    in_child(replay_fn, &a, timeout_s, r);
}

/* The kind of a message: the words after the last "): " up to a digit. */
static void kind(const char *m, char *out, size_t n) {
    const char *p = m, *q;
    while ((q = strstr(p, "): ")) != NULL) p = q + 3;
    size_t i = 0;
    for (; *p && i + 1 < n && !(*p >= '0' && *p <= '9'); p++) out[i++] = *p;
    out[i] = 0;
}

int ch_same_failure(const ch_result *a, const ch_result *b) {
    if (a->v != b->v) return 0;
    if (a->v != CH_BUG_COMPILE && a->v != CH_BUG_LOAD && a->v != CH_BUG_SIM && a->v != CH_BUG_RTL)
        return 1;
    char ka[128], kb[128];
    kind(a->msg, ka, sizeof ka);
    kind(b->msg, kb, sizeof kb);
    return strcmp(ka, kb) == 0;
}
