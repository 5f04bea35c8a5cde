/*
** asicnn CLI internals: the command table and the helpers every command
** uses: usage errors, output paths, asicnn's own files, file kinds, and the
** data options (the option parser itself is cli_opts.h). Only the CLI prints and exits; library
*calls return
** an_status and the CLI turns it into a message and an exit code
** (docs/cli.md lists the codes).
*/
#ifndef ASICNN_CLI_H
#define ASICNN_CLI_H

#include "asicnn/data.h"
#include "asicnn/npu.h"
#include "asicnn/quant.h"

#include "cli_opts.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

/* Print "asicnn: <message>" for a failed library call; returns its exit code. */
int cli_error(an_status s);

/* Print "asicnn CMD: <message>" and a pointer to --help; returns 1. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Output paths (cli_out.c). A file to write: its directory exists and is
** writable, and it is not a directory; called before the work starts. */
an_status cli_check_output(const char *path);
/* A directory to write into, made now with its missing parents; the top one
** made goes to created[cap] ("" when it existed) for cli_remove_created. */
an_status cli_output_dir(const char *dir, char *created, size_t cap);
/* Remove what cli_output_dir made (everything under it); "" does nothing. */
void cli_remove_created(const char *created);

/* Files of asicnn's own (cli_paths.c): rel ("hw/rtl", "configs/x.json")
** in the current directory, else beside the executable (an install's
** share/asicnn, a build directory's source tree), else in the source tree
** it was built from; the path found goes to out. 1 when found; else out
** is rel. */
int cli_find_file(const char *rel, char *out, size_t cap);
/* The same, leaving out the current directory: asicnn's own copy. */
int cli_find_own(const char *rel, char *out, size_t cap);
/* ASICNN_ORT_DRIVER and ASICNN_ORT_MODULES, when unset, to asicnn's own
** scripts/ort_run.js and ort/node_modules (cli_find_own), so that the ONNX
** Runtime rows of compare and report come from any directory. */
void cli_ort_env(void);
/* A --chip argument: a preset or a file as given; a bare name NAME that is
** neither becomes configs/NAME.json where cli_find_file finds it. The
** result stays valid for the command's run (a few at a time). */
const char *cli_chip_arg(const char *chip);

/* The kind of file a path holds, by its first bytes (cli_kind.c). */
typedef enum { CLI_KIND_OTHER, CLI_KIND_CKPT, CLI_KIND_Q8, CLI_KIND_NPU, CLI_KIND_ONNX } cli_kind;
cli_kind cli_file_kind(const char *path);
/* "a float checkpoint (.ckpt)", "an int8 graph (.q8)", ... */
const char *cli_kind_name(cli_kind k);
/* s from loading path as a want: a format error on a file of another known
** kind becomes one saying what it is and which commands take it. */
an_status cli_kind_check(an_status s, const char *path, cli_kind want);

/* Write text to path atomically (temporary file, then rename). */
an_status cli_write_text(const char *path, const char *text);

/* True when path ends with suffix. */
int cli_ends_with(const char *path, const char *suffix);

/* "s" unless n is 1: "%lld sample%s", n, cli_s(n). */
const char *cli_s(int64_t n);

/* The CSV options given on a command line, as "name=value ..." text
** (an_csv_options_format's form), applied over what a model file stored. */
typedef struct cli_data {
    char given[2 * AN_CSV_OPTS_MAX];
} cli_data;

/* A CLI_FN parser of the data options: checks one (def->name less its
** "--") as an_csv_option_set does and records it in the cli_data at
** def->dst. */
int cli_data_opt(const cli_opt_def *def, const char *val, char *why, size_t cap);

/* The data options, a fragment of a command's option table recording into
** d (a cli_data *): every command that reads a data set has them. */
#define CLI_DATA_OPTS(d)                                                                           \
    {.kind = CLI_HEADING,                                                                          \
     .help = "CSV options (recorded in the checkpoint, .q8 and .npu: later commands\n"             \
             "need them only to override):"},                                                      \
        CLI_DATA_OPT(d, "--label-col", "K", "label column (0 first, -1 last; default 0)"),         \
        CLI_DATA_OPT(d, "--header", "yes|no|auto",                                                 \
                     "first line is a header (auto: when not all numeric)"),                       \
        CLI_DATA_OPT(d, "--delim", "C", "',' (default), ';', tab or auto"),                        \
        CLI_DATA_OPT(d, "--range", "MIN:MAX", "drop rows with a feature outside [MIN, MAX]"),      \
        CLI_DATA_OPT(d, "--max-label", "N",                                                        \
                     "drop rows whose label is not an integer in [0, N] (9999)"),                  \
        CLI_DATA_OPT(d, "--shape", "HxWxC", "sample shape (default 1xFx1; 784 features: 28x28x1)")
/* One of them. */
#define CLI_DATA_OPT(d, nm, mt, hp)                                                                \
    { .name = nm, .kind = CLI_FN, .dst = (d), .fn = cli_data_opt, .meta = mt, .help = hp }

/* The CSV options to read data with: defaults, then the stored text (from
** a checkpoint or .q8; source names it in errors; may be NULL or ""), then
** the command line's (d may be NULL). text (AN_CSV_OPTS_MAX bytes, may be
** NULL) receives the result as text, to record in the next file. */
an_status cli_data_csv(const cli_data *d, const char *stored, const char *source,
                       an_csv_options *out, char *text);

/* Load split of DATA with csv. Rows dropped by cleaning are counted on
** stderr; more than half dropped fails, and so do samples of another size
** than `features` and labels that reach past `classes` (each when > 0),
** each naming the likely cause (the label
** column). */
an_status cli_load_data(const char *path, an_split split, const an_csv_options *csv,
                        int64_t features, int classes, an_dataset *ds);
/* The input size of an int8 graph. */
int64_t cli_q_features(const an_q_graph *g);

int cmd_data(int argc, char **argv);

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
/* summary of a .q8 int8 graph (cmd_summary hands .q8 files to it) */
int cmd_summary_q8(const char *path);

/* ONNX (cmd_import.c, cmd_export.c) */
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* True when path ends in .onnx. */
int cli_is_onnx_path(const char *path);

/* the accelerator: compile a .q8, disassemble and run a .npu */
int cmd_compile(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_run(int argc, char **argv);
/* timing: per-layer profile of a .npu; SCALE-Sim compatible mode */
int cmd_profile(int argc, char **argv);
int cmd_scalesim(int argc, char **argv);

/* the chip in Verilog: header generator (cmd_hw.c), synthesis (cmd_synth.c) */
int cmd_hw(int argc, char **argv);
int cmd_synth(int argc, char **argv);

/* every target side by side (cmd_compare.c), chip-config sweep (cmd_sweep.c),
** the HTML report (cmd_report.c) */
int cmd_compare(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* The int8 graph of a .q8, or the one embedded in a .npu (its chip in *cfg,
** *is_npu set). */
an_status cli_load_q8_or_npu(const char *path, an_q_graph *g, an_npu_config *cfg, int *is_npu);

#endif /* ASICNN_CLI_H */
