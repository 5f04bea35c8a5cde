/*
** asicnn run: an executable on the functional simulator (the runtime's sim
** backend, an_backend_check) over a data set's test split: accuracy on the
** chip and, with the int8 graph embedded in the
** executable (or --ref model.q8), equality with the integer reference
** engine on every DRAM-visible layer of every sample; --backend runs it
** also on another backend of the runtime, held against the simulator.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/npu.h"
#include "asicnn/runtime.h"
#include "asicnn/sim.h"

#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: asicnn run model.npu DATA [--split test|train] [--limit N] [--ref model.q8]\n"
    "                  [--no-check] [--trace FILE] [--backend sim|rtl|ref|gpu] [--vcd FILE]\n"
    "                  [--vcd-cycles A:B] [--vcd-max-mb N]\n"
    "\n"
    "Run an executable on the simulated chip over DATA's test split: accuracy, and\n"
    "every layer compared byte for byte with the integer reference engine (the\n"
    "int8 graph embedded at compile time, or --ref).\n";
static const char NOTES[] =
    "--backend rtl also runs every batch on the Verilated RTL (docs/hw.md): its\n"
    "whole DRAM image must equal the simulator's and its cycle count the timing\n"
    "model's, batch by batch; --backend ref and gpu also run the embedded int8\n"
    "graph on the reference engine or a CUDA GPU, whose logits must equal the\n"
    "simulator's. A --vcd trace that would pass --vcd-max-mb stops the run early\n"
    "and is removed.\n";

/* Equal float fields (bit patterns: the same file gives the same bits). */
static int same_f32(const float *a, const float *b, int64_t n) {
    return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

/* Every integer parameter of a layer, and its scale, equal. */
static int same_layer(const an_q_layer *a, const an_q_layer *b) {
    if (a->op != b->op || a->in[0] != b->in[0] || a->in[1] != b->in[1] || a->h != b->h ||
        a->w != b->w || a->c != b->c || a->k != b->k || a->groups != b->groups || a->kh != b->kh ||
        a->kw != b->kw || a->sh != b->sh || a->sw != b->sw || a->pt != b->pt || a->pl != b->pl ||
        a->zero_point != b->zero_point || a->act_min != b->act_min || a->act_max != b->act_max ||
        !same_f32(&a->scale, &b->scale, 1))
        return 0;
    if (a->op == AN_Q_CONV2D || a->op == AN_Q_DENSE) {
        const size_t c = (size_t)a->c;
        return memcmp(a->weights, b->weights, c * (size_t)a->k) == 0 &&
               memcmp(a->bias, b->bias, c * 4) == 0 && memcmp(a->mult, b->mult, c * 4) == 0 &&
               memcmp(a->shift, b->shift, c * 4) == 0;
    }
    return a->op != AN_Q_ADD || (memcmp(a->add_mult, b->add_mult, sizeof a->add_mult) == 0 &&
                                 memcmp(a->add_shift, b->add_shift, sizeof a->add_shift) == 0);
}

/* --ref must be the graph x was compiled from: the one embedded in it
** (own, when there is one) parameter for parameter, else the executable's
** input map, output quantization and layer shapes. */
static an_status same_graph(const an_npu_exe *x, const an_q_graph *own, const an_q_graph *g,
                            const char *ref) {
    const an_q_input *in = &g->input;
    const an_q_layer *last = &g->layers[g->n_layers - 1];
    int same = g->n_layers == x->n_layers && in->scale == x->input.scale &&
               in->zero_point == x->input.zero_point && in->n_affine == x->n_affine &&
               same_f32(in->in_mul, x->in_mul, in->n_affine) &&
               same_f32(in->in_add, x->in_add, in->n_affine) && last->scale == x->output.scale &&
               last->zero_point == x->output.zero_point;
    for (int i = 0; same && i < g->n_layers; i++) {
        const an_npu_layer *L = &x->layers[i];
        const an_q_layer *l = &g->layers[i];
        same = (int)l->op == L->op && l->h == L->h && l->w == L->w && l->c == L->c &&
               (!own || same_layer(l, &own->layers[i]));
    }
    if (same) return AN_OK;
    return an_fail(AN_ERR_FORMAT,
                   "%s: not the graph %s was compiled from (its layers or quantization "
                   "parameters differ); give that .q8, or compile this one",
                   ref, x->source);
}

/* --vcd-cycles A:B: 0 <= A < B into the an_hw_vcd at def->dst; 0 on success. */
static int parse_window(const cli_opt_def *def, const char *v, char *why, size_t cap) {
    an_hw_vcd *w = def->dst;
    const char *colon = strchr(v, ':');
    char a[32];
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof a) return -1;
    memcpy(a, v, (size_t)(colon - v));
    a[colon - v] = 0;
    return cli_parse_i64(a, &w->from) || cli_parse_i64(colon + 1, &w->to) || w->from < 0 ||
                   w->to <= w->from
               ? -1
               : 0;
}

/* --backend: a backend by name into the an_backend_kind at def->dst. */
static int backend_opt(const cli_opt_def *def, const char *v, char *why, size_t cap) {
    return an_backend_by_name(v, def->dst) ? -1 : 0;
}

/* --backend KIND: the backend against the simulator (logits, DRAM where it
** has one, cycles where it counts them). */
static an_status cli_run_backend(an_backend_kind k, const an_npu_exe *x, const an_dataset *sub,
                                 const an_hw_vcd *vcd) {
    an_backend_eval e;
    an_hw_rtl_result first = {0};
    const an_backend_opts o = {.vcd = vcd, .rtl_first = &first};
    an_status s = an_backend_evaluate(k, x, sub, &o, &e);
    if (s) return s;
    if (vcd)
        printf("wrote %s: %.1f MB, cycles %lld to %lld of the first batch's %lld\n", vcd->path,
               (double)first.vcd_bytes / 1e6, (long long)first.vcd_first, (long long)first.vcd_last,
               (long long)e.model_cycles);
    printf(
        "%s: accuracy %.2f%% (%lld/%lld); %s bit-exact with the simulator on %lld/%lld samples; ",
        an_backend_name(k), 100.0 * (double)e.correct / (double)e.n, (long long)e.correct,
        (long long)e.n, e.dram_checked ? "DRAM" : "logits", (long long)e.equal, (long long)e.n);
    if (e.cycles)
        printf("cycle-exact with the timing model: %lld cycles per batch; %.0f cycles/s, ",
               (long long)e.model_cycles, e.seconds > 0 ? (double)e.cycles / e.seconds : 0.0);
    printf("%.2f s (simulator %.3f s)\n", e.seconds, e.sim_seconds);
    return AN_OK;
}

int cmd_run(int argc, char **argv) {
    const char *pos[2], *ref = NULL, *trace = NULL;
    an_hw_vcd vcd = {.from = -1};
    an_backend_kind backend = AN_BACKEND_SIM;
    int no_check = 0, split_i = 0;
    int64_t limit = -1, vcd_mb = AN_HW_VCD_MAX_MB;
    cli_data data = {0};
    const cli_opt_def opts[] = {
        CLI_SPLIT_OPT(&split_i),
        {.name = "--limit",
         .kind = CLI_I64,
         .dst = &limit,
         .lo = 1,
         .hi = CLI_NO_MAX,
         .meta = "N",
         .help = "run the first N samples only"},
        {.name = "--ref",
         .kind = CLI_STR,
         .dst = &ref,
         .meta = "model.q8",
         .help = "the graph to check against (instead of the embedded one);\n"
                 "must be the one the executable was compiled from"},
        {.name = "--no-check",
         .kind = CLI_FLAG,
         .dst = &no_check,
         .help = "no comparison with the reference engine"},
        {.name = "--trace",
         .kind = CLI_STR,
         .dst = &trace,
         .meta = "FILE",
         .help = "also time one batch and write its Chrome/Perfetto trace\n(docs/timing.md)"},
        {.name = "--backend",
         .kind = CLI_FN,
         .dst = &backend,
         .fn = backend_opt,
         .meta = "sim|rtl|ref|gpu",
         .takes = "sim, rtl, ref or gpu",
         .help = "also run on this backend, held against the simulator"},
        {.name = "--vcd",
         .kind = CLI_STR,
         .dst = &vcd.path,
         .meta = "FILE",
         .help = "trace the RTL's first batch (--backend rtl)"},
        {.name = "--vcd-cycles",
         .kind = CLI_FN,
         .dst = &vcd,
         .fn = parse_window,
         .meta = "A:B",
         .takes = "A:B, cycles with 0 <= A < B",
         .help = "trace cycles A to B-1 only"},
        {.name = "--vcd-max-mb",
         .kind = CLI_I64,
         .dst = &vcd_mb,
         .lo = 0,
         .hi = (double)(INT64_MAX / 1000000),
         .meta = "N",
         .help = "stop a trace that would pass N MB (default 256; 0: no limit)"},
        CLI_DATA_OPTS(&data),
        {0}};
    const cli_cmd_spec spec = {.cmd = "run",
                               .usage = USAGE,
                               .notes = NOTES,
                               .opts = opts,
                               .pos = pos,
                               .min_pos = 2,
                               .max_pos = 2,
                               .needs = "needs model.npu and DATA"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    const int check = !no_check, window = vcd.from >= 0;
    const an_split split = cli_split_of(split_i);
    if (!window) vcd.from = 0;
    vcd.max_bytes = vcd_mb * 1000000;
    if (vcd.path && backend != AN_BACKEND_RTL)
        return cli_usage("run", "--vcd traces the RTL: add --backend rtl");
    if (window && !vcd.path) return cli_usage("run", "--vcd-cycles needs --vcd FILE");
    const char *outs[] = {trace, vcd.path};
    for (int k = 0; k < 2; k++) {
        an_status s0 = outs[k] ? cli_check_output(outs[k]) : AN_OK;
        if (s0) return cli_error(s0);
    }
    an_npu_exe x;
    an_q_graph g = {0}, own = {0};
    int have_ref = 0;
    an_dataset ds = {0};
    an_csv_options csv;
    an_status s = cli_kind_check(an_npu_load(pos[0], &x), pos[0], CLI_KIND_NPU);
    if (s) return cli_error(s);
    /* the graph it was compiled from: the reference, and its data options */
    if (x.qref_size) s = an_q8_parse(x.qref, (size_t)x.qref_size, pos[0], &own);
    if (!s) s = cli_data_csv(&data, own.data_opts, pos[0], &csv, NULL);
    if (!s && check && ref) {
        s = cli_kind_check(an_q8_load(ref, &g), ref, CLI_KIND_Q8);
        if (!s) s = same_graph(&x, x.qref_size ? &own : NULL, &g, ref);
        have_ref = !s;
    } else if (!s && check && x.qref_size) {
        g = own, own = (an_q_graph){0}, have_ref = 1;
    }
    an_npu_eval r = {0};
    double dt = 0;
    const int classes = x.output.h * x.output.w * x.output.c;
    if (!s && !(s = cli_load_data(pos[1], split, &csv, (int64_t)x.input.h * x.input.w * x.input.c,
                                  classes, &ds))) {
        an_dataset sub = ds; /* the first --limit samples */
        if (limit > 0 && limit < sub.n) sub.n = limit;
        double t0 = an_now();
        s = an_backend_check(AN_BACKEND_SIM, &x, have_ref ? &g : NULL, &sub, &r);
        dt = an_now() - t0;
        if (!s && backend != AN_BACKEND_SIM)
            s = cli_run_backend(backend, &x, &sub, vcd.path ? &vcd : NULL);
    }
    if (!s) {
        printf("%s on %s (chip %s, batch %d): %lld sample%s, %lld instructions executed, %.1f s\n",
               pos[0], pos[1], x.cfg.name, x.batch, (long long)r.n, cli_s(r.n), (long long)r.insns,
               dt);
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
        if (!(s = an_backend_profile_any(&x, NULL, trace, &pr))) {
            printf("one batch takes %lld cycles on the chip; wrote %s\n", (long long)pr.cycles,
                   trace);
            an_profile_free(&pr);
        }
    }
    an_dataset_free(&ds);
    an_q_graph_free(&g);
    an_q_graph_free(&own);
    an_npu_exe_free(&x);
    return s ? cli_error(s) : 0;
}
