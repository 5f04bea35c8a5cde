/*
** rtl_bench: the same executable on the functional simulator with the
** timing model on and on the Verilated RTL (the rtl backend, docs/hw.md),
** and how much faster the simulator is. Prints one line per backend:
**
**   BACKEND: N runs in S s wall, C simulated cycles per run, R cycles/s, I images/s
**
** then the speed ratio, C simulator over Verilator, in images per second
** (the same work on both) and in simulated cycles per second (the two cycle
** counts need not agree while the RTL does not follow the timing model).
**
**   rtl_bench EXE.npu [--runs N]
**
** Contract
** - EXE.npu must be compiled for the chip the rtl backend was built for
**   (CMake's ASICNN_RTL_CHIP, configs/test4x4.json by default) and have no
**   host operators.
** - The input is a fixed pattern, not data: sample byte i of the batch is
**   (i * 13) % 251 - 125, the same on both backends. The timing depends on
**   the program only, not on the values.
** - Each backend runs once untimed (a warm-up), then N timed runs (default
**   3). Wall time is the host time of the N library calls (an_npu_sim_run;
**   an_hw_rtl_run with the DRAM image set up before each call). Cycles per
**   run come from an_npu_sim_profile and an_hw_rtl_result. After the warm-up
**   the RTL's whole DRAM image must equal the simulator's, byte for byte.
** - A build without Verilator prints one line and exits 0. Otherwise the
**   exit status is an_status_exit_code's (docs/cli.md): 0 ok, 1 bad usage,
**   2 an executable that cannot be loaded or run on the rtl backend (an
**   executable for another chip included: the library's message names
**   both), 3 out of memory, 4 an internal error (the RTL's DRAM differing
**   from the simulator's, or the RTL failing).
*/
#include "asicnn/hw.h"
#include "asicnn/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] = "usage: rtl_bench EXE.npu [--runs N]\n";

typedef struct bench_line {
    int runs;
    double seconds;      /* wall, all timed runs */
    int64_t cycles;      /* simulated cycles, all timed runs */
    const uint8_t *dram; /* the DRAM image after the last run */
} bench_line;

/* The fixed input batch (see the contract). */
static void pattern(int8_t *in, int64_t n) {
    for (int64_t i = 0; i < n; i++) in[i] = (int8_t)(i * 13 % 251 - 125);
}

static an_status run_sim(an_npu_sim *s, const int8_t *in, int8_t *out, int runs, bench_line *b) {
    an_status st = an_npu_sim_timing(s, 0);
    if (!st) st = an_npu_sim_run(s, in, out); /* warm-up */
    const double t0 = an_now();
    for (int r = 0; r < runs && !st; r++) st = an_npu_sim_run(s, in, out);
    b->seconds = an_now() - t0;
    an_profile p;
    if (!st && !(st = an_npu_sim_profile(s, &p))) {
        b->cycles = p.cycles * runs;
        an_profile_free(&p);
    }
    b->runs = runs;
    b->dram = an_npu_sim_dram(s);
    return st;
}

/* The executable's initial DRAM image: its data at 0, the input batch at
** input.dram, zeros elsewhere (as the simulator lays it out). */
static void dram_image(const an_npu_exe *x, const int8_t *in, int64_t n_in, uint8_t *dram) {
    memset(dram, 0, (size_t)x->dram_size);
    memcpy(dram, x->data, (size_t)x->data_size);
    memcpy(dram + x->input.dram, in, (size_t)n_in);
}

static an_status run_rtl(const an_npu_exe *x, const int8_t *in, int64_t n_in, uint8_t *dram,
                         const uint8_t *want, int runs, bench_line *b) {
    an_hw_rtl_result r;
    dram_image(x, in, n_in, dram);
    an_status st = an_hw_rtl_run(x, dram, NULL, &r); /* warm-up and check */
    for (int64_t i = 0; !st && i < x->dram_size; i++)
        if (dram[i] != want[i])
            st = an_fail(AN_ERR_INTERNAL,
                         "%s: the RTL's DRAM differs from the simulator's at byte %lld: %d vs %d",
                         x->source, (long long)i, (int8_t)dram[i], (int8_t)want[i]);
    b->runs = runs;
    const double t0 = an_now();
    for (int k = 0; k < runs && !st; k++) {
        dram_image(x, in, n_in, dram);
        if (!(st = an_hw_rtl_run(x, dram, NULL, &r))) b->cycles += r.cycles;
    }
    b->seconds = an_now() - t0;
    return st;
}

static void print_line(const char *name, const bench_line *b, int batch) {
    const double s = b->seconds > 0 ? b->seconds : 1e-9;
    printf("%-11s %d runs in %.4f s wall, %lld simulated cycles per run, %.4g cycles/s, "
           "%.4g images/s\n",
           name, b->runs, b->seconds, (long long)(b->cycles / b->runs), (double)b->cycles / s,
           (double)b->runs * batch / s);
}

int main(int argc, char **argv) {
    const char *path = NULL;
    long runs = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(USAGE, stdout);
            return 0;
        } else if (strcmp(argv[i], "--runs") == 0) {
            char *end = NULL;
            runs = i + 1 < argc ? strtol(argv[++i], &end, 10) : 0;
            if (!end || *end || runs < 1 || runs > 1000000) {
                fprintf(stderr, "rtl_bench: --runs takes a whole number >= 1\n%s", USAGE);
                return 1;
            }
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "rtl_bench: unexpected argument '%s'\n%s", argv[i], USAGE);
            return 1;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "rtl_bench: needs EXE.npu\n%s", USAGE);
        return 1;
    }

    an_npu_exe x;
    an_status st = an_npu_load(path, &x);
    if (st) {
        fprintf(stderr, "rtl_bench: %s\n", an_errmsg());
        return an_status_exit_code(st);
    }
    const char *names = "";
    const int available = an_hw_rtl_available(&x.cfg, &names);
    if (!available && !*names) {
        printf("rtl_bench: the rtl backend is not in this build (no Verilator); nothing to "
               "compare\n");
        an_npu_exe_free(&x);
        return 0;
    }

    const int64_t n_in = (int64_t)x.batch * x.input.h * x.input.w * x.input.c;
    const int64_t n_out = (int64_t)x.batch * x.output.h * x.output.w * x.output.c;
    int8_t *in = NULL, *out = NULL;
    uint8_t *dram = NULL;
    an_npu_sim *sim = NULL;
    bench_line bs = {0}, br = {0};
    st = an_alloc_array((void **)&in, (size_t)n_in, 1, "input");
    if (!st) st = an_alloc_array((void **)&out, (size_t)n_out, 1, "output");
    if (!st) st = an_alloc_array((void **)&dram, (size_t)x.dram_size, 1, "DRAM");
    if (!st) pattern(in, n_in);
    /* Another chip: an_hw_rtl_run refuses it, before running anything, with
    ** the message naming both chips. */
    if (!st && !available) st = an_hw_rtl_run(&x, dram, NULL, &(an_hw_rtl_result){0});
    if (!st) {
        printf("%s: chip %s (%dx%d), batch %d, %lld instructions; input: fixed pattern\n", x.source,
               x.cfg.name, x.cfg.rows, x.cfg.cols, x.batch, (long long)x.n_insns);
        fflush(stdout);
    }
    if (!st) st = an_npu_sim_create(&sim, &x);
    if (!st && !(st = run_sim(sim, in, out, (int)runs, &bs))) {
        print_line("simulator:", &bs, x.batch);
        fflush(stdout);
    }
    if (!st && !(st = run_rtl(&x, in, n_in, dram, bs.dram, (int)runs, &br))) {
        print_line("verilator:", &br, x.batch);
        const double ss = bs.seconds > 0 ? bs.seconds : 1e-9;
        const double sr = br.seconds > 0 ? br.seconds : 1e-9;
        printf("simulator / verilator: %.3gx images/s, %.3gx simulated cycles/s\n", sr / ss,
               br.cycles ? ((double)bs.cycles / ss) / ((double)br.cycles / sr) : 0.0);
    }
    if (st) fprintf(stderr, "rtl_bench: %s\n", an_errmsg());
    an_npu_sim_free(sim);
    free(in);
    free(out);
    free(dram);
    an_npu_exe_free(&x);
    return st ? an_status_exit_code(st) : 0;
}
