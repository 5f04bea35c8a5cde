/*
** The chip-config sweep: the int8 graph compiled and profiled on every
** configuration of a grid (OpenMP over configurations), with the area
** model, and the Pareto front over latency, energy and area.
*/
#include "report_internal.h"

#include <stdio.h>
#include <string.h>

int an_sweep_size(const an_sweep_grid *gr) {
    const int cols = gr->n_cols ? gr->n_cols : 1;
    return gr->n_rows * cols * (gr->n_act ? gr->n_act : 1) * (gr->n_bw ? gr->n_bw : 1);
}

/* Configuration i of the grid (rows vary slowest); no cols list: square. */
static an_npu_config point_cfg(const an_npu_config *base, const an_sweep_grid *gr, int i) {
    an_npu_config c = *base;
    const int nb = gr->n_bw ? gr->n_bw : 1, na = gr->n_act ? gr->n_act : 1;
    const int nc = gr->n_cols ? gr->n_cols : 1;
    if (gr->n_bw) c.dram_bytes_per_cycle = gr->bw[i % nb];
    i /= nb;
    if (gr->n_act) c.act_bytes = (int64_t)gr->act_kib[i % na] * 1024;
    i /= na;
    const int ci = i % nc;
    c.rows = gr->rows[i / nc];
    c.cols = gr->n_cols ? gr->cols[ci] : c.rows;
    c.vec_lanes = c.cols;
    char nm[96];
    snprintf(nm, sizeof nm, "%dx%d-a%lld-bw%g", c.rows, c.cols, (long long)(c.act_bytes / 1024),
             c.dram_bytes_per_cycle);
    snprintf(c.name, sizeof c.name, "%.31s", nm);
    return c;
}

/* Cycles, energy and utilisation of one run at batch B. */
static an_status run_one(const an_q_graph *g, const an_npu_config *c, int B, int64_t *cycles,
                         double *pj, double *util) {
    an_profile pr;
    an_status s = an_npu_config_validate(c, c->name);
    if (!s) s = rp_chip_profile(g, c, B, &pr);
    if (!s) {
        *cycles = pr.cycles;
        *pj = an_perf_energy(&pr.total);
        *util = 100 * an_perf_util(&pr.total, c, pr.cycles);
        an_profile_free(&pr);
    }
    return s;
}

an_status an_sweep_run(const an_q_graph *g, const an_npu_config *base, const an_sweep_grid *gr,
                       const an_area_model *am, int batch, int from, int to, an_sweep_point *pts) {
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = from; i < to; i++) {
        an_sweep_point *p = &pts[i - from];
        memset(p, 0, sizeof *p);
        p->cfg = point_cfg(base, gr, i);
        p->area_mm2 = an_area_mm2(am, &p->cfg);
        int64_t cb = 0;
        double pj = 0, pjb = 0, ub = 0;
        an_status s = run_one(g, &p->cfg, 1, &p->cycles, &pj, &p->util_pct);
        if (!s && batch > 1) s = run_one(g, &p->cfg, batch, &cb, &pjb, &ub);
        if (s) {
            p->failed = 1;
            snprintf(p->note, sizeof p->note, "%s", an_errmsg());
            continue;
        }
        if (batch <= 1) cb = p->cycles;
        p->latency_us = (double)p->cycles / p->cfg.clock_mhz;
        p->throughput = (double)(batch > 1 ? batch : 1) / ((double)cb / p->cfg.clock_mhz) * 1e6;
        p->energy_uj = pj / 1e6;
    }
    return AN_OK;
}

static int dominates(const an_sweep_point *a, const an_sweep_point *b) {
    return a->latency_us <= b->latency_us && a->energy_uj <= b->energy_uj &&
           a->area_mm2 <= b->area_mm2 &&
           (a->latency_us < b->latency_us || a->energy_uj < b->energy_uj ||
            a->area_mm2 < b->area_mm2);
}

void an_sweep_pareto(an_sweep_point *pts, int n) {
    for (int i = 0; i < n; i++) {
        pts[i].pareto = !pts[i].failed;
        for (int j = 0; j < n && pts[i].pareto; j++)
            if (j != i && !pts[j].failed && dominates(&pts[j], &pts[i])) pts[i].pareto = 0;
    }
}

an_status an_sweep_write_csv(const char *path, const an_sweep_point *pts, int n) {
    an_afile af; /* atomic: a killed sweep never leaves half a CSV */
    an_status st = an_afile_open(&af, path);
    if (st) return st;
    FILE *f = af.fp;
    fprintf(f, "name,rows,cols,act_kib,wgt_kib,acc_kib,dram_bytes_per_cycle,clock_mhz,cycles,"
               "latency_us,throughput_ips,energy_uj,area_mm2,util_pct,pareto,note\n");
    for (int i = 0; i < n; i++) {
        const an_sweep_point *p = &pts[i];
        const an_npu_config *c = &p->cfg;
        fprintf(f, "%s,%d,%d,%lld,%lld,%lld,%g,%g,%lld,%.4f,%.2f,%.6f,%.5f,%.2f,%d,\"", c->name,
                c->rows, c->cols, (long long)(c->act_bytes / 1024),
                (long long)(c->wgt_bytes / 1024), (long long)(c->acc_bytes / 1024),
                c->dram_bytes_per_cycle, c->clock_mhz, (long long)p->cycles, p->latency_us,
                p->throughput, p->energy_uj, p->area_mm2, p->util_pct, p->pareto);
        for (const char *s = p->note; *s; s++) fputc(*s == '"' ? '\'' : *s, f);
        fputs("\"\n", f);
    }
    return an_afile_commit(&af);
}
