/*
** The Verilator harness's C interface: runs one program on the Verilated
** an_npu (hw/rtl) with a DRAM model (three channels, one per queue, each
** answering a beat a cycle after a fixed latency), feeding instructions in
** program order and handing HOST instructions to a callback. Built only
** when CMake finds Verilator (ASICNN_HAVE_RTL).
*/
#ifndef AN_RTL_SHIM_H
#define AN_RTL_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The chip the model was built for (from its configuration file). */
typedef struct an_rtl_chip {
    const char *name;
    int rows, cols, insn_depth, token_depth;
    int64_t act_bytes, wgt_bytes, acc_bytes;
    int dram_latency; /* cycles from a DRAM request to its answer */
    double dram_bpc;  /* bytes per DRAM beat (one beat a cycle) */
    int dram_burst;   /* burst bytes */
} an_rtl_chip;
const an_rtl_chip *an_rtl_shim_chip(void);

/* Runs host operator idx on dram; 0 on success. */
typedef int (*an_rtl_host_fn)(void *ctx, int idx, uint8_t *dram);

typedef struct an_rtl_job {
    const uint8_t *insns; /* [n_insns * 32] little-endian words */
    int64_t n_insns;
    uint8_t *dram; /* [dram_size], updated in place */
    int64_t dram_size;
    an_rtl_host_fn host;
    void *host_ctx;
    const char *vcd;       /* trace file or NULL */
    int64_t vcd_from;      /* trace cycles [vcd_from, vcd_to) counted from reset release */
    int64_t vcd_to;        /* <= 0: to the end */
    int64_t vcd_max;       /* bytes the trace may reach; <= 0: no limit */
    int64_t expect_cycles; /* the run's length if known (the estimate), else 0 */
    int64_t max_cycles;    /* give up after this many */
    /* out */
    int64_t cycles, insns_done;
    int64_t vcd_bytes;           /* the trace's size */
    int64_t vcd_first, vcd_last; /* the cycles it holds (vcd_last < vcd_first: none) */
    int vcd_over;                /* 1: stopped at vcd_max (measured or estimated), trace removed */
    char err[256];               /* set when the return is nonzero */
} an_rtl_job;

/* 0 on success; nonzero with job->err set. With vcd_max set, the trace is
** measured after its first cycles and extrapolated to the window (or to
** expect_cycles); a trace that would pass vcd_max, or that does, stops the
** run at once: vcd_over set, the file removed, vcd_bytes the estimate. */
int an_rtl_shim_run(an_rtl_job *job);

#ifdef __cplusplus
}
#endif
#endif
