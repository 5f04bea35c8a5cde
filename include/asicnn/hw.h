/*
** asicnn hw: the chip in Verilog. The generator writes the Verilog header
** (an_params.vh) that the RTL in hw/rtl includes: the chip configuration's
** numbers and every instruction field's position, all taken from
** an_npu_config and AN_ISA_FIELDS, so nothing is typed twice. The synthesis
** drivers run Yosys and OpenSTA on the RTL and parse their reports. The rtl
** backend runs an executable on the Verilated RTL (when Verilator was found
** at build time).
**
** Contract
** - Library calls return an_status with a message; they never print.
** - The header is a pure function of the configuration: the same config
**   gives the same bytes.
*/
#ifndef ASICNN_HW_H
#define ASICNN_HW_H

#include "asicnn/npu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The Verilog header for chip c as a malloc'd string. */
an_status an_hw_params_text(const an_npu_config *c, char **text);

/* Write DIR/an_params.vh (creating DIR) for chip c. */
an_status an_hw_gen(const an_npu_config *c, const char *dir);

/* ---- synthesis (src/hw/synth*.c) ---- */

typedef enum an_hw_target { AN_HW_ASIC = 0, AN_HW_XC7Z020 } an_hw_target;

typedef struct an_hw_synth_opts {
    an_hw_target target;
    const char *rtl_dir;   /* the RTL sources (hw/rtl) */
    const char *synth_dir; /* the scripts (hw/synth) */
    const char *out_dir;   /* work directory and report.json */
    double period_ns;      /* ASIC clock constraint */
    double activity;       /* ASIC power: switching activity per clock */
    int nodsp;             /* FPGA: no DSP48E1 */
    const char *liberty;   /* ASIC cells; NULL: the OSU 0.18 um library of qflow */
    int timeout_s;         /* per tool run; <= 0: 3600 */
    const char *vcd;       /* ASIC power: a trace of the rtl backend (`run --vcd`) whose
                              per-register toggles drive a second power report; NULL none */
} an_hw_synth_opts;

/* Synthesize chip c with Yosys (and OpenSTA for the ASIC) run as child
** processes in out_dir; returns the JSON report (docs/hw.md) as a malloc'd
** string in *json. A missing tool is AN_ERR_UNSUPPORTED; a tool that fails,
** times out or reports an error is AN_ERR_IO naming its log. */
an_status an_hw_synth(const an_npu_config *c, const an_hw_synth_opts *o, char **json);

/* ---- the rtl backend (src/hw/rtl_backend.c) ---- */

/* Whether this build has a Verilated model for chip c (by configuration
** name and numbers); *names lists the configurations it has. */
int an_hw_rtl_available(const an_npu_config *c, const char **names);

/* A VCD trace of a run: the cycles [from, to) counted from reset release
** (to <= 0: to the end). A trace that would pass max_bytes (<= 0: no limit),
** by its size extrapolated from its first cycles or by its size so far,
** stops the run with AN_ERR_RANGE and is removed. */
typedef struct an_hw_vcd {
    const char *path;
    int64_t from, to;
    int64_t max_bytes;
} an_hw_vcd;
#define AN_HW_VCD_MAX_MB 256 /* the CLI's default limit */

typedef struct an_hw_rtl_result {
    int64_t cycles;              /* clock cycles of the run (reset released to done) */
    int64_t insns;               /* instructions the chip executed */
    double seconds;              /* wall time inside the model */
    int64_t vcd_bytes;           /* the trace's size (over the limit: its estimate) */
    int64_t vcd_first, vcd_last; /* the cycles the trace holds */
} an_hw_rtl_result;

/* Run exe's program once on the RTL. dram holds exe->dram_size bytes: the
** initial image in, the final image out. vcd (may be NULL) asks for a trace;
** a window that starts past the run's last cycle is AN_ERR_RANGE before
** anything runs. */
an_status an_hw_rtl_run(const an_npu_exe *x, uint8_t *dram, const an_hw_vcd *vcd,
                        an_hw_rtl_result *r);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_HW_H */
