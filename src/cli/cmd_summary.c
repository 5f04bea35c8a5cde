/*
** asicnn summary SPEC|CKPT: a Keras-style table of layers, output shapes,
** parameter counts and multiply-accumulates per sample.
*/
#include "cli.h"
#include "cli_model.h"
#include "cli_onnx.h"

#include "asicnn/quant.h"

#include <string.h>

static const char HELP[] = "usage: asicnn summary model.model|model.ckpt|model.q8|model.onnx\n"
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
    if (argc == 2 && cli_is_help(argv[1])) {
        fputs(HELP, stdout);
        return 0;
    }
    if (argc != 2) return cli_usage("summary", "needs one SPEC or CKPT file");
    if (an_q8_is_file(argv[1])) return cmd_summary_q8(argv[1]);
    an_model m;
    an_norm norm = {0};
    an_status s;
    if (cli_is_onnx_path(argv[1])) {
        an_onnx_model om;
        if ((s = cli_load_onnx(argv[1], &om))) return cli_error(s);
        if (om.kind == AN_ONNX_INT8) {
            int rc = cmd_summary_onnx_q8(argv[1], &om.qgraph);
            an_onnx_model_free(&om);
            return rc;
        }
        m = om.model; /* the float model moves out of om */
        om.model = (an_model){0};
        an_onnx_model_free(&om);
    } else {
        s = is_checkpoint(argv[1]) ? cli_load_ckpt(argv[1], &m, &norm)
            : cli_file_kind(argv[1]) == CLI_KIND_NPU
                ? an_fail(AN_ERR_FORMAT, "%s is %s: asicnn disasm shows it", argv[1],
                          cli_kind_name(CLI_KIND_NPU))
                : an_model_load_spec(argv[1], &m);
        if (s) return cli_error(s);
    }
    printf("Model: %s\n", argv[1]);
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
