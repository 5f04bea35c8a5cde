/*
** Differential testing of the whole chain: random int8 graphs x random chip
** configurations, each compiled, run on the simulator (timing on) and
** compared layer by layer with the integer reference engine.
**
** Contract
** - A case (ch_case) is a structural description: input shape and
**   quantization, a list of layers with their geometry and a seed for their
**   parameters, the chip and the compile options. ch_build turns it into an
**   an_q_graph deterministically; a description whose shapes do not fit
**   (after shrinking) is rejected with CH_BUILD_INVALID, never built.
** - ch_check runs one case in a child process (a crash or a hang is a
**   verdict, not the end of the run) and classifies it: pass, a "cannot
**   run" compile error the generator expected, or a bug (unexpected
**   compile error, loader rejection, simulator error, mismatch with the
**   reference, crash, timeout).
** - ch_shrink reduces a failing case (drop layers, shrink shapes, channels,
**   chip and batch) while it fails the same way.
** - Regression files: NAME.q8 (the graph), NAME.json (the chip, usable with
**   `asicnn compile --chip`), NAME.txt (compile options, input seed and the
**   failure it was found with). ch_replay runs one.
*/
#ifndef ASICNN_CHAIN_H
#define ASICNN_CHAIN_H

#include "asicnn/npu.h"

#define CH_MAX_LAYERS 24

/* Extreme quantization flavours of a layer (bits of ch_layer.qx). */
enum {
    CH_QX_MULT = 1,    /* multipliers at 2^30, 2^31 - 1 or 0 */
    CH_QX_SHIFT = 2,   /* shifts at the ends of their range */
    CH_QX_ZP = 4,      /* output zero point -128 or 127 */
    CH_QX_WEIGHTS = 8, /* weights all +-127 */
    CH_QX_BIAS = 16,   /* biases at the accumulator bound */
    CH_QX_CLAMP = 32,  /* a random (possibly one-value) output clamp */
    CH_QX_ALL = 63
};

typedef struct ch_layer {
    int op;             /* an_q_op */
    int in0, in1;       /* input tensor ids (in1 for add, else -1) */
    int c;              /* conv/dense output channels */
    int groups;         /* conv: 0 or 1 ordinary, G > 1 channel groups, -m depthwise (groups =
                           input channels, m outputs each; c follows the input) */
    int kh, kw, sh, sw; /* conv/pool window and strides */
    int pt, pl, pb, pr; /* padding (leading, trailing); the output size follows */
    int act;            /* 0 none, 1 relu, 2 relu6 */
    int qx;             /* CH_QX_* bits */
    uint32_t seed;      /* parameters of this layer */
} ch_layer;

typedef struct ch_case {
    uint64_t seed; /* the seed it was generated from (names) */
    int h, w, c;   /* input shape */
    int in_zp;     /* input zero point */
    float in_scale;
    ch_layer layer[CH_MAX_LAYERS];
    int n;
    an_npu_config chip;
    int batch;
    int conv;          /* an_npu_conv_choice */
    uint32_t host_ops; /* bit (1 << an_q_op) */
    int no_fuse;
    uint32_t input_seed; /* the int8 input samples */
    int expect_error;    /* 0, or the CH_EXPECT_* the generator planted */
    int rtl;             /* also run on the Verilated RTL (its chip only) */
} ch_case;

/* Compile errors a case is generated to provoke. */
enum { CH_EXPECT_NONE = 0, CH_EXPECT_CONV_ON_HOST, CH_EXPECT_BATCH };

/* A random case from seed (deterministic). */
void ch_generate(uint64_t seed, ch_case *k);

/* Retarget k to the chip the RTL model of this build was made for (and no
** host ops), so that it also runs on the RTL; 0 when the build has none. */
int ch_use_rtl(ch_case *k);

/* Build the graph of k (g owned by the caller: an_q_graph_free). */
enum { CH_BUILD_OK = 0, CH_BUILD_INVALID };
int ch_build(const ch_case *k, an_q_graph *g);

/* Verdicts, in the order a run reaches them. */
typedef enum ch_verdict {
    CH_PASS = 0,
    CH_EXPECTED, /* a "cannot run" error the generator planted */
    CH_INVALID,  /* the description does not build (shrinking only) */
    CH_BUG_GEN,  /* the generated graph or chip fails validation: a tester bug */
    CH_BUG_COMPILE,
    CH_BUG_LOAD, /* the compiled executable fails its own validation */
    CH_BUG_SIM,  /* the simulator returned an error */
    CH_BUG_MISMATCH,
    CH_BUG_RTL, /* the RTL differs from the simulator (DRAM or cycles) */
    CH_BUG_CRASH,
    CH_BUG_TIMEOUT,
    CH_VERDICT_COUNT
} ch_verdict;
extern const char *const CH_VERDICT_NAME[CH_VERDICT_COUNT];

typedef struct ch_result {
    ch_verdict v;
    char msg[512];
} ch_result;

/* Whether a verdict is a bug. */
static inline int ch_is_bug(ch_verdict v) {
    return v >= CH_BUG_GEN;
}

/* Run graph g (already built) with the options and chip of k, in this
** process: validate, compile, round-trip the executable through its
** loader, run on the simulator with timing on, compare every layer that
** reaches DRAM (and the fast engine) with the reference engine run on ref
** (NULL: g itself; another graph of the same shapes checks that a
** difference is caught). */
void ch_run_graph(const ch_case *k, const an_q_graph *g, const an_q_graph *ref, ch_result *r);

/* ch_build + a .q8 round trip + ch_run_graph in a child process, with a
** watchdog of timeout_s seconds. */
void ch_check(const ch_case *k, int timeout_s, ch_result *r);

/* Whether two failures are the same bug (same verdict and, for compile
** errors, the same kind of message). */
int ch_same_failure(const ch_result *a, const ch_result *b);

/* Shrink k in place while it fails like *r (at most max_tries checks);
** returns the number of successful reductions and leaves the final
** failure in *r. */
int ch_shrink(ch_case *k, ch_result *r, int timeout_s, int max_tries);

/* Write the regression files dir/name.{q8,json,txt} for a (shrunk) case. */
an_status ch_write_repro(const ch_case *k, const ch_result *r, const char *dir, const char *name);
/* Read the regression whose .txt is at txt_path: the case's options and
** chip into k (k->n = 0: no description) and its graph into g. */
an_status ch_read_repro(const char *txt_path, ch_case *k, an_q_graph *g);
/* Replay the regression whose .txt is at path (its .q8 and .json beside
** it), in a child process. */
void ch_replay(const char *txt_path, int timeout_s, ch_result *r);

/* Check the checker: a crash, a hang and a changed reference must each be
** caught; returns 1 when they are (why says what happened). */
int ch_self_test(char *why, size_t n);

/* One line describing a case (layers, chip, options) into buf. */
const char *ch_describe(const ch_case *k, char *buf, size_t n);

#endif /* ASICNN_CHAIN_H */
