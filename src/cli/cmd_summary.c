/*
** asicnn summary SPEC|CKPT: a Keras-style table of layers, output shapes,
** parameter counts and multiply-accumulates per sample.
*/
#include "cli.h"
#include "cli_model.h"
#include "cli_onnx.h"

#include "asicnn/quant.h"

#include <string.h>

static const char USAGE[] = "usage: asicnn summary model.model|model.ckpt|model.q8|model.onnx\n"
                            "\n"
                            "Print each layer with its output shape, parameters and MACs per "
                            "sample,\nthen the totals and the compile settings.\n";

/* A checkpoint starts with its magic; anything else is read as a spec. */
static int is_checkpoint(const char *path) {
    FILE *f = fopen(path, "rb");
    char magic[8] = {0};
    if (!f) return 0;
    size_t n = fread(magic, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(magic, "ANCKPT", 6) == 0;
}

int cmd_summary(int argc, char **argv) {
    const char *path = NULL;
    const cli_cmd_spec spec = {.cmd = "summary",
                               .usage = USAGE,
                               .pos = &path,
                               .min_pos = 1,
                               .max_pos = 1,
                               .needs = "needs one SPEC or CKPT file"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    if (an_q8_is_file(path)) return cmd_summary_q8(path);
    an_model m;
    an_norm norm = {0};
    an_status s;
    if (cli_is_onnx_path(path)) {
        an_onnx_model om;
        if ((s = cli_load_onnx(path, &om))) return cli_error(s);
        if (om.kind == AN_ONNX_INT8) {
            const int q = cmd_summary_onnx_q8(path, &om.qgraph);
            an_onnx_model_free(&om);
            return q;
        }
        m = om.model; /* the float model moves out of om */
        om.model = (an_model){0};
        an_onnx_model_free(&om);
    } else {
        s = is_checkpoint(path) ? cli_load_ckpt(path, &m, &norm)
            : cli_file_kind(path) == CLI_KIND_NPU
                ? an_fail(AN_ERR_FORMAT, "%s is %s: asicnn disasm shows it", path,
                          cli_kind_name(CLI_KIND_NPU))
                : an_model_load_spec(path, &m);
        if (s) return cli_error(s);
    }
    printf("Model: %s\n", path);
    printf("%-22s %-12s %-16s %12s %14s\n", "Layer", "Type", "Output shape", "Params", "MACs");
    printf("%.*s\n", 80,
           "=================================================================="
           "==============");
    int64_t macs = 0;
    for (int i = 0; i < m.n_nodes; i++) {
        const an_node *n = &m.nodes[i];
        char shape[48], type[32];
        if (n->h == 1 && n->w == 1)
            snprintf(shape, sizeof shape, "(None, %d)", n->c);
        else
            snprintf(shape, sizeof shape, "(None, %d, %d, %d)", n->h, n->w, n->c);
        snprintf(type, sizeof type, "%s%s%s", AN_OP_NAME[n->op], n->act ? "+" : "",
                 n->act ? AN_ACT_NAME[n->act] : "");
        int64_t p = n->n_w + n->n_b + (n->op == AN_OP_BATCHNORM ? 2 * n->c : 0);
        int64_t mac = an_node_macs(&m, n);
        macs += mac;
        printf("%-22s %-12s %-16s %12lld %14lld\n", n->name, type, shape, (long long)p,
               (long long)mac);
    }
    printf("%.*s\n", 80,
           "=================================================================="
           "==============");
    printf("Total params: %lld (trainable %lld)\n", (long long)m.n_params,
           (long long)m.n_trainable);
    printf("Total MACs per sample: %lld\n", (long long)macs);
    printf("Compile: optimizer=%s lr=%g loss=%s%s\n", AN_OPTIM_NAME[m.cfg.optimizer], m.cfg.lr,
           AN_LOSS_NAME[m.cfg.loss], m.cfg.metric_accuracy ? " metrics=accuracy" : "");
    an_norm_free(&norm);
    an_model_free(&m);
    return 0;
}
