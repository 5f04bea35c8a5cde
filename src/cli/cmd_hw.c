/*
** asicnn hw: the chip in Verilog. `hw gen` writes the Verilog header of
** parameters and instruction-field constants (an_params.vh) that the RTL in
** hw/rtl includes, generated from a chip configuration and the ISA.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/hw.h"

#include <string.h>

static const char USAGE[] =
    "usage: asicnn hw gen [--chip NAME|FILE.json] -o DIR\n"
    "\n"
    "Write DIR/an_params.vh: the chip's parameters (array, buffers, queues)\n"
    "and every instruction field's shift, width and getter macro, for the\n"
    "RTL in hw/rtl (see docs/hw.md). The chip defaults to npu16.\n";

int cmd_hw(int argc, char **argv) {
    const char *chip = "npu16", *dir = NULL, *sub = NULL;
    const cli_opt_def opts[] = {{.name = "--chip",
                                 .kind = CLI_STR,
                                 .dst = &chip,
                                 .meta = "NAME|FILE",
                                 .help = "the chip (default npu16)"},
                                {.name = "-o",
                                 .kind = CLI_STR,
                                 .dst = &dir,
                                 .meta = "DIR",
                                 .help = "where an_params.vh goes (required)"},
                                {0}};
    const cli_cmd_spec spec = {.cmd = "hw",
                               .usage = USAGE,
                               .opts = opts,
                               .pos = &sub,
                               .min_pos = 1,
                               .max_pos = 1,
                               .needs = "needs a subcommand: gen"};
    if (argc < 2) {
        cli_opts_help(&spec, stderr);
        return 1;
    }
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    if (strcmp(sub, "gen") != 0) return cli_usage("hw", "unknown subcommand '%s'", sub);
    if (!dir) return cli_usage("hw", "gen needs -o DIR");
    chip = cli_chip_arg(chip);
    an_npu_config c;
    char made[1024] = "";
    an_status s = an_npu_config_get(chip, &c);
    if (!s) s = cli_output_dir(dir, made, sizeof made);
    if (!s && (s = an_hw_gen(&c, dir))) cli_remove_created(made);
    if (s) return cli_error(s);
    printf("wrote %s/an_params.vh for chip %s (%dx%d array)\n", dir, c.name, c.rows, c.cols);
    return 0;
}
