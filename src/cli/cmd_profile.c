/*
** asicnn profile: one timed run of an executable on the simulated chip
** (timing does not depend on the input values): a per-layer table of
** cycles, utilisation, mapping efficiency, stalls, bytes moved and
** energy, the totals per instruction class, latency, throughput and
** energy per inference; --csv writes the per-layer rows, --trace the
** Chrome/Perfetto trace.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/report.h"
#include "asicnn/runtime.h"
#include "asicnn/sim.h"

#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: asicnn profile model.npu [--csv FILE] [--trace FILE] [--dram lpddr4|ddr3|hbm2]\n"
    "\n"
    "Time one run of the executable on the simulated chip (cycle-exact for the model in\n"
    "docs/timing.md) and print per layer: cycles, array utilisation, mapping efficiency,\n"
    "stall cycles by cause, DRAM and SRAM bytes, energy (docs/energy.md); then per\n"
    "instruction class, and latency, throughput and energy per inference.\n";

static int64_t stalls(const an_perf *p) {
    int64_t s = 0;
    for (int k = 0; k < AN_STALL_COUNT; k++) s += p->stall[k];
    return s;
}

static int64_t sram_bytes(const an_perf *p) {
    int64_t s = 0;
    for (int m = AN_MEM_ACT; m < AN_MEM_COUNT; m++) s += p->rd[m] + p->wr[m];
    return s;
}

static void row(FILE *f, const char *name, const char *mode, const an_perf *p, const an_profile *pr,
                const an_bound *b, int csv) {
    double oi, att, roof;
    an_perf_roofline(p, &pr->cfg, p->cycles, &oi, &att, &roof);
    const double util = 100 * an_perf_util(p, &pr->cfg, p->cycles);
    const double map = 100 * an_perf_mapping(p), e = an_perf_energy(p) / 1e6;
    const int64_t dram = p->rd[AN_MEM_DRAM] + p->wr[AN_MEM_DRAM];
    if (csv) {
        fprintf(f, "%s,%s,%lld,%lld,%lld,%.4f,%.4f", name, mode, (long long)p->cycles,
                (long long)p->busy, (long long)p->macs, util, map);
        for (int k = 0; k < AN_STALL_COUNT; k++) fprintf(f, ",%lld", (long long)p->stall[k]);
        for (int m = 0; m < AN_MEM_COUNT; m++)
            fprintf(f, ",%lld,%lld", (long long)p->rd[m], (long long)p->wr[m]);
        fprintf(f, ",%lld,%.4f,%.4f,%.4f,%.4f", (long long)p->dram_bus,
                p->cycles ? (double)p->dram_bus / (double)p->cycles : 0.0, oi, att, roof);
        for (int k = 0; k < AN_E_COUNT; k++) fprintf(f, ",%.3f", p->energy_pj[k]);
        fprintf(f, ",%.3f", an_perf_energy(p));
        if (b)
            fprintf(f, ",%lld,%lld,%lld,%lld,%.2f", (long long)b->mac_floor, (long long)b->scalesim,
                    (long long)b->dram_floor, (long long)b->bound,
                    b->bound && p->cycles ? 100.0 * (double)b->bound / (double)p->cycles : 0.0);
        fputc('\n', f);
        return;
    }
    fprintf(f, "%-12s %-7s %10lld %6.1f%% %6.1f%% %10lld %10lld %10lld %8.1f %9.3f\n", name, mode,
            (long long)p->cycles, util, map, (long long)stalls(p), (long long)dram,
            (long long)sram_bytes(p), oi, e);
}

/* A CSV column name: spaces become underscores. */
static void col(FILE *f, const char *pre, const char *name, const char *post) {
    fprintf(f, ",%s", pre);
    for (const char *c = name; *c; c++) fputc(*c == ' ' ? '_' : *c, f);
    fputs(post, f);
}

static an_status write_csv(const char *path, const an_profile *pr, const an_npu_exe *x,
                           const an_bound *b, const an_bound *bt) {
    an_afile af;
    an_status s = an_afile_open(&af, path);
    if (s) return s;
    FILE *f = af.fp;
    fprintf(f, "layer,mode,cycles,busy,macs,util_pct,mapping_pct");
    for (int k = 0; k < AN_STALL_COUNT; k++) col(f, "stall_", AN_STALL_NAME[k], "");
    for (int m = 0; m < AN_MEM_COUNT; m++)
        fprintf(f, ",%s_read,%s_written", AN_MEM_NAME[m], AN_MEM_NAME[m]);
    fprintf(f,
            ",dram_bus_bytes,dram_bytes_per_cycle,ops_per_byte,ops_per_cycle,roof_ops_per_cycle");
    for (int k = 0; k < AN_E_COUNT; k++) col(f, "energy_", AN_ECOMP_NAME[k], "_pj");
    fprintf(f, ",energy_pj");
    if (b) fprintf(f, ",mac_floor,scalesim_ws,dram_floor,bound,bound_pct");
    fputc('\n', f);
    static const an_bound none = {0};
    for (int l = 0; l <= pr->n_layers; l++)
        row(f, l < pr->n_layers ? x->layers[l].name : "other",
            l < pr->n_layers ? AN_NPU_MODE_NAME[x->layers[l].mode] : "-", &pr->layer[l], pr,
            b ? (l < pr->n_layers ? &b[l] : &none) : NULL, 1);
    row(f, "total", "-", &pr->total, pr, bt, 1);
    return an_afile_commit(&af);
}

/* One row of the bounds table: b against the cycles achieved. */
static void bound_row(const char *name, const an_bound *b, int64_t cycles) {
    printf("%-12s %10lld %10lld %10lld %10lld %10lld %10lld %7.1f%%\n", name, (long long)b->macs,
           (long long)b->mac_floor, (long long)b->scalesim, (long long)b->dram_floor,
           (long long)b->bound, (long long)cycles,
           cycles ? 100.0 * (double)b->bound / (double)cycles : 0.0);
}

/* The cycles against what the array and the DRAM allow (docs/timing.md). */
static void report_bounds(const an_profile *pr, const an_npu_exe *x, const an_bound *b,
                          const an_bound *bt) {
    printf("\n%-12s %10s %10s %10s %10s %10s %10s %8s\n", "bounds", "MACs", "MAC floor",
           "SCALE-Sim", "DRAM floor", "bound", "cycles", "of bound");
    for (int l = 0; l < pr->n_layers; l++)
        if (b[l].bound) bound_row(x->layers[l].name, &b[l], pr->layer[l].cycles);
    bound_row("total", bt, pr->cycles);
    const int64_t floor = bt->mac_floor > bt->dram_floor ? bt->mac_floor : bt->dram_floor;
    printf("floor ratio %.2f (cycles over max(MAC floor, DRAM floor) of the whole model)\n",
           floor ? (double)pr->cycles / (double)floor : 0.0);
}

static void report(const an_profile *pr, const an_npu_exe *x) {
    const an_npu_config *c = &pr->cfg;
    printf("%s on %s (%dx%d, %.0f MHz, %.1f B/cycle DRAM), batch %d\n", x->source, c->name, c->rows,
           c->cols, c->clock_mhz, c->dram_bytes_per_cycle, pr->batch);
    printf("%-12s %-7s %10s %7s %7s %10s %10s %10s %8s %9s\n", "layer", "mode", "cycles", "util",
           "mapping", "stalls", "dram B", "sram B", "ops/B", "energy uJ");
    for (int l = 0; l <= pr->n_layers; l++) {
        if (l == pr->n_layers && !pr->layer[l].cycles && !pr->layer[l].busy) break;
        row(stdout, l < pr->n_layers ? x->layers[l].name : "other",
            l < pr->n_layers ? AN_NPU_MODE_NAME[x->layers[l].mode] : "-", &pr->layer[l], pr, NULL,
            0);
    }
    row(stdout, "total", "", &pr->total, pr, NULL, 0);
    printf("(stalls: the load, compute and store queues' stall cycles added up; each queue\n"
           " waits on its own, so a layer's stalls can pass its cycles)\n");
    printf("\n%-10s %8s %12s", "class", "insns", "busy cycles");
    for (int k = 0; k < AN_STALL_COUNT; k++) printf(" %12s", AN_STALL_NAME[k]);
    printf("\n");
    for (int k = 0; k < AN_PC_COUNT; k++) {
        const an_perf *p = &pr->cls[k];
        if (!p->insns) continue;
        printf("%-10s %8lld %12lld", AN_PCLASS_NAME[k], (long long)p->insns, (long long)p->busy);
        for (int j = 0; j < AN_STALL_COUNT; j++) printf(" %12lld", (long long)p->stall[j]);
        printf("\n");
    }
    const double us = (double)pr->cycles / c->clock_mhz, e = an_perf_energy(&pr->total);
    const double ops = 2.0 * (double)pr->total.macs;
    printf("\nenergy by component (uJ per run):");
    for (int k = 0; k < AN_E_COUNT; k++)
        printf(" %s %.3f", AN_ECOMP_NAME[k], pr->total.energy_pj[k] / 1e6);
    printf("\n");
    printf("latency %lld cycles = %.2f us per batch of %d, %.2f us per image\n",
           (long long)pr->cycles, us, pr->batch, us / pr->batch);
    printf("throughput %.0f images/s, %.3f TOPS achieved of %.3f peak (util %.1f%%)\n",
           pr->batch / us * 1e6, ops / us / 1e6, 2.0 * c->rows * c->cols * c->clock_mhz / 1e6,
           100 * an_perf_util(&pr->total, c, pr->cycles));
    printf("energy %.3f uJ per image, %.2f TOPS/W\n", e / 1e6 / pr->batch, e > 0 ? ops / e : 0.0);
}

int cmd_profile(int argc, char **argv) {
    const char *path = NULL, *csv = NULL, *trace = NULL;
    int dram_i = 0;
    const cli_opt_def opts[] = {{.name = "--csv",
                                 .kind = CLI_STR,
                                 .dst = &csv,
                                 .meta = "FILE",
                                 .help = "write the per-layer rows (every counter) as CSV"},
                                {.name = "--trace",
                                 .kind = CLI_STR,
                                 .dst = &trace,
                                 .meta = "FILE",
                                 .help = "write the run's Chrome/Perfetto trace"},
                                {.name = "--dram",
                                 .kind = CLI_ENUM,
                                 .dst = &dram_i,
                                 .choices = "lpddr4|ddr3|hbm2",
                                 .help = "the DRAM's energy per bit (default lpddr4)"},
                                {0}};
    const cli_cmd_spec spec = {.cmd = "profile",
                               .usage = USAGE,
                               .opts = opts,
                               .pos = &path,
                               .min_pos = 1,
                               .max_pos = 1,
                               .needs = "needs model.npu"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    static const an_dram_kind DRAM[] = {AN_DRAM_LPDDR4, AN_DRAM_DDR3, AN_DRAM_HBM2};
    const an_dram_kind dram = DRAM[dram_i];
    an_npu_exe x;
    const char *outs[] = {csv, trace};
    for (int k = 0; k < 2; k++) {
        an_status s0 = outs[k] ? cli_check_output(outs[k]) : AN_OK;
        if (s0) return cli_error(s0);
    }
    an_status s = cli_kind_check(an_npu_load(path, &x), path, CLI_KIND_NPU);
    if (s) return cli_error(s);
    an_profile pr;
    memset(&pr, 0, sizeof pr);
    const an_energy_params e = an_energy_for(&x.cfg, dram);
    s = an_backend_profile_any(&x, &e, trace, &pr);
    /* bounds need the int8 graph the executable embeds */
    an_q_graph g;
    an_bound *b = NULL, bt;
    int have_g = 0;
    if (!s && x.qref_size && !(s = an_q8_parse(x.qref, (size_t)x.qref_size, path, &g))) {
        have_g = 1;
        if (!(b = calloc((size_t)x.n_layers + 1, sizeof *b)))
            s = an_fail(AN_ERR_NOMEM, "out of memory");
        else
            s = an_npu_bounds(&x, &g, b, &bt);
    }
    if (!s) {
        report(&pr, &x);
        if (b) report_bounds(&pr, &x, b, &bt);
        if (csv) s = write_csv(csv, &pr, &x, b, b ? &bt : NULL);
        if (!s && csv) printf("wrote %s\n", csv);
        if (!s && trace) printf("wrote %s\n", trace);
    }
    if (pr.layer) an_profile_free(&pr);
    if (have_g) an_q_graph_free(&g);
    free(b);
    an_npu_exe_free(&x);
    return s ? cli_error(s) : 0;
}
