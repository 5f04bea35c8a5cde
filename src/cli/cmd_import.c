/*
** asicnn import model.onnx -o OUT: an ONNX model into a checkpoint (float
** models) or a .q8 int8 graph (QDQ / QOperator models). Also the ONNX part
** of `asicnn summary model.onnx`.
*/
#include "cli.h"
#include "cli_model.h"
#include "cli_onnx.h"

#include <string.h>

static const char USAGE[] =
    "usage: asicnn import model.onnx -o OUT [--norm auto|255|none]\n"
    "\n"
    "Import an ONNX model (opsets 9 to 17). A float model becomes a checkpoint\n"
    "(OUT, e.g. model.ckpt) with an equivalent model spec, ready for eval,\n"
    "predict, quantize and further training; a quantized model (QDQ or\n"
    "QLinearConv / QLinearMatMul) becomes an int8 graph (OUT, e.g. model.q8)\n"
    "with its integers taken as they are. A final Softmax is dropped: asicnn\n"
    "models output logits.\n";
static const char NOTES[] =
    "Unsupported models fail with every unsupported node and attribute listed.\n";

int cmd_import(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    an_onnx_opts o = an_onnx_defaults();
    int norm = 0;
    const cli_opt_def opts[] = {{.name = "--output",
                                 .alias = "-o",
                                 .kind = CLI_STR,
                                 .dst = &out,
                                 .meta = "OUT",
                                 .help = "file to write: .ckpt for a float model, .q8 for a\n"
                                         "quantized one (another extension is refused)"},
                                {.name = "--norm",
                                 .kind = CLI_ENUM,
                                 .dst = &norm,
                                 .choices = "auto|255|none",
                                 .meta = "MODE",
                                 .help =
                                     "what the model's input is: 255 (pixels / 255), none (the\n"
                                     "data set's raw values) or auto (default): the\n"
                                     "normalisation an asicnn export carries, else 255 for an\n"
                                     "image input and none for a vector; recorded in OUT"},
                                {0}};
    const cli_cmd_spec spec = {
        .cmd = "import", .usage = USAGE, .notes = NOTES, .opts = opts, .pos = &in, .max_pos = 1};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    if (!in || !out) return cli_usage("import", "needs model.onnx and -o OUT");
    o.auto_norm = norm == 0;
    o.norm = norm == 1 ? AN_NORM_SCALE255 : AN_NORM_NONE;
    an_onnx_model m;
    an_status s = cli_check_output(out);
    if (s) return cli_error(s);
    s = an_onnx_import(in, &o, &m);
    if (s) return cli_error(s);
    const int is_float = m.kind == AN_ONNX_FLOAT; /* read before the model is freed */
    const char *want = is_float ? ".ckpt" : ".q8";
    if (!cli_ends_with(out, want)) {
        an_onnx_model_free(&m);
        return cli_usage("import", "%s holds a %s model: its import is %s; name the output *%s", in,
                         is_float ? "float" : "quantized",
                         is_float ? "a checkpoint" : "an int8 graph", want);
    }
    if (m.kind == AN_ONNX_FLOAT) {
        an_ckpt_extra x = {.norm = m.norm};
        snprintf(x.data_opts, sizeof x.data_opts, "%s", m.data_opts);
        s = an_ckpt_save(out, &m.model, &x);
    } else {
        snprintf(m.qgraph.data_opts, sizeof m.qgraph.data_opts, "%s", m.data_opts);
        s = an_q8_save(out, &m.qgraph);
    }
    if (!s) {
        printf("imported %s (opset %d, %s): %d ONNX nodes -> %d %s layers%s\n", in, m.opset,
               m.producer[0] ? m.producer : "unknown producer", m.n_onnx_nodes,
               m.kind == AN_ONNX_FLOAT ? m.model.n_nodes - 1 : m.qgraph.n_layers,
               m.kind == AN_ONNX_FLOAT ? "float" : "int8",
               m.softmax_dropped ? "; final Softmax dropped (outputs are logits)" : "");
        static const char *const NORM[] = {"none (raw values)", "x / 255", "(x - mean) / std"};
        if (m.kind == AN_ONNX_INT8 && m.norm_in_file)
            printf("input map: the exported .q8's, as the file records it\n");
        else
            printf("input normalisation: %s, %s\n", NORM[m.norm.mode],
                   m.norm_in_file ? "as the file records it"
                   : o.auto_norm  ? (m.norm.mode ? "as for an image input (--norm none if not)"
                                                 : "as for a vector input (--norm 255 if pixels)")
                                  : "as --norm says");
        if (m.data_opts[0]) printf("data options: %s\n", m.data_opts);
        printf("wrote %s\n", out);
    }
    an_onnx_model_free(&m);
    return s ? cli_error(s) : 0;
}

int cli_is_onnx_path(const char *path) {
    size_t n = strlen(path);
    return n > 5 && strcmp(path + n - 5, ".onnx") == 0;
}

an_status cli_load_onnx(const char *path, an_onnx_model *m) {
    an_onnx_opts o = an_onnx_defaults();
    an_status s = an_onnx_import(path, &o, m);
    if (!s)
        printf("ONNX: opset %d, IR version %d, producer %s, %d nodes%s\n", m->opset, m->ir_version,
               m->producer[0] ? m->producer : "unknown", m->n_onnx_nodes,
               m->softmax_dropped ? "; final Softmax dropped (outputs are logits)" : "");
    return s;
}

int cmd_summary_onnx_q8(const char *path, const an_q_graph *g) {
    printf("Int8 graph from %s\n", path);
    printf("input %dx%dx%d, scale %g, zero point %d\n", g->input.h, g->input.w, g->input.c,
           (double)g->input.scale, g->input.zero_point);
    printf("%-28s %-8s %-14s %12s %6s\n", "Layer", "Op", "Output shape", "Scale", "Zp");
    for (int i = 0; i < g->n_layers; i++) {
        const an_q_layer *l = &g->layers[i];
        char shape[48];
        snprintf(shape, sizeof shape, "%dx%dx%d", l->h, l->w, l->c);
        printf("%-28s %-8s %-14s %12g %6d\n", l->name, AN_Q_OP_NAME[l->op], shape, (double)l->scale,
               l->zero_point);
    }
    return 0;
}
