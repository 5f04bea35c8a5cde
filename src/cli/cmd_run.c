/*
** asicnn run: an executable on the functional simulator over a data set's
** test split: accuracy on the chip and, with the int8 graph embedded in the
** executable (or --ref model.q8), equality with the integer reference
** engine on every DRAM-visible layer of every sample.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/hw.h"
#include "asicnn/npu.h"
#include "asicnn/runtime.h"

#include <string.h>

static const char HELP[] =
    "usage: asicnn run model.npu DATA [--split test|train] [--limit N] [--ref model.q8]\n"
    "                  [--no-check] [--trace FILE] [--backend sim|rtl] [--vcd FILE]\n"
    "\n"
    "Run an executable on the simulated chip over DATA's test split: accuracy, and\n"
    "every layer compared byte for byte with the integer reference engine (the\n"
    "int8 graph embedded at compile time, or --ref). --limit N runs the first N\n"
    "samples only. --trace FILE also times one batch and writes its Chrome/Perfetto\n"
    "trace (docs/timing.md). --backend rtl also runs every batch on the Verilated\n"
    "RTL (docs/hw.md): its whole DRAM image must equal the simulator's and its cycle\n"
    "count the timing model's, batch by batch; --vcd FILE traces the first batch.\n";

/* --backend rtl: the RTL against the simulator (DRAM) and the timing model (cycles). */
static an_status cli_run_rtl(const an_npu_exe *x, const an_dataset *sub, const char *vcd) {
    an_hw_rtl_eval e;
    an_status s = an_hw_rtl_evaluate(x, sub, vcd, &e);
    if (s) return s;
    printf("rtl: accuracy %.2f%% (%lld/%lld); DRAM bit-exact with the simulator on %lld/%lld "
           "samples; cycle-exact with the timing model: %lld cycles per batch; %.0f cycles/s, "
           "%.2f s (simulator %.3f s)\n",
           100.0 * (double)e.correct / (double)e.n, (long long)e.correct, (long long)e.n,
           (long long)e.equal, (long long)e.n, (long long)e.model_cycles,
           e.rtl_seconds > 0 ? (double)e.cycles / e.rtl_seconds : 0.0, e.rtl_seconds,
           e.sim_seconds);
    return AN_OK;
}

int cmd_run(int argc, char **argv) {
    const char *pos[2], *ref = NULL, *trace = NULL, *vcd = NULL, *v;
    int rtl = 0;
    int npos = 0, check = 1;
    int64_t limit = -1;
    an_split split = AN_SPLIT_TEST;
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            fputs(HELP, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--no-check") == 0) {
            check = 0;
        } else if ((r = cli_opt(argc, argv, &i, "--limit", &v))) {
            if (r < 0 || cli_parse_i64(v, &limit) || limit < 1)
                return cli_usage("run", "--limit takes a whole number >= 1");
        } else if ((r = cli_opt(argc, argv, &i, "--backend", &v))) {
            if (r < 0 || (strcmp(v, "sim") && strcmp(v, "rtl")))
                return cli_usage("run", "--backend takes sim or rtl");
            rtl = strcmp(v, "rtl") == 0;
        } else if ((r = cli_opt(argc, argv, &i, "--vcd", &v))) {
            if (r < 0) return cli_usage("run", "--vcd needs a file");
            vcd = v;
        } else if ((r = cli_opt(argc, argv, &i, "--trace", &v))) {
            if (r < 0) return cli_usage("run", "--trace needs a file");
            trace = v;
        } else if ((r = cli_opt(argc, argv, &i, "--ref", &v))) {
            if (r < 0) return cli_usage("run", "--ref needs a .q8 file");
            ref = v;
        } else if ((r = cli_opt(argc, argv, &i, "--split", &v))) {
            if (r < 0 || (strcmp(v, "test") && strcmp(v, "train")))
                return cli_usage("run", "--split takes test or train");
            split = strcmp(v, "train") == 0 ? AN_SPLIT_TRAIN : AN_SPLIT_TEST;
        } else if (argv[i][0] == '-') {
            return cli_usage("run", "unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage("run", "unexpected argument '%s'", argv[i]);
        }
    }
    if (npos < 2) return cli_usage("run", "needs model.npu and DATA");
    an_npu_exe x;
    an_q_graph g = {0};
    int have_ref = 0;
    an_dataset ds = {0};
    an_status s = an_npu_load(pos[0], &x);
    if (s) return cli_error(s);
    if (check && ref)
        s = an_q8_load(ref, &g), have_ref = !s;
    else if (check && x.qref_size)
        s = an_q8_parse(x.qref, (size_t)x.qref_size, pos[0], &g), have_ref = !s;
    an_npu_eval r = {0};
    double dt = 0;
    if (!s && !(s = an_data_load(pos[1], split, &ds))) {
        an_dataset sub = ds; /* the first --limit samples */
        if (limit > 0 && limit < sub.n) sub.n = limit;
        double t0 = an_now();
        s = an_npu_evaluate(&x, have_ref ? &g : NULL, &sub, &r);
        dt = an_now() - t0;
        if (!s && rtl) s = cli_run_rtl(&x, &sub, vcd);
    }
    if (!s) {
        printf("%s on %s (chip %s, batch %d): %lld samples, %lld instructions executed, %.1f s\n",
               pos[0], pos[1], x.cfg.name, x.batch, (long long)r.n, (long long)r.insns, dt);
        printf("accuracy %.2f%% (%lld/%lld) on the chip\n", 100.0 * (double)r.correct / (double)r.n,
               (long long)r.correct, (long long)r.n);
        if (have_ref)
            printf("bit-exact with the reference engine on %lld/%lld samples (every layer)\n",
                   (long long)r.equal, (long long)r.n);
        else
            printf("not checked against the reference engine\n");
    }
    if (!s && trace) {
        an_profile pr;
        if (!(s = an_npu_profile_run(&x, NULL, trace, &pr))) {
            printf("one batch takes %lld cycles on the chip; wrote %s\n", (long long)pr.cycles,
                   trace);
            an_profile_free(&pr);
        }
    }
    an_dataset_free(&ds);
    an_q_graph_free(&g);
    an_npu_exe_free(&x);
    return s ? cli_error(s) : 0;
}
