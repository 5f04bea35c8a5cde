/*
** asicnn nn: float models as graphs, the Keras-like model spec, training,
** evaluation and checkpoints.
**
** Contract
** - A model is a DAG of nodes kept in topological order (an input always
**   precedes its users), so branching models (residual add) need nothing
**   special. Each node holds its attributes, its inferred per-sample output
**   shape (H x W x C; a vector is 1 x 1 x N) and the offsets of its
**   parameters inside one flat parameter buffer.
** - Tensors are NHWC, batch first; conv kernels are HWIO, dense kernels
**   [in][out] (the Keras layouts).
** - Spec and shape errors name the file, line and node ("seed.model:5:
**   dense_1: input is 5x5x64 (3-D); add 'flatten' before 'dense'").
** - Training is deterministic for a given seed and thread count.
*/
#ifndef ASICNN_NN_H
#define ASICNN_NN_H

#include "asicnn/core.h"
#include "asicnn/data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Graph                                                                    */

typedef enum an_op {
    AN_OP_INPUT = 0,
    AN_OP_CONV2D,
    AN_OP_MAXPOOL,
    AN_OP_AVGPOOL,
    AN_OP_DENSE,
    AN_OP_FLATTEN,
    AN_OP_DROPOUT,
    AN_OP_RELU,
    AN_OP_RELU6,
    AN_OP_BATCHNORM,
    AN_OP_ADD,
    AN_OP_COUNT
} an_op;

extern const char *const AN_OP_NAME[AN_OP_COUNT]; /* spec keywords: "conv2d", ... */

/* Activation fused into conv2d / dense (Keras `activation=`). */
typedef enum an_act { AN_ACT_NONE = 0, AN_ACT_RELU, AN_ACT_RELU6, AN_ACT_COUNT } an_act;
extern const char *const AN_ACT_NAME[AN_ACT_COUNT];

#define AN_NODE_NAME_MAX 48
/* an_node.same for explicit padding (spec `pad=T,L,B,R`): pt, pl, pb, pr are
** given, each smaller than the window, and the output is
** (in + before + after - k) / stride + 1 (ONNX / PyTorch semantics). */
#define AN_PAD_EXPLICIT 2
#define AN_MAX_INPUTS   2

typedef struct an_node {
    an_op op;
    char name[AN_NODE_NAME_MAX]; /* unique, e.g. "conv2d_1" */
    int line;                    /* spec line that defined it (0: none) */
    int n_inputs;
    int inputs[AN_MAX_INPUTS]; /* node indices, all < this node's index */
    an_act act;
    /* attributes */
    int units;           /* conv2d filters / dense units */
    int groups;          /* conv2d channel groups (1: ordinary; the input's channels:
                            depthwise); 1 for every other op */
    int depthwise;       /* conv2d from depthwise_conv2d: units and groups are the
                            input's channels (set when shapes are inferred) */
    int kh, kw;          /* conv kernel or pool window */
    int sh, sw;          /* strides */
    int same;            /* padding: 0 valid, 1 same, AN_PAD_EXPLICIT (pad=) */
    float rate;          /* dropout rate */
    float eps, momentum; /* batchnorm */
    /* inferred output shape, per sample */
    int h, w, c;
    int pt, pl; /* leading padding (same, or explicit) */
    int pb, pr; /* trailing padding (explicit only; same/valid derive it) */
    /* parameters: offsets into an_model.params, -1 when absent */
    int64_t w_off, b_off;   /* conv/dense kernel and bias; batchnorm gamma/beta */
    int64_t rm_off, rv_off; /* batchnorm running mean / var (not trained) */
    int64_t n_w, n_b;       /* element counts */
} an_node;

static inline int64_t an_node_size(const an_node *n) {
    return (int64_t)n->h * n->w * n->c;
}

typedef enum an_optim_kind { AN_OPTIM_SGD = 0, AN_OPTIM_ADAM, AN_OPTIM_COUNT } an_optim_kind;
typedef enum an_decay_kind {
    AN_DECAY_NONE = 0,
    AN_DECAY_STEP,
    AN_DECAY_COSINE,
    AN_DECAY_COUNT
} an_decay_kind;
typedef enum an_loss_kind {
    AN_LOSS_SPARSE_CCE = 0, /* sparse_categorical_crossentropy (from logits) */
    AN_LOSS_CCE,            /* categorical_crossentropy (one-hot targets, from logits) */
    AN_LOSS_COUNT
} an_loss_kind;

extern const char *const AN_OPTIM_NAME[AN_OPTIM_COUNT];
extern const char *const AN_DECAY_NAME[AN_DECAY_COUNT];
extern const char *const AN_LOSS_NAME[AN_LOSS_COUNT];

/* The spec's `compile` line. */
typedef struct an_compile_cfg {
    an_optim_kind optimizer;
    float lr;
    float momentum;              /* sgd */
    int nesterov;                /* sgd */
    float beta1, beta2, epsilon; /* adam */
    an_decay_kind decay;
    int64_t decay_steps; /* step: multiply by decay_rate every decay_steps steps;
                            cosine: anneal to 0 over decay_steps steps */
    float decay_rate;
    an_loss_kind loss;
    int metric_accuracy;
} an_compile_cfg;

typedef struct an_model {
    an_node *nodes; /* [n_nodes], topological order; nodes[0] is the input */
    int n_nodes;
    int output; /* index of the output node (the last one) */
    an_compile_cfg cfg;
    float *params; /* [n_params] all parameters, one allocation */
    int64_t n_params;
    int64_t n_trainable;
    char *spec;       /* the spec text the model was built from (embedded in checkpoints) */
    char source[256]; /* spec file name, for messages */
} an_model;

/* Parse a spec (text of a .model file) into a model with shapes inferred and
** parameters allocated (zeroed). name is used in messages ("file:line: ..."). */
an_status an_model_parse(const char *text, const char *name, an_model *m);
an_status an_model_load_spec(const char *path, an_model *m);
void an_model_free(an_model *m);

/* Keras default initialisation: Glorot uniform kernels, zero biases,
** batchnorm gamma 1 / beta 0 / running mean 0 / var 1; seeded. */
void an_model_init_params(an_model *m, uint64_t seed);

/* Multiply-accumulates of one node for one sample. */
int64_t an_node_macs(const an_model *m, const an_node *n);

/* Find a node by name; -1 when absent. */
int an_model_find(const an_model *m, const char *name);

/* ------------------------------------------------------------------------ */
/* Execution                                                                */

/* Everything needed to run forward/backward on batches up to max_batch:
** activations, gradients, scratch and optimizer state in one allocation. */
typedef struct an_exec an_exec;

an_status an_exec_create(an_exec **out, an_model *m, int max_batch, int training);
void an_exec_free(an_exec *e);

/* Forward a batch x [B, features]; returns the output node's buffer
** [B, out_size] (logits). train = 1 enables dropout and batch statistics. */
const float *an_exec_forward(an_exec *e, const float *x, int B, int train, uint64_t seed);

/* After a training forward: loss against labels [B] (or targets [B, classes]
** for categorical cross-entropy), backward, and one optimizer step.
** Returns the batch loss and writes the number of correct predictions. */
float an_exec_train_step(an_exec *e, const int32_t *labels, int B, int *n_correct);

/* Output of node i from the last forward: [B, an_node_size(node i)]
** (used by calibration to observe every intermediate tensor). */
const float *an_exec_node_output(const an_exec *e, int i);

/* Gradient of every parameter after backward (for tests): [n_params]. */
const float *an_exec_param_grads(const an_exec *e);
/* Forward + loss + backward without the optimizer step; returns the loss. */
float an_exec_loss_backward(an_exec *e, const float *x, const int32_t *labels, int B);

/* Optimizer state, for checkpoints (resume). */
int64_t an_exec_step_count(const an_exec *e);
void an_exec_set_step_count(an_exec *e, int64_t step);
float *an_exec_optim_state(an_exec *e, int64_t *n); /* [n] (adam: m then v; sgd: velocity) */

/* ------------------------------------------------------------------------ */
/* Fast float inference                                                     */

/* Which forward an inference engine runs. */
typedef enum an_f_impl {
    AN_F_IMPL_REF = 0,     /* the training executor's forward (an_exec, OpenBLAS) */
    AN_F_IMPL_FAST,        /* the fast path on the best kernels this CPU runs */
    AN_F_IMPL_FAST_SCALAR, /* the fast path with its SIMD turned off */
    AN_F_IMPL_FAST_AVX2,   /* 8-float FMA tiles (AVX2 + FMA) */
    AN_F_IMPL_FAST_AVX512, /* 16-float FMA tiles (AVX-512) */
    AN_F_IMPL_COUNT
} an_f_impl;

extern const char *const AN_F_IMPL_NAME[AN_F_IMPL_COUNT]; /* "ref", "fast", "fast-scalar", ... */

/* The kernels a fast impl runs on this CPU ("AVX-512", "AVX2", "scalar";
** AN_F_IMPL_FAST: the best one present); NULL for AN_F_IMPL_REF or when
** the CPU lacks them. */
const char *an_f_fast_path(an_f_impl impl);

/* A forward-only engine for batches up to max_batch: every weight packed
** once at creation (so it sees the parameters as they are then), every
** buffer allocated then. Outputs match the reference forward up to float
** rounding (another summation order); dropout is the identity and
** batchnorm uses its running statistics. AN_ERR_UNSUPPORTED when the CPU
** lacks the impl's kernels. */
typedef struct an_f_engine an_f_engine;

an_status an_f_engine_create(an_f_engine **out, an_model *m, int max_batch, an_f_impl impl);
void an_f_engine_free(an_f_engine *e);
/* Forward x [B, features] (B <= max_batch, on the OpenMP team size set by
** nn_set_threads or OMP_NUM_THREADS); returns the logits [B, classes], valid
** until the next run. */
const float *an_f_engine_run(an_f_engine *e, const float *x, int B);

/* ------------------------------------------------------------------------ */
/* Training and evaluation                                                  */

typedef struct an_train_opts {
    int epochs;
    int batch;
    uint64_t seed;
    int threads;
    FILE *progress;  /* NULL: silent */
    int start_epoch; /* for resume: epochs already done */
} an_train_opts;

typedef struct an_epoch_log {
    int epoch;
    float loss, acc;         /* training, averaged over the epoch */
    float val_loss, val_acc; /* -1 without validation data */
    double seconds;
    double images_per_s;
} an_epoch_log;

/* Per-epoch callback (e.g. to print or checkpoint); may be NULL. */
typedef void (*an_epoch_fn)(const an_epoch_log *log, void *ctx);

an_status an_train(an_model *m, an_exec *e, const an_dataset *train, const an_dataset *val,
                   const an_train_opts *o, an_epoch_fn on_epoch, void *ctx);

typedef struct an_eval_result {
    int64_t n;
    int64_t correct;
    double loss;
    int classes;
    int64_t *confusion; /* [classes, classes]: row = true label, col = predicted; owned */
} an_eval_result;

/* Accuracy, loss and confusion of ds on the fast inference path
** (AN_F_IMPL_FAST). */
an_status an_evaluate(an_model *m, const an_dataset *ds, int batch, int threads, an_eval_result *r);
void an_eval_result_free(an_eval_result *r);

/* Class probabilities for one sample x [features] into probs [classes]. */
an_status an_predict(an_model *m, const float *x, float *probs);

/* ------------------------------------------------------------------------ */
/* Checkpoints: magic "ANCKPT\0\0", version, the spec text, parameters,
** optional optimizer state, normalisation, CRC32; written atomically. */

typedef struct an_ckpt_extra {
    int epochs_done;
    int64_t step;
    const float *optim; /* optimizer state or NULL */
    int64_t n_optim;
    an_norm norm; /* input normalisation the model was trained with */
    /* the CSV options of its training data (an_csv_options_format), "" when
    ** none were recorded (a version 1 checkpoint) */
    char data_opts[AN_CSV_OPTS_MAX];
} an_ckpt_extra;

an_status an_ckpt_save(const char *path, const an_model *m, const an_ckpt_extra *x);
/* Load the model and x (x->norm owns its arrays: an_norm_free it). Optimizer
** state, when present and optim != NULL, is returned in *optim (malloc'd,
** caller frees) with its count in x->n_optim. */
an_status an_ckpt_load(const char *path, an_model *m, an_ckpt_extra *x, float **optim);
/* an_ckpt_load on an in-memory image of a checkpoint file; name is for
** messages. */
an_status an_ckpt_parse(const uint8_t *buf, size_t n, const char *name, an_model *m,
                        an_ckpt_extra *x, float **optim);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_NN_H */
