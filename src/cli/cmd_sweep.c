/*
** asicnn sweep: the int8 model on a grid of chip configurations (array
** rows x cols, activation buffer, DRAM bandwidth) through the simulator,
** one CSV row per configuration (latency, throughput, energy, modelled
** area, Pareto flag) and the Pareto chart as SVG. Under mpirun the grid is
** split across ranks and gathered on rank 0 into the same CSV.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/report.h"

#include <stdlib.h>
#include <string.h>
#ifdef ASICNN_HAVE_MPI
#include <mpi.h>
#endif

static const char USAGE[] =
    "usage: asicnn sweep model.q8|model.npu [--rows 4,8,16,32,64] [--cols LIST]\n"
    "                    [--act-buf KIB,...] [--bw BYTES_PER_CYCLE,...] [--chip BASE]\n"
    "                    [--batch N] [--synth DIR] [-o sweep.csv] [--svg pareto.svg]\n"
    "\n"
    "Compile and profile the model on every configuration of the grid (OpenMP over\n"
    "configurations): latency per image (batch 1), throughput at --batch (8), energy\n"
    "per image, area from the area model (docs/compare.md; calibrated on DIR/\n"
    "synth_asic.json when present), and whether it is on the Pareto front of latency,\n"
    "energy and area. Without --cols the arrays are square. Fields not swept come\n"
    "from --chip (npu16). Writes the CSV (-o, default sweep.csv) and the Pareto chart\n"
    "(--svg, default beside the CSV) when gnuplot is installed. Under mpirun the grid\n"
    "is split across ranks; rank 0 writes the same CSV.\n";

/* "4,8,16" into v (at most max); returns the count, -1 when malformed. */
static int parse_list(const char *s, double *v, int max, double lo, double hi) {
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        double x;
        if (n == max || cli_parse_f64(t, &x) || x < lo || x > hi) return -1;
        v[n++] = x;
    }
    return n ? n : -1;
}

/* --rows, --cols, --act-buf, --bw: a list into the an_sweep_grid at def->dst. */
static int grid_opt(const cli_opt_def *def, const char *val, char *why, size_t cap) {
    an_sweep_grid *g = def->dst;
    double v[16];
    int n;
    if (strcmp(def->name, "--bw") == 0) {
        if ((n = parse_list(val, g->bw, 8, 0.01, 1e6)) < 0) return -1;
        g->n_bw = n;
        return 0;
    }
    const int act = strcmp(def->name, "--act-buf") == 0;
    if ((n = act ? parse_list(val, v, 8, 1, 1 << 20) : parse_list(val, v, 16, 1, 1024)) < 0)
        return -1;
    int *dst = act ? g->act_kib : strcmp(def->name, "--rows") == 0 ? g->rows : g->cols;
    for (int k = 0; k < n; k++) dst[k] = (int)v[k];
    *(act ? &g->n_act : strcmp(def->name, "--rows") == 0 ? &g->n_rows : &g->n_cols) = n;
    return 0;
}

typedef struct sweep_args {
    const char *model, *out, *svg, *chip, *synth;
    an_sweep_grid grid;
    int batch;
} sweep_args;

static int parse(int argc, char **argv, sweep_args *a) {
    memset(a, 0, sizeof *a);
    a->out = "sweep.csv", a->chip = "npu16", a->synth = "out", a->batch = 8;
    const cli_opt_def opts[] = {
        {.name = "--rows",
         .kind = CLI_FN,
         .dst = &a->grid,
         .fn = grid_opt,
         .meta = "LIST",
         .takes = "up to 16 sizes in [1, 1024]",
         .help = "array rows (default 4,8,16,32,64; square without --cols)"},
        {.name = "--cols",
         .kind = CLI_FN,
         .dst = &a->grid,
         .fn = grid_opt,
         .meta = "LIST",
         .takes = "up to 16 sizes in [1, 1024]",
         .help = "array columns"},
        {.name = "--act-buf",
         .kind = CLI_FN,
         .dst = &a->grid,
         .fn = grid_opt,
         .meta = "KIB,...",
         .takes = "up to 8 sizes in KiB",
         .help = "activation buffer sizes"},
        {.name = "--bw",
         .kind = CLI_FN,
         .dst = &a->grid,
         .fn = grid_opt,
         .meta = "BYTES_PER_CYCLE,...",
         .takes = "up to 8 bandwidths in bytes/cycle",
         .help = "DRAM bandwidths"},
        {.name = "--chip",
         .kind = CLI_STR,
         .dst = &a->chip,
         .meta = "BASE",
         .help = "the fields not swept (default npu16)"},
        {.name = "--batch",
         .kind = CLI_INT,
         .dst = &a->batch,
         .lo = 1,
         .hi = 1024,
         .meta = "N",
         .help = "throughput batch (default 8)"},
        {.name = "--synth",
         .kind = CLI_STR,
         .dst = &a->synth,
         .meta = "DIR",
         .help = "synthesis reports that calibrate the area model (default out/)"},
        {.name = "-o",
         .kind = CLI_STR,
         .dst = &a->out,
         .meta = "FILE",
         .help = "the CSV (default sweep.csv)"},
        {.name = "--svg",
         .kind = CLI_STR,
         .dst = &a->svg,
         .meta = "FILE",
         .help = "the Pareto chart (default beside the CSV)"},
        {0}};
    const cli_cmd_spec spec = {.cmd = "sweep",
                               .usage = USAGE,
                               .opts = opts,
                               .pos = &a->model,
                               .min_pos = 1,
                               .max_pos = 1,
                               .needs = "needs model.q8 (or model.npu)"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc;
    a->chip = cli_chip_arg(a->chip);
    if (!a->grid.n_rows) {
        static const int def[] = {4, 8, 16, 32, 64};
        memcpy(a->grid.rows, def, sizeof def);
        a->grid.n_rows = 5;
    }
    return 0;
}

/* This rank's share [from, to) of n points, and the gather on rank 0. */
static int mpi_rank = 0, mpi_size = 1;

static void share(int n, int rank, int *from, int *to) {
    *from = (int)((int64_t)n * rank / mpi_size);
    *to = (int)((int64_t)n * (rank + 1) / mpi_size);
}

static an_status gather(an_sweep_point *pts, int n) {
#ifdef ASICNN_HAVE_MPI
    if (mpi_size > 1) {
        int *counts = calloc((size_t)mpi_size * 2, sizeof(int));
        if (!counts) return an_fail(AN_ERR_NOMEM, "MPI gather");
        for (int r = 0; r < mpi_size; r++) {
            int f, t;
            share(n, r, &f, &t);
            counts[r] = (t - f) * (int)sizeof *pts;
            counts[mpi_size + r] = f * (int)sizeof *pts;
        }
        int f, t;
        share(n, mpi_rank, &f, &t);
        const int rc = MPI_Gatherv(mpi_rank ? pts : MPI_IN_PLACE, counts[mpi_rank], MPI_BYTE, pts,
                                   counts, counts + mpi_size, MPI_BYTE, 0, MPI_COMM_WORLD);
        free(counts);
        if (rc != MPI_SUCCESS) return an_fail(AN_ERR_IO, "MPI_Gatherv failed (%d)", rc);
    }
#endif
    (void)pts, (void)n;
    return AN_OK;
}

/* Each size the grid lists passes the chip's checks on the base chip
** (square arrays for --rows/--cols), so that a bad value fails before the
** sweep, naming its option; a grid whose every point still fails (the
** model fits none) is an error after it, with no chart. */
static an_status check_grid(const an_npu_config *base, const an_sweep_grid *gr) {
    char what[48];
    for (int k = 0; k < gr->n_rows + gr->n_cols; k++) {
        const int rows = k < gr->n_rows, v = rows ? gr->rows[k] : gr->cols[k - gr->n_rows];
        an_npu_config c = *base;
        if (rows) c.rows = v;
        c.cols = c.vec_lanes = v; /* as the sweep's points: a lane per column */
        snprintf(what, sizeof what, "--%s %d", rows ? "rows" : "cols", v);
        an_status s = an_npu_config_validate(&c, what);
        if (s) return s;
    }
    for (int k = 0; k < gr->n_act + gr->n_bw; k++) {
        an_npu_config c = *base;
        if (k < gr->n_act) {
            c.act_bytes = (int64_t)gr->act_kib[k] * 1024;
            snprintf(what, sizeof what, "--act-buf %d", gr->act_kib[k]);
        } else {
            c.dram_bytes_per_cycle = gr->bw[k - gr->n_act];
            snprintf(what, sizeof what, "--bw %g", gr->bw[k - gr->n_act]);
        }
        an_status s = an_npu_config_validate(&c, what);
        if (s) return s;
    }
    return AN_OK;
}

static an_status sweep(const sweep_args *a) {
    an_q_graph g = {0};
    an_npu_config base, ncfg;
    int is_npu;
    an_synth sy;
    an_status s = cli_check_output(a->out);
    if (!s && a->svg) s = cli_check_output(a->svg);
    if (!s) s = cli_load_q8_or_npu(a->model, &g, &ncfg, &is_npu);
    if (!s) s = an_npu_config_get(a->chip, &base);
    if (!s) s = check_grid(&base, &a->grid);
    if (!s) s = an_synth_load(a->synth, &sy);
    const int n = s ? 0 : an_sweep_size(&a->grid);
    an_sweep_point *pts = n ? calloc((size_t)n, sizeof *pts) : NULL;
    if (!s && !pts) s = an_fail(AN_ERR_NOMEM, "sweep of %d configurations", n);
    if (!s) {
        const an_area_model am = an_area_default(&sy);
        int from, to;
        share(n, mpi_rank, &from, &to);
        if (mpi_rank == 0)
            printf("sweep: %d configurations of %s on %d rank%s, batch %d; %s\n", n, a->model,
                   mpi_size, mpi_size > 1 ? "s" : "", a->batch, am.source);
        const double t0 = an_now();
        s = an_sweep_run(&g, &base, &a->grid, &am, a->batch, from, to, mpi_rank ? pts : pts + from);
        if (!s) s = gather(pts, n);
        if (!s && mpi_rank == 0) {
            an_sweep_pareto(pts, n);
            printf("%-22s %10s %12s %10s %9s %6s %s\n", "config", "latency us", "images/s",
                   "energy uJ", "area mm2", "util%", "pareto");
            for (int i = 0; i < n; i++) {
                const an_sweep_point *p = &pts[i];
                if (p->failed)
                    printf("%-22s failed: %s\n", p->cfg.name, p->note);
                else
                    printf("%-22s %10.2f %12.0f %10.3f %9.3f %6.1f %s\n", p->cfg.name,
                           p->latency_us, p->throughput, p->energy_uj, p->area_mm2, p->util_pct,
                           p->pareto ? "*" : "");
            }
            printf("%.1f s\n", an_now() - t0);
            s = an_sweep_write_csv(a->out, pts, n);
            if (!s) printf("wrote %s\n", a->out);
        }
        int ran = 0;
        for (int i = 0; i < n; i++) ran += !pts[i].failed;
        if (!s && mpi_rank == 0 && !ran) {
            printf("no Pareto chart: no configuration ran\n");
            s = an_fail(AN_ERR_UNSUPPORTED,
                        "%s: no configuration of the grid ran (%s's notes "
                        "say why)",
                        a->model, a->out);
        } else if (!s && mpi_rank == 0 && an_plot_available()) {
            char svg_path[512], *svg = NULL;
            if (a->svg)
                snprintf(svg_path, sizeof svg_path, "%s", a->svg);
            else {
                snprintf(svg_path, sizeof svg_path, "%s", a->out);
                char *dot = strrchr(svg_path, '.');
                snprintf(dot && !strchr(dot, '/') ? dot : svg_path + strlen(svg_path),
                         svg_path + sizeof svg_path - (dot ? dot : svg_path + strlen(svg_path)),
                         "%s", ".svg");
            }
            if (!(s = an_chart_pareto(pts, n, &svg))) {
                s = cli_write_text(svg_path, svg);
                if (!s) printf("wrote %s\n", svg_path);
            }
            free(svg);
        } else if (!s && mpi_rank == 0) {
            printf("no Pareto chart: gnuplot is not installed\n");
        }
    }
    free(pts);
    an_q_graph_free(&g);
    return s;
}

int cmd_sweep(int argc, char **argv) {
    sweep_args a;
    const int rc = parse(argc, argv, &a);
    if (rc) return rc == CLI_HELP ? 0 : rc;
#ifdef ASICNN_HAVE_MPI
    /* only when launched by mpirun: a plain run never touches MPI */
    const int use_mpi = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE");
    if (use_mpi) {
        MPI_Init(NULL, NULL);
        MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    }
#endif
    an_status s = sweep(&a);
#ifdef ASICNN_HAVE_MPI
    if (use_mpi) MPI_Finalize();
#endif
    return s ? cli_error(s) : 0;
}
