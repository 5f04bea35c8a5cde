/*
** asicnn quant: post-training int8 quantization (calibration, the TFLite
** int8 scheme), the int8 graph and its file (.q8), and the integer
** reference engine: the golden model every backend must match bit for bit.
**
** Contract
** - real = scale * (q - zero_point). Weights are int8, symmetric per output
**   channel (zero point 0, range [-127, 127]); activations are int8,
**   asymmetric per tensor; biases are int32 at scale in_scale * w_scale[c]
**   with the input zero-point term folded in.
** - The int8 graph (an_q_graph) holds every integer the engine needs
**   (weights, biases, multipliers, shifts, zero points, clamps); the float
**   scales are kept for reporting and dequantizing the output only. Nothing
**   downstream re-derives integers from floats.
** - The integer semantics of every op (rounding, padding, clamps) are
**   defined in docs/quantization.md; requantization is gemmlowp's
**   SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT.
** - AN_Q_REF runs plain integer loops (the golden model); AN_Q_FAST (AVX-512
**   VNNI, else AVX2, else scalar kernels, chosen at run time; OpenMP) and
**   each of those paths forced must equal it bit for bit on every input.
*/
#ifndef ASICNN_QUANT_H
#define ASICNN_QUANT_H

#include "asicnn/core.h"
#include "asicnn/data.h"
#include "asicnn/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Integer arithmetic (gemmlowp / TFLite reference semantics, bit-exact)     */

/* gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to
** nearest (ties toward +infinity, from its nudge and truncating division);
** INT32_MIN * INT32_MIN saturates to INT32_MAX. */
int32_t an_q_srdhm(int32_t a, int32_t b);

/* gemmlowp RoundingDivideByPOT: round(x / 2^exponent), ties away from zero;
** exponent in [0, 31]. */
int32_t an_q_rdbpot(int32_t x, int exponent);

/* TFLite MultiplyByQuantizedMultiplier: x * multiplier * 2^shift / 2^31 with
** the left part of shift (max(shift,0), saturating to int32) applied before
** the high multiply and the right part (max(-shift,0)) after it.
** shift in [-31, 30]. */
int32_t an_q_mul_by_quantized(int32_t x, int32_t multiplier, int shift);

/* TFLite QuantizeMultiplier: real = multiplier * 2^shift / 2^31 with the
** multiplier in [2^30, 2^31) (or 0 for real == 0). real must be finite and
** >= 0; too small values give (0, 0), too large ones fail. */
an_status an_q_quantize_multiplier(double real, int32_t *multiplier, int *shift);

/* The TFLite int8 add's multipliers and shifts (input 0, input 1, output)
** from the scales of its two inputs and its output: both inputs are scaled
** by 1 / (2 * max scale) after a left shift of AN_Q_ADD_LEFT_SHIFT, the sum
** back to the output scale. AN_ERR_UNSUPPORTED when the output scale is too
** small for an int8 requantization (a shift above 0). */
an_status an_q_add_params(double in0_scale, double in1_scale, double out_scale, int32_t mult[3],
                          int32_t shift[3]);

/* round(x), halves away from zero, saturated to int32. */
int32_t an_q_round_sat32(double x);

/* ------------------------------------------------------------------------ */
/* The int8 graph                                                           */

typedef enum an_q_op {
    AN_Q_CONV2D = 0, /* conv, bias, requant, clamp */
    AN_Q_DENSE,      /* dense, bias, requant, clamp */
    AN_Q_MAXPOOL,    /* max over the valid cells; same scale/zp as its input */
    AN_Q_AVGPOOL,    /* rounded mean of the valid cells; same scale/zp */
    AN_Q_ADD,        /* TFLite int8 add: both inputs rescaled, summed, requantized */
    AN_Q_FLATTEN,    /* reshape to a vector (NHWC order: a copy) */
    AN_Q_OP_COUNT
} an_q_op;

extern const char *const AN_Q_OP_NAME[AN_Q_OP_COUNT];

#define AN_Q_NAME_MAX 48
/* Left shift applied to both add inputs before rescaling (TFLite: 20). */
#define AN_Q_ADD_LEFT_SHIFT 20

/* One op. Tensor ids: 0 is the graph input, layer i writes tensor i + 1, and
** a layer reads only tensors of lower ids. Shapes are per sample, HWC. */
typedef struct an_q_layer {
    an_q_op op;
    char name[AN_Q_NAME_MAX];       /* float node it came from, e.g. "conv2d_1" */
    char float_node[AN_Q_NAME_MAX]; /* float node whose output this approximates
                                       (after fused batchnorm / relu) */
    int32_t in[2];                  /* input tensor ids; in[1] = -1 unless add */
    int32_t h, w, c;                /* output shape */
    int32_t kh, kw, sh, sw, pt, pl; /* conv/pool window, strides, leading padding */
    /* conv2d: channel groups G (1: an ordinary conv; every other op has 1).
    ** in_c % G == 0 and c % G == 0; output channel oc reads the in_c/G input
    ** channels from (oc / (c/G)) * (in_c/G); depthwise is G == in_c. */
    int32_t groups;
    float scale;              /* output scale (reporting, dequantizing) */
    int32_t zero_point;       /* output zero point, [-128, 127] */
    int32_t act_min, act_max; /* output clamp (conv, dense, add) */
    /* conv2d and dense: K = kh*kw*(in_c/groups) (conv) or in size (dense) */
    int32_t k;       /* reduction length */
    int8_t *weights; /* conv [c][kh][kw][in_c/groups] (OHWI), dense [c][k]; owned */
    int32_t *bias;   /* [c] int32 bias with -in_zp * sum(w[oc]) folded in; owned */
    int32_t *mult;   /* [c] requant multiplier, [2^30, 2^31) or 0; owned */
    int32_t *shift;  /* [c] requant shift (power of two), [-31, 30]; owned */
    float *w_scale;  /* [c] weight scales (reporting); owned */
    /* add: out = clamp(MBQM(MBQM(a<<20, m0, s0) + MBQM(b<<20, m1, s1), m2, s2) + zp) */
    int32_t add_mult[3];  /* input 0, input 1, output */
    int32_t add_shift[3]; /* input 0, input 1, output */
} an_q_layer;

/* The graph input: how a raw sample (the data set's values before any
** normalisation, e.g. pixels 0..255) becomes int8:
**   q[f] = clamp(round_half_away(raw[f] * in_mul[f or 0] + in_add[f or 0]), -128, 127)
** computed in float32. The checkpoint's normalisation is folded in: for
** pixels scaled by 1/255 it is in_mul 1, in_add -128 (exact), scale 1/255,
** zero point -128. */
typedef struct an_q_input {
    int32_t h, w, c;
    float scale;
    int32_t zero_point;
    int64_t n_affine; /* 1 (one pair for every feature) or h*w*c */
    float *in_mul;    /* [n_affine]; owned */
    float *in_add;    /* [n_affine]; owned */
} an_q_input;

typedef struct an_q_graph {
    an_q_input input;
    an_q_layer *layers; /* [n_layers]; the last one is the output (logits) */
    int n_layers;
    char source[256]; /* file or checkpoint it came from, for messages */
    char calib[64];   /* how it was calibrated, e.g. "entropy, 1000 images" */
    /* the CSV options of the data it was trained and calibrated on
    ** (an_csv_options_format); "" when none were recorded */
    char data_opts[AN_CSV_OPTS_MAX];
} an_q_graph;

void an_q_graph_free(an_q_graph *g);

/* The descriptor (shape, scale, zero point; int8) of tensor t (0 = input). */
an_tensor an_q_tensor_info(const an_q_graph *g, int t);
int64_t an_q_tensor_size(const an_q_graph *g, int t);

/* Check every field (ids, shapes, ranges, accumulator bounds); errors name
** the source, layer and field. Called by the loader and the quantizer. */
an_status an_q_graph_validate(const an_q_graph *g);

/* Map raw samples x [n, features] to int8 q [n, features]. */
void an_q_quantize_input(const an_q_graph *g, const float *x, int64_t n, int8_t *q);

/* ------------------------------------------------------------------------ */
/* .q8 files: versioned, little-endian, CRC32, written atomically.          */

an_status an_q8_save(const char *path, const an_q_graph *g);
/* The bytes an_q8_save would write, into a malloc'd *buf of *n bytes. */
an_status an_q8_encode(const an_q_graph *g, uint8_t **buf, size_t *n);
an_status an_q8_load(const char *path, an_q_graph *g);
/* Parse an in-memory image of a .q8 file; name is for messages. */
an_status an_q8_parse(const uint8_t *buf, size_t n, const char *name, an_q_graph *g);
/* True when the first bytes of path are the .q8 magic. */
int an_q8_is_file(const char *path);

/* ------------------------------------------------------------------------ */
/* Engines                                                                  */

typedef enum an_q_impl {
    AN_Q_IMPL_REF = 0,     /* plain integer loops: the golden model */
    AN_Q_IMPL_FAST,        /* the fast path on the best kernels this CPU runs */
    AN_Q_IMPL_FAST_SCALAR, /* the fast path with its SIMD turned off */
    AN_Q_IMPL_FAST_AVX2,   /* int16 madd kernels (AVX2) */
    AN_Q_IMPL_FAST_VNNI,   /* u8 x s8 vpdpbusd kernels (AVX-512 VNNI) */
    AN_Q_IMPL_COUNT
} an_q_impl;

extern const char *const AN_Q_IMPL_NAME[AN_Q_IMPL_COUNT];

/* Whether the fast path uses AVX2 on this CPU. */
int an_q_fast_has_avx2(void);
/* The kernels impl runs on this CPU: "AVX-512 VNNI", "AVX2" or "scalar"
** (AN_Q_IMPL_FAST: the best one present); NULL when the CPU lacks them
** (creating such an engine fails) or for the reference. */
const char *an_q_fast_path(an_q_impl impl);

typedef struct an_q_engine an_q_engine;

/* Buffers for batches up to max_batch (every tensor kept, for inspection). */
an_status an_q_engine_create(an_q_engine **out, const an_q_graph *g, int max_batch, an_q_impl impl);
void an_q_engine_free(an_q_engine *e);

/* Run B int8 samples x [B, input size]; returns the output tensor
** [B, output size] (int8 logits). */
const int8_t *an_q_engine_run(an_q_engine *e, const int8_t *x, int B);

/* Tensor t of the last run: [B, an_q_tensor_size(g, t)]. */
const int8_t *an_q_engine_tensor(const an_q_engine *e, int t);

/* One sample through a pooling or add layer with the reference kernels,
** outside any graph (what a host runs between a chip's instructions): in[0]
** and x[0] describe its input, in[1] and x[1] an add's second one; y gets
** the l->h x l->w x l->c output. Other ops write nothing. */
void an_q_ref_layer(const an_q_layer *l, const an_tensor in[2], const int8_t *const x[2],
                    int8_t *y);

/* Index of the largest int8 logit (the first on ties). */
int an_q_argmax(const int8_t *logits, int n);

/* ------------------------------------------------------------------------ */
/* Calibration and quantization                                             */

typedef enum an_calib_method {
    AN_CALIB_MINMAX = 0, /* observed min/max (optionally a moving average) */
    AN_CALIB_PERCENTILE, /* histogram percentile, e.g. 99.99% */
    AN_CALIB_ENTROPY,    /* TensorRT KL-divergence threshold */
    AN_CALIB_COUNT
} an_calib_method;

extern const char *const AN_CALIB_NAME[AN_CALIB_COUNT]; /* "min-max", ... */

typedef struct an_calib_opts {
    an_calib_method method;
    int64_t images;       /* calibration samples (the first of the set); 0 = all */
    double percentile;    /* percentile method, in (50, 100]; default 99.99 */
    double ma;            /* min-max moving-average constant in (0, 1]; 0 = off */
    double entropy_floor; /* entropy: never clip below this percentile (default
                             99.9; 0 = pure KL, see calib.c) */
    int batch;            /* calibration batch (the moving average is per batch) */
    int bins;             /* histogram bins (percentile, entropy); default 2048 */
} an_calib_opts;

an_calib_opts an_calib_defaults(void);

/* A calibrated range per float node, [lo, hi] with lo <= 0 <= hi. */
typedef struct an_calib_range {
    float lo, hi;
} an_calib_range;

/* Observe every node of m on the first o->images samples of ds (normalised
** as the model expects) and choose a range per node: ranges [m->n_nodes].
** The output node gets a range fitted to its argmax (see calib.c). */
an_status an_calibrate(an_model *m, const an_dataset *ds, const an_calib_opts *o,
                       an_calib_range *ranges);

/* One-sided entropy / percentile thresholds over a histogram hist [bins]
** covering [0, width * bins) (exposed for tests). */
double an_calib_entropy_threshold(const double *hist, int bins, double width, int levels);
double an_calib_percentile_threshold(const double *hist, int bins, double width, double pct);

/* Build the int8 graph of m from per-node ranges: batchnorm folded into the
** conv/dense before it, relu/relu6 fused as clamps, dropout removed, norm
** folded into the input. */
an_status an_quantize(const an_model *m, const an_norm *norm, const an_calib_range *ranges,
                      an_q_graph *g);

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */

/* Scale and zero point of an activation range (widened to include 0):
** s = (hi - lo) / 255, zp = -128 - round(lo / s), clamped. */
void an_q_choose_qparams(float lo, float hi, float *scale, int32_t *zp);

typedef struct an_q_eval {
    int64_t n, correct;
    int classes;
    int64_t *confusion; /* [classes, classes]; owned */
    int32_t *pred;      /* [n] predicted class per sample; owned */
} an_q_eval;

/* Quantize raw samples of ds (values before normalisation) and run them
** through an engine of impl; accuracy, confusion, predictions. When check is
** not AN_Q_IMPL_COUNT, every tensor of every batch is also computed with
** that implementation and compared byte for byte (mismatches fail). */
an_status an_q_evaluate(const an_q_graph *g, const an_dataset *raw, an_q_impl impl, an_q_impl check,
                        int batch, an_q_eval *r);
void an_q_eval_free(an_q_eval *r);

/* Float model against its int8 graph on the same samples. */
typedef struct an_q_compare {
    int64_t n;
    int64_t float_correct, int8_correct, agree;
    int n_layers;
    double *sqnr_db; /* [n_layers] SQNR of each layer's dequantized output
                        against its float node (INFINITY when exact); owned */
} an_q_compare;

/* Run norm_ds (normalised, for the float model m) and raw_ds (the same
** samples before normalisation, for g) through both models. */
an_status an_q_compare_models(an_model *m, const an_q_graph *g, const an_dataset *norm_ds,
                              const an_dataset *raw_ds, an_q_impl impl, int batch, an_q_compare *r);
void an_q_compare_free(an_q_compare *r);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_QUANT_H */
