/*
** asicnn runtime: the cycle-accurate timing model of the accelerator, its
** counters and energy model, Chrome/Perfetto traces, the SCALE-Sim
** compatible analytic mode, and the device API that opens a chip, loads
** executables and runs them (docs/timing.md, docs/energy.md).
**
** Contract
** - Timing rides on the functional executor: the same run, the same
**   instructions. Every duration is a closed form of the instruction's
**   fields and the chip configuration; every start is a max over the
**   queue, the fetch unit, the dependency tokens and the DRAM port. Cycle
**   counts are exact for the model and independent of the data values.
** - Counters are kept per instruction class, per layer and in total; the
**   layers' cycles partition the total (each layer owns the cycles from
**   the completion of the layers before it to its own completion).
** - Energies are per-action (pJ) times counts, plus leakage power times
**   time; a total is always the sum of its parts.
** - Library calls return an_status with a message; nothing prints.
*/
#ifndef ASICNN_RUNTIME_H
#define ASICNN_RUNTIME_H

#include "asicnn/arch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct an_profile {
    an_npu_config cfg;
    int32_t batch;
    int64_t cycles; /* the whole program */
    an_perf total;
    an_perf cls[AN_PC_COUNT];
    an_perf *layer; /* [n_layers + 1]: the executable's layers, then "other" */
    int32_t n_layers;
} an_profile;

void an_profile_free(an_profile *p);

/* Derived figures of one counter set on chip c over `cycles` cycles. */
double an_perf_util(const an_perf *p, const an_npu_config *c, int64_t cycles);
double an_perf_mapping(const an_perf *p);
double an_perf_energy(const an_perf *p); /* pJ, sum of components */
/* Roofline point: operational intensity (ops per DRAM byte) and attained
** ops/cycle; roof = min(2RC, intensity x bytes/cycle). */
void an_perf_roofline(const an_perf *p, const an_npu_config *c, int64_t cycles, double *intensity,
                      double *attained, double *roof);

/* ------------------------------------------------------------------------ */
/* Energy model                                                             */

typedef enum an_dram_kind { AN_DRAM_LPDDR4 = 0, AN_DRAM_DDR3, AN_DRAM_HBM2 } an_dram_kind;

typedef struct an_energy_params {
    double mac_pj; /* int8 multiply + int32 add */
    double act_pj_per_byte, wgt_pj_per_byte, acc_pj_per_byte;
    double vec_add_pj; /* 32-bit add / compare per lane */
    double vec_mul_pj; /* requant: 32-bit multiply + add per lane */
    double dram_pj_per_bit;
    double leak_mw; /* static power */
} an_energy_params;

/* Per-action energies for chip c with the given DRAM, scaled to c->tech_nm
** (docs/energy.md gives the sources and the scaling). */
an_energy_params an_energy_for(const an_npu_config *c, an_dram_kind dram);
/* 64-bit read energy (pJ) of an SRAM of `bytes` at 45 nm. */
double an_energy_sram64_45nm(int64_t bytes);

/* Fill every energy_pj of the profile (layers, classes, total) from its
** counters. Leakage goes to layers by their cycles, to classes by nothing
** (classes overlap in time): total leakage = leak x total cycles. */
void an_profile_energy(an_profile *p, const an_energy_params *e);

/* ------------------------------------------------------------------------ */
/* Timing on the functional simulator                                      */

/* Turn the timing model on (trace: also record one event per
** instruction for an_trace_write). Each an_npu_sim_run then times the
** program; an_npu_sim_profile copies the last run's counters. */
an_status an_npu_sim_timing(an_npu_sim *s, int trace);
an_status an_npu_sim_profile(const an_npu_sim *s, an_profile *p);

/* Profile one run of x on an all-zero-point input (timing does not depend
** on the values) with energy e (NULL: LPDDR4 defaults); trace_path (may be
** NULL) receives the Chrome trace. */
an_status an_npu_profile_run(const an_npu_exe *x, const an_energy_params *e, const char *trace_path,
                             an_profile *p);

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

/* Chrome trace / Perfetto JSON of the last timed run (needs trace on). */
an_status an_trace_write(const an_npu_sim *s, const char *path);

/* ------------------------------------------------------------------------ */
/* SCALE-Sim v2 compatible analytic mode                                    */

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
/* Device API                                                               */

typedef enum an_backend { AN_BACKEND_SIM = 0, AN_BACKEND_RTL } an_backend;

typedef struct an_device an_device;
typedef int32_t an_program; /* a loaded executable's handle, >= 0 */

typedef enum an_run_state { AN_RUN_IDLE = 0, AN_RUN_BUSY, AN_RUN_DONE, AN_RUN_FAILED } an_run_state;

/* Open a device for chip cfg on a backend (the RTL backend is not built
** yet: AN_ERR_UNSUPPORTED). Thread-safe per device. */
an_status an_device_open(an_device **out, const an_npu_config *cfg, an_backend backend);
void an_device_close(an_device *d);

/* Load an executable (copied; it must target the device's chip). Several
** may be loaded at once. */
an_status an_device_load(an_device *d, const an_npu_exe *x, an_program *prog);
an_status an_device_load_file(an_device *d, const char *path, an_program *prog);
an_status an_device_unload(an_device *d, an_program prog);

/* The program's input / output sizes in int8 elements (whole batch). */
int64_t an_device_input_size(an_device *d, an_program prog);
int64_t an_device_output_size(an_device *d, an_program prog);
/* Copy the int8 input (input_size bytes) into the program's input. */
an_status an_device_set_input(an_device *d, an_program prog, const int8_t *in, int64_t n);
/* Run (blocking) / start and wait (a pthread per run). */
an_status an_device_run(an_device *d, an_program prog);
an_status an_device_start(an_device *d, an_program prog);
an_status an_device_wait(an_device *d, an_program prog);
an_run_state an_device_state(an_device *d, an_program prog);
/* The last error of the program (empty when none). */
const char *an_device_error(an_device *d, an_program prog);
/* Output of the last run: whole tensor, or element i. */
an_status an_device_get_output(an_device *d, an_program prog, int8_t *out, int64_t n);
an_status an_device_get_element(an_device *d, an_program prog, int64_t i, int8_t *v);
/* Counters of the last run (the caller frees with an_profile_free). */
an_status an_device_counters(an_device *d, an_program prog, an_profile *p);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_RUNTIME_H */
