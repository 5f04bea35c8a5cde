/*
** asicnn hw: the chip in Verilog. `hw gen` writes the Verilog header of
** parameters and instruction-field constants (an_params.vh) that the RTL in
** hw/rtl includes, generated from a chip configuration and the ISA.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/hw.h"

#include <string.h>

static const char HELP[] =
    "usage: asicnn hw gen [--chip NAME|FILE.json] -o DIR\n"
    "\n"
    "Write DIR/an_params.vh: the chip's parameters (array, buffers, queues)\n"
    "and every instruction field's shift, width and getter macro, for the\n"
    "RTL in hw/rtl (see docs/hw.md). The chip defaults to npu16.\n";

int cmd_hw(int argc, char **argv) {
    const char *chip = "npu16", *dir = NULL, *v;
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(HELP, argc < 2 ? stderr : stdout);
        return argc < 2;
    }
    if (strcmp(argv[1], "gen") != 0) return cli_usage("hw", "unknown subcommand '%s'", argv[1]);
    for (int i = 2; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            fputs(HELP, stdout);
            return 0;
        }
        if ((r = cli_opt(argc, argv, &i, "--chip", &v))) {
            if (r < 0) return cli_usage("hw", "--chip needs a preset name or a JSON file");
            chip = cli_chip_arg(v);
        } else if ((r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0) return cli_usage("hw", "-o needs a directory");
            dir = v;
        } else {
            return cli_usage("hw", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!dir) return cli_usage("hw", "gen needs -o DIR");
    an_npu_config c;
    char made[1024] = "";
    an_status s = an_npu_config_get(chip, &c);
    if (!s) s = cli_output_dir(dir, made, sizeof made);
    if (!s && (s = an_hw_gen(&c, dir))) cli_remove_created(made);
    if (s) return cli_error(s);
    printf("wrote %s/an_params.vh for chip %s (%dx%d array)\n", dir, c.name, c.rows, c.cols);
    return 0;
}
