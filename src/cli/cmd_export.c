/*
** asicnn export model.ckpt|model.q8 -o model.onnx: a float checkpoint as
** opset-13 ONNX, or an int8 graph as QDQ ONNX.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/onnx.h"

static const char USAGE[] =
    "usage: asicnn export model.ckpt|model.q8 -o model.onnx\n"
    "\n"
    "Export a float checkpoint as ONNX (opset 13; input N x C x H x W or N x F,\n"
    "output logits; dropout removed) or an int8 graph (.q8) as QDQ ONNX\n"
    "(QuantizeLinear / DequantizeLinear around each op, int8 weights with\n"
    "per-channel scales, int32 biases). The float model takes the data set's raw\n"
    "values: its input normalisation (x / 255, or (x - mean) / std) is exported\n"
    "as nodes at the input, which import restores. The int8 model takes the\n"
    "normalised input. Both record the CSV options in metadata_props.\n";

int cmd_export(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    const cli_opt_def opts[] = {{.name = "--output",
                                 .alias = "-o",
                                 .kind = CLI_STR,
                                 .dst = &out,
                                 .meta = "FILE",
                                 .help = "the .onnx file to write"},
                                {0}};
    const cli_cmd_spec spec = {
        .cmd = "export", .usage = USAGE, .opts = opts, .pos = &in, .max_pos = 1};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    if (!in || !out) return cli_usage("export", "needs model.ckpt (or model.q8) and -o model.onnx");
    if (!cli_is_onnx_path(out)) return cli_usage("export", "-o %s: an ONNX file is a .onnx", out);
    an_status s = cli_check_output(out);
    if (s) return cli_error(s);
    if (an_q8_is_file(in)) {
        an_q_graph g;
        if ((s = cli_kind_check(an_q8_load(in, &g), in, CLI_KIND_Q8))) return cli_error(s);
        s = an_onnx_export_q8(out, &g);
        an_q_graph_free(&g);
    } else {
        an_model m;
        an_norm norm = {0};
        char csv_text[AN_CSV_OPTS_MAX];
        if ((s = cli_load_ckpt_data(in, NULL, &m, &norm, NULL, csv_text))) return cli_error(s);
        s = an_onnx_export_model(out, &m, &norm, csv_text);
        an_norm_free(&norm);
        an_model_free(&m);
    }
    if (s) return cli_error(s);
    printf("wrote %s (ONNX opset %d)\n", out, AN_ONNX_EXPORT_OPSET);
    return 0;
}
