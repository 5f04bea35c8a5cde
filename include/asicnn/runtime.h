/*
** asicnn runtime: one backend interface that runs an executable on the
** integer reference engine, the simulator, the Verilated RTL or a GPU, and
** the device API on top of it that opens a chip, loads executables and runs
** them, synchronously or not, and reads their outputs and counters.
**
** Contract
** - Every backend runs a whole batch of x.batch int8 samples and returns
**   the same int8 logits for the same input (they are bit-exact with the
**   reference engine); a backend that cannot run a program says why before
**   anything runs.
** - A device is thread-safe; each loaded program is a private, validated
**   copy of its executable.
** - Library calls return an_status with a message; nothing prints.
*/
#ifndef ASICNN_RUNTIME_H
#define ASICNN_RUNTIME_H

#include "asicnn/hw.h"
#include "asicnn/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Backends                                                                 */

typedef enum an_backend_kind {
    AN_BACKEND_SIM = 0, /* the functional simulator with its timing model */
    AN_BACKEND_RTL,     /* the Verilated RTL (when this build has it) */
    AN_BACKEND_REF,     /* the integer reference engine on the embedded int8 graph */
    AN_BACKEND_GPU,     /* the CUDA backend on the embedded int8 graph */
    AN_BACKEND_COUNT
} an_backend_kind;

/* "sim", "rtl", "ref", "gpu". */
const char *an_backend_name(an_backend_kind k);
/* The kind named name; AN_ERR_USAGE listing the names when none is. */
an_status an_backend_by_name(const char *name, an_backend_kind *k);

/* Options of a load (zero: none). */
typedef struct an_backend_opts {
    const an_hw_vcd *vcd;           /* rtl: trace the first run */
    an_hw_rtl_result *rtl_first;    /* rtl: receives the first run's result (its trace) */
    int trace;                      /* sim: record one event per instruction (an_backend_trace) */
    const an_energy_params *energy; /* sim: the counters' energy (NULL: LPDDR4 defaults) */
} an_backend_opts;

typedef struct an_backend an_backend; /* a backend holding one loaded program */

/* AN_OK when kind k can run x, else AN_ERR_UNSUPPORTED saying why. */
an_status an_backend_supports(an_backend_kind k, const an_npu_exe *x);

/* What a backend gives besides the logits (an_backend_caps), so that a
** caller asks for figures, not for a backend by name. */
enum {
    AN_BACKEND_CAP_CYCLES = 1,      /* counters with the run's cycles */
    AN_BACKEND_CAP_PROFILE = 2,     /* counters per layer and class, with energy */
    AN_BACKEND_CAP_DRAM = 4,        /* the run's DRAM image */
    AN_BACKEND_CAP_TRACE = 8,       /* an instruction trace of the run */
    AN_BACKEND_CAP_DEVICE_TIME = 16 /* the run's time as the device measures it */
};
/* The AN_BACKEND_CAP_* flags of kind k (0 for no kind). */
unsigned an_backend_caps(an_backend_kind k);
/* The first kind, in the order of an_backend_kind, that has every flag of
** caps and supports x. When none does: AN_ERR_UNSUPPORTED, the message
** giving each backend with those flags and its reason for refusing x. */
an_status an_backend_find(unsigned caps, const an_npu_exe *x, an_backend_kind *k);
/* Load x on a backend of kind k (x must outlive it); opts may be NULL. */
an_status an_backend_load(an_backend **b, an_backend_kind k, const an_npu_exe *x,
                          const an_backend_opts *opts);
/* The name of b's kind ("sim", "rtl", "ref", "gpu"). */
const char *an_backend_get_name(const an_backend *b);
/* Run one batch: in holds x.batch samples [batch, input size]. */
an_status an_backend_run(an_backend *b, const int8_t *in);
/* The last run's logits [batch, output size]. */
an_status an_backend_output(const an_backend *b, int8_t *out);
/* The last run's DRAM image (x.dram_size bytes), NULL when the backend has
** none (ref, gpu). */
const uint8_t *an_backend_dram(const an_backend *b);
/* Counters of the last run (the caller frees with an_profile_free): the
** simulator's whole profile with energy, the RTL's cycles and instructions;
** AN_ERR_UNSUPPORTED for a backend that counts nothing. */
an_status an_backend_counters(const an_backend *b, an_profile *p);
/* The last run's Chrome trace / Perfetto JSON into path: the sim backend
** loaded with opts.trace; AN_ERR_UNSUPPORTED saying why for the others. */
an_status an_backend_trace(const an_backend *b, const char *path);
/* The last run's time as the device measures it, in ms (gpu: CUDA events
** around the kernels, the input already on the device); AN_ERR_UNSUPPORTED
** for a backend that measures none (the chip's time is its cycles). */
an_status an_backend_device_ms(const an_backend *b, double *ms);
/* What b runs on into buf (gpu: the CUDA device's name; others: the
** backend's name). */
void an_backend_device_name(const an_backend *b, char *buf, size_t n);
void an_backend_close(an_backend *b);

/* The counters of one batch of x on backend k, run on an all-zero-point
** input (cycles do not depend on the values), with energy e (NULL: LPDDR4
** defaults) where the backend counts energy; trace_path (NULL: none)
** receives the run's trace, refused before the run by a backend that
** records none. */
an_status an_backend_profile(an_backend_kind k, const an_npu_exe *x, const an_energy_params *e,
                             const char *trace_path, an_profile *p);

/* an_backend_profile on the first backend (an_backend_find) that counts a
** whole profile, records a trace when trace_path is given, and supports x;
** AN_ERR_UNSUPPORTED giving each one's reason when none does. */
an_status an_backend_profile_any(const an_npu_exe *x, const an_energy_params *e,
                                 const char *trace_path, an_profile *p);

/* A backend checked against the simulator on raw samples: accuracy, the
** logits of every batch equal, the DRAM image equal where the backend has
** one, and its cycles equal to the timing model's where it counts them; the
** first difference fails naming the batch and byte. */
typedef struct an_backend_eval {
    int64_t n, correct, equal;   /* equal: samples that matched the simulator */
    int64_t cycles;              /* the backend's cycles, all batches (0: it counts none) */
    int64_t model_cycles;        /* the timing model's cycles per batch */
    double seconds, sim_seconds; /* wall time in the backend's runs, the simulator's */
    int dram_checked;            /* 1: the DRAM images were compared, not only the logits */
} an_backend_eval;
an_status an_backend_evaluate(an_backend_kind k, const an_npu_exe *x, const an_dataset *raw,
                              const an_backend_opts *opts, an_backend_eval *r);

/* Accuracy of x on raw samples run on backend k, and (when ref is not NULL)
** equality with the reference engine of the logits and, where the backend
** has a DRAM image, of every DRAM-visible layer of every sample: the first
** difference fails with its sample, layer and element. */
typedef struct an_npu_eval {
    int64_t n, correct, equal; /* equal: samples whose every layer matched */
    int64_t insns;             /* instructions executed (0: the backend counts none) */
} an_npu_eval;
an_status an_backend_check(an_backend_kind k, const an_npu_exe *x, const an_q_graph *ref,
                           const an_dataset *raw, an_npu_eval *r);

/* ------------------------------------------------------------------------ */
/* Device API                                                               */

typedef struct an_device an_device;
typedef int32_t an_program; /* a loaded executable's handle, >= 0 */

typedef enum an_run_state { AN_RUN_IDLE = 0, AN_RUN_BUSY, AN_RUN_DONE, AN_RUN_FAILED } an_run_state;

/* Open a device for chip cfg on a backend. Thread-safe per device. */
an_status an_device_open(an_device **out, const an_npu_config *cfg, an_backend_kind backend);
void an_device_close(an_device *d);

/* Load an executable (copied; it must target the device's chip, and the
** backend must support it). Several may be loaded at once. */
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
/* Counters of the last run (the caller frees with an_profile_free), as
** an_backend_counters gives them. */
an_status an_device_counters(an_device *d, an_program prog, an_profile *p);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_RUNTIME_H */
