/*
** asicnn command-line entry point: dispatches `asicnn COMMAND ...` to the
** command table below. Each command lives in its own cmd_*.c file.
*/
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const cli_command COMMANDS[] = {
    {"data", "inspect and convert data sets (IDX, CSV, npm digits JSON)", cmd_data},
    {"train", "train a model from its spec (or resume a checkpoint)", cmd_train},
    {"eval", "accuracy, per-class accuracy and confusion matrix of a checkpoint", cmd_eval},
    {"predict", "class probabilities of one sample", cmd_predict},
    {"summary", "layers, output shapes, parameters and MACs of a spec or checkpoint", cmd_summary},
    {"quantize", "calibrate and quantize a checkpoint to an int8 graph (.q8)", cmd_quantize},
    {"import", "import an ONNX model as a checkpoint (float) or .q8 (int8)", cmd_import},
    {"export", "export a checkpoint or .q8 graph as ONNX", cmd_export},
    {"compile", "compile an int8 graph (.q8) for the accelerator (.npu)", cmd_compile},
    {"disasm", "instructions, tensors and chip of an executable (.npu)", cmd_disasm},
    {"run", "run an executable on the simulated chip, checked against the reference", cmd_run},
    {"hw", "the chip in Verilog: generate the RTL's parameter header", cmd_hw},
    {"synth", "synthesize the chip: ASIC (OSU 0.18 um, OpenSTA) or XC7Z020 report", cmd_synth},
    {"profile", "cycles, utilisation, stalls, bytes and energy per layer of an executable",
     cmd_profile},
    {"scalesim", "SCALE-Sim v2 compatible cycle counts of a topology CSV", cmd_scalesim},
    {"compare", "one model on CPU, GPU, FPGA and the chip: latency, throughput, energy",
     cmd_compare},
    {"report", "one HTML page: comparison, chip profile, roofline, sweep, training, accuracy",
     cmd_report},
    {"sweep", "a grid of chip configs: latency, energy, area, Pareto front (CSV, SVG)", cmd_sweep},
    {NULL, NULL, NULL},
};

int cli_error(an_status s) {
    const char *msg = an_errmsg();
    fprintf(stderr, "asicnn: %s\n", msg[0] ? msg : an_status_name(s));
    return an_status_exit_code(s);
}

int cli_usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "asicnn %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'asicnn %s --help')\n", cmd);
    return 1;
}

int cli_ends_with(const char *path, const char *suffix) {
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcmp(path + n - k, suffix) == 0;
}

static int is_help(const char *arg) {
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static void usage(FILE *out) {
    fprintf(out, "usage: asicnn COMMAND [ARGS...]\n\n"
                 "asicnn takes a neural network from raw data to a custom int8 accelerator.\n\n"
                 "commands:\n");
    for (const cli_command *c = COMMANDS; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n'asicnn COMMAND --help' describes one command.\n"
                 "exit codes: 0 ok, 1 usage error, 2 input error, 3 out of memory, "
                 "4 internal error\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (is_help(argv[1])) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("asicnn 0.1.0\n");
        return 0;
    }
    for (const cli_command *c = COMMANDS; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "asicnn: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
