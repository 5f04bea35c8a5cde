/*
** asicnn sim: the simulator of the accelerator. The functional executor
** runs an executable bit-exactly on the simulated chip; the cycle-accurate
** timing model rides on it and keeps counters, which the energy model
** prices and a Chrome/Perfetto trace shows (docs/npu.md, docs/timing.md,
** docs/energy.md).
**
** Contract
** - The executor's outputs equal the integer reference engine's byte for
**   byte, for every layer that reaches DRAM and end to end; a validated
**   executable cannot make it touch memory outside the simulated chip.
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
#ifndef ASICNN_SIM_H
#define ASICNN_SIM_H

#include "asicnn/arch.h"
#include "asicnn/npu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Functional executor                                                      */

typedef struct an_npu_sim an_npu_sim;

/* Called before each instruction runs (a timing model hooks here); d, its
** decoded form, lives only during the call. */
typedef void (*an_npu_hook)(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d);

an_status an_npu_sim_create(an_npu_sim **out, const an_npu_exe *x);
void an_npu_sim_free(an_npu_sim *s);
void an_npu_sim_set_hook(an_npu_sim *s, an_npu_hook hook, void *ctx);

/* Run the program on x.batch int8 samples in [batch, input size]; the
** logits land in out [batch, output size]. */
an_status an_npu_sim_run(an_npu_sim *s, const int8_t *in, int8_t *out);

/* The simulated DRAM after a run (layer outputs lie at layers[i].out_dram). */
const uint8_t *an_npu_sim_dram(const an_npu_sim *s);

/* Instructions executed in the last run, per queue. */
int64_t an_npu_sim_count(const an_npu_sim *s, an_isa_queue q);

/* ------------------------------------------------------------------------ */
/* Counters                                                                 */

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

/* Chrome trace / Perfetto JSON of the last timed run (needs trace on). */
an_status an_trace_write(const an_npu_sim *s, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_SIM_H */
