/*
** asicnn report: the same int8 model on every target asicnn can reach (CPU
** float and int8 measured, the ASIC and the FPGA through the simulator, a
** GPU measured or modelled), synthesis reports, the chip-config sweep with
** its area model and Pareto front, and the self-contained HTML report with
** gnuplot charts (docs/compare.md); SCALE-Sim v2's cycle formulas and the
** bounds a layer cannot beat (docs/timing.md).
**
** Contract
** - Every comparison row says whether it was measured or modelled and
**   names the source of each constant it used.
** - Synthesis reports (JSON under a directory, docs/hw.md) are used when
**   present; otherwise the stated configuration values are, and the row's
**   source says so.
** - Library calls return an_status with a message; nothing prints.
*/
#ifndef ASICNN_REPORT_H
#define ASICNN_REPORT_H

#include "asicnn/npu.h"
#include "asicnn/quant.h"
#include "asicnn/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Synthesis reports                                                        */

typedef struct an_synth {
    int have_asic, have_fpga;
    double asic_area_mm2, asic_fmax_mhz, asic_power_mw; /* < 0 when absent */
    int32_t asic_rows, asic_cols;                       /* the chip it was run for */
    int32_t asic_nm;                                    /* its process node (180: OSU 0.18 um) */
    double fpga_fmax_mhz;                               /* < 0 when absent */
    int32_t fpga_rows, fpga_cols;                       /* the chip it was run for; 0 unknown */
    char fpga_chip[32];                                 /* its config name; "" unknown */
    int64_t fpga_lut, fpga_ff, fpga_dsp, fpga_bram;     /* < 0 when absent */
    char asic_path[256], fpga_path[256];
} an_synth;

/* XC7Z020 capacity (data sheet): 53,200 LUTs, 106,400 FFs, 220 DSP48E1,
** 140 BRAM36. */
#define AN_Z7020_LUT  53200
#define AN_Z7020_FF   106400
#define AN_Z7020_DSP  220
#define AN_Z7020_BRAM 140

/* Read dir/synth_asic.json and dir/synth_xc7z020.json when they exist;
** absent files are not an error (have_* stay 0). */
an_status an_synth_load(const char *dir, an_synth *s);

/* ------------------------------------------------------------------------ */
/* Area model                                                               */

typedef struct an_area_model {
    double pe_mm2;       /* one int8 MAC PE with its int32 accumulator register */
    double sram_kib_mm2; /* one KiB of SRAM */
    double fixed_mm2;    /* control, queues, DMA, vector unit */
    char source[400];
} an_area_model;

/* The documented 28 nm model, calibrated on a synthesis report when s has
** one (docs/compare.md). */
an_area_model an_area_default(const an_synth *s);
double an_area_mm2(const an_area_model *a, const an_npu_config *c);

/* ------------------------------------------------------------------------ */
/* The comparison                                                           */

typedef struct an_cmp_row {
    char target[40];
    int measured;      /* 1 measured on this machine, 0 modelled */
    double latency_us; /* per image at batch 1 */
    int batch;         /* throughput batch */
    double throughput; /* images/s at that batch */
    double energy_uj;  /* per image at batch 1 */
    double accuracy;   /* percent on the test images; < 0 when not run */
    double area_mm2;   /* hardware targets; < 0 otherwise */
    double clock_mhz;  /* hardware targets; < 0 otherwise */
    char extra[96];    /* e.g. FPGA resources */
    char source[1100]; /* where every constant comes from */
} an_cmp_row;

#define AN_CMP_MAX_ROWS 10
/* Timed repeats behind each measured CPU figure (the median is shown). */
#define AN_CMP_REPEATS 5

typedef struct an_cmp_opts {
    const char *chip;              /* ASIC config (preset or JSON file), default npu16 */
    const an_npu_config *asic_cfg; /* when not NULL, used instead of chip (a .npu's) */
    const char *fpga_chip;         /* FPGA config; NULL: pynq-8x16 (fits the XC7Z020) */
    const char *ckpt;              /* float checkpoint for the CPU float row; may be NULL */
    const char *synth_dir;         /* synthesis reports; NULL: "out" */
    int batch;                     /* throughput batch (default 64) */
    int64_t latency_images;        /* images timed one at a time (default 200) */
    double cpu_watts;              /* CPU package power estimate (default 35 W) */
    int threads;                   /* threads of every CPU row (0: all cores) */
    int no_ort;                    /* leave out the ONNX Runtime rows */
} an_cmp_opts;

an_cmp_opts an_cmp_defaults(void);

typedef struct an_cmp {
    an_cmp_row rows[AN_CMP_MAX_ROWS];
    int n;
    int64_t images; /* test images for accuracy */
    char model[256];
    an_npu_config asic, fpga;
    char note[600]; /* why rows are missing (e.g. ONNX Runtime absent); "" */
} an_cmp;

/* Run g (raw test samples in test) on every target. */
an_status an_compare(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *o,
                     an_cmp *out);

/* Table as text, CSV or JSON. */
an_status an_cmp_write(const an_cmp *c, FILE *f, int format);
#define AN_FMT_TEXT 0
#define AN_FMT_CSV  1
#define AN_FMT_JSON 2

/* Timing pieces of the comparison, each filling one row. */
an_status an_cmp_cpu_int8(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *o,
                          an_cmp_row *r);
an_status an_cmp_cpu_float(const char *ckpt, const an_dataset *test, const an_cmp_opts *o,
                           an_cmp_row *r);
/* ONNX Runtime int8 (the QDQ export of g) and, with o->ckpt, float: up to 2
** rows, *n of them; when ONNX Runtime is unavailable, none, and why says so. */
an_status an_cmp_cpu_ort(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *o,
                         an_cmp_row *rows, int *n, char *why, size_t why_n);

/* Median, minimum and maximum of v [n] (n >= 1; v is sorted in place). */
typedef struct an_spread {
    double median, min, max;
} an_spread;
an_spread an_spread_of(double *v, int n);
/* The ASIC rows: one at the synthesis report's node (its clock and area,
** energy model at that node) and one scaled to cfg->tech_nm, or, without a
** report for this array, one at the config's node; *n rows (1 or 2). */
an_status an_cmp_asic(const an_q_graph *g, const an_npu_config *cfg, const an_cmp_opts *o,
                      an_cmp_row *r, int *n);
an_status an_cmp_fpga(const an_q_graph *g, const an_npu_config *cfg, const an_cmp_opts *o,
                      an_cmp_row *r);
/* The default FPGA design, configs/pynq-8x16.json (name NULL), or a
** preset or JSON file. */
an_status an_cmp_fpga_config(const char *name, an_npu_config *c);
/* The GPU row: g compiled for cfg (at batch 1 and o->batch) on the first
** backend that measures device time and supports the program (the gpu
** backend), timed by it and checked against the ref backend; else the GPU
** model, labelled modelled, and why [why_n] says why no backend ran it. */
an_status an_cmp_gpu(const an_q_graph *g, const an_npu_config *cfg, const an_dataset *test,
                     const an_cmp_opts *o, an_cmp_row *r, char *why, size_t why_n);

/* ------------------------------------------------------------------------ */
/* The sweep                                                                */

typedef struct an_sweep_point {
    an_npu_config cfg;
    double latency_us, throughput, energy_uj, area_mm2, util_pct;
    int64_t cycles;
    int pareto; /* on the latency x area x energy front */
    int failed; /* did not compile (message in note) */
    char note[96];
} an_sweep_point;

/* Grid: every combination of the lists (a list of one value keeps the base
** config's field). */
typedef struct an_sweep_grid {
    int rows[16], n_rows, cols[16], n_cols;
    int act_kib[8], n_act;
    double bw[8];
    int n_bw;
} an_sweep_grid;

/* Points [from, to) of the grid, in grid order, for g at batch. */
int an_sweep_size(const an_sweep_grid *gr);
an_status an_sweep_run(const an_q_graph *g, const an_npu_config *base, const an_sweep_grid *gr,
                       const an_area_model *am, int batch, int from, int to, an_sweep_point *pts);
/* Mark the Pareto front (minimal latency, energy, area). */
void an_sweep_pareto(an_sweep_point *pts, int n);
an_status an_sweep_write_csv(const char *path, const an_sweep_point *pts, int n);

/* ------------------------------------------------------------------------ */
/* SCALE-Sim v2 compatible analytic mode: a cycle formula, not a simulation */

typedef enum an_ss_flow { AN_SS_WS = 0, AN_SS_OS, AN_SS_IS } an_ss_flow;

typedef struct an_ss_config {
    char run_name[64];
    int32_t rows, cols;
    an_ss_flow flow;
} an_ss_config;

typedef struct an_ss_layer {
    char name[64];
    int64_t ih, iw, fh, fw, ch, nf, sh, sw;
} an_ss_layer;

typedef struct an_ss_result {
    int64_t cycles, stalls, macs, folds;
    double overall_util, mapping_eff, compute_util; /* percent */
} an_ss_result;

/* Parse SCALE-Sim's INI config and topology CSV (src names them). */
an_status an_ss_config_parse(const char *text, const char *src, an_ss_config *c);
an_status an_ss_topology_parse(const char *text, const char *src, an_ss_layer **layers, int *n);
/* One layer in CALC mode (no memory stalls), SCALE-Sim's formulas. */
an_status an_ss_layer_run(const an_ss_config *c, const an_ss_layer *l, an_ss_result *r);
/* COMPUTE_REPORT.csv for n layers. */
an_status an_ss_write_report(const char *path, const an_ss_result *r, int n);

/* ------------------------------------------------------------------------ */
/* Bounds: what a layer cannot beat                                         */

/* What a layer cannot beat (docs/timing.md, "Bounds"): its MACs over the
** array (mac_floor), SCALE-Sim v2's weight-stationary compute-only cycles for
** the same GEMM on the same array with the batch folded into the output
** pixels (scalesim), the bytes it must move at least once (weights, input,
** output) over the DRAM bandwidth (dram_floor), and bound = max(scalesim,
** dram_floor). Layers that do not use the array (pools, adds, flatten) have
** only a DRAM floor, and bound 0 (not counted). */
typedef struct an_bound {
    int64_t macs, mac_floor, scalesim, dram_bytes, dram_floor, bound;
} an_bound;

/* Bounds of every layer of x (out[n_layers]) from the int8 graph g it was
** compiled from, and of the whole model (*total: floors of the whole model;
** scalesim and bound the sums over layers). Fails when g is not x's graph. */
an_status an_npu_bounds(const an_npu_exe *x, const an_q_graph *g, an_bound *out, an_bound *total);

/* ------------------------------------------------------------------------ */
/* Charts and the HTML page                                                 */

/* Run gnuplot on script (which writes SVG to stdout); *svg receives it
** (malloc'd). AN_ERR_UNSUPPORTED when gnuplot is missing. */
an_status an_plot_svg(const char *script, char **svg);
int an_plot_available(void);

/* The sweep's Pareto chart (latency vs area, the front highlighted). */
an_status an_chart_pareto(const an_sweep_point *pts, int n, char **svg);
/* Comparison bars (latency, energy), float vs int8 accuracy, confusion
** matrix [classes x classes], training curves from CKPT.log.csv. */
an_status an_chart_compare(const an_cmp *c, char **svg);
an_status an_chart_accuracy(double float_pct, double int8_pct, char **svg);
an_status an_chart_confusion(const int64_t *conf, int classes, char **svg);
an_status an_chart_training(const char *log_csv, char **svg);
/* Per-layer busy/stall cycles and utilisation; roofline with each layer. */
an_status an_chart_layers(const an_profile *p, const an_npu_exe *x, char **svg);
an_status an_chart_roofline(const an_profile *p, const an_npu_exe *x, char **svg);

/* One section of the HTML page: a title, a paragraph, an SVG (may be NULL,
** then why says what is missing). */
typedef struct an_html_section {
    const char *title, *text, *svg, *why;
} an_html_section;
/* Write the self-contained page (inline SVG, the comparison table) to path. */
an_status an_html_write(const char *path, const char *title, const an_cmp *c,
                        const an_html_section *sec, int n);

/* ------------------------------------------------------------------------ */
/* ONNX Runtime (npm onnxruntime-node, CPU) as a peer, through the Node     */
/* driver scripts/ort_run.js (ort.c)                                        */

typedef struct an_ort {
    char node[256];   /* node executable ($ASICNN_NODE, default "node") */
    char driver[512]; /* $ASICNN_ORT_DRIVER, default the source tree's scripts/ort_run.js */
    char version[32]; /* onnxruntime-node version, e.g. "1.30.0" */
} an_ort;

/* Find node, the driver and the package; fails with a message naming what
** is missing. */
an_status an_ort_open(an_ort *o);
/* One inference of the whole input x (float32, shape dims [nd], e.g.
** N x C x H x W) with `threads` intra-op threads; the first output must
** have exactly ny floats, copied to y. */
an_status an_ort_run(const an_ort *o, const char *onnx, const float *x, const int64_t *dims, int nd,
                     int threads, float *y, int64_t ny);
/* Throughput on random input of shape dims: ips [repeats] images/s, each
** over a window of at least `seconds`, after a warm-up; call_us the median
** wall time of one call of a one-node model (the binding's fixed cost). */
an_status an_ort_bench(const an_ort *o, const char *onnx, const int64_t *dims, int nd, int threads,
                       int repeats, double seconds, double *ips, double *call_us);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_REPORT_H */
