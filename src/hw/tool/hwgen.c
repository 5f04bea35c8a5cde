/*
** asicnn_hwgen CONFIG DIR: the build's own copy of `asicnn hw gen`, so
** that CMake can generate the RTL's header before the CLI (which links the
** Verilated model) exists.
*/
#include "asicnn/hw.h"

#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: asicnn_hwgen CONFIG DIR\n");
        return 1;
    }
    an_npu_config c;
    an_status s = an_npu_config_get(argv[1], &c);
    if (!s) s = an_hw_gen(&c, argv[2]);
    if (s) fprintf(stderr, "asicnn_hwgen: %s\n", an_errmsg());
    return s ? 2 : 0;
}
