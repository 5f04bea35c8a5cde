/*
** The runtime API end to end: open a simulated npu16, load an executable,
** copy an input in, run it (blocking, then asynchronously with a wait),
** read the logits and the counters, close.
**
**   runtime_example model.npu
*/
#include "asicnn/runtime.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: runtime_example model.npu\n");
        return 1;
    }
    an_npu_exe x;
    an_status s = an_npu_load(argv[1], &x);
    an_device *dev = NULL;
    an_program prog = -1;
    if (!s) s = an_device_open(&dev, &x.cfg, AN_BACKEND_SIM);
    if (!s) s = an_device_load(dev, &x, &prog);
    int8_t *in = NULL, *out = NULL;
    if (!s) {
        in = calloc((size_t)an_device_input_size(dev, prog), 1);
        out = calloc((size_t)an_device_output_size(dev, prog), 1);
        for (int64_t i = 0; in && i < an_device_input_size(dev, prog); i++)
            in[i] = (int8_t)(i % 97 - 48); /* a made-up image */
        if (!in || !out) s = AN_ERR_NOMEM;
    }
    if (!s) s = an_device_set_input(dev, prog, in, an_device_input_size(dev, prog));
    if (!s) s = an_device_run(dev, prog);   /* blocking */
    if (!s) s = an_device_start(dev, prog); /* asynchronous: other work could go here */
    if (!s) s = an_device_wait(dev, prog);
    if (!s) s = an_device_get_output(dev, prog, out, an_device_output_size(dev, prog));
    an_profile p = {0};
    if (!s) s = an_device_counters(dev, prog, &p);
    if (!s) {
        printf("logits:");
        for (int64_t i = 0; i < an_device_output_size(dev, prog) && i < 10; i++)
            printf(" %d", out[i]);
        printf("\n%lld cycles, %.1f%% array utilisation, %.3f uJ\n", (long long)p.cycles,
               100 * an_perf_util(&p.total, &p.cfg, p.cycles), an_perf_energy(&p.total) / 1e6);
    } else {
        fprintf(stderr, "runtime_example: %s\n", an_errmsg());
    }
    an_profile_free(&p);
    free(in);
    free(out);
    an_device_close(dev);
    an_npu_exe_free(&x); /* empty when loading failed */
    return s ? 2 : 0;
}
