/*
** The runtime API end to end: for each backend named (default: the
** simulator and the RTL), open a device for the executable's chip, load
** the executable, copy an input in, run it (blocking, then asynchronously
** with a wait), read the logits and the counters, close; then say whether
** every backend that ran gave the same logits. A backend that cannot run
** the executable says why and is left out.
**
**   runtime_example model.npu [sim|rtl|ref|gpu ...]
*/
#include "asicnn/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run x on backend k with input in; the logits land in out (n bytes). */
static an_status run_on(an_backend_kind k, const an_npu_exe *x, const int8_t *in, int64_t n_in,
                        int8_t *out, int64_t n_out) {
    an_device *dev = NULL;
    an_program prog = -1;
    an_status s = an_device_open(&dev, &x->cfg, k);
    if (!s) s = an_device_load(dev, x, &prog);
    if (!s) s = an_device_set_input(dev, prog, in, n_in);
    if (!s) s = an_device_run(dev, prog);   /* blocking */
    if (!s) s = an_device_start(dev, prog); /* asynchronous: other work could go here */
    if (!s) s = an_device_wait(dev, prog);
    if (!s) s = an_device_get_output(dev, prog, out, n_out);
    an_profile p = {0};
    if (!s) {
        printf("%s logits:", an_backend_name(k));
        for (int64_t i = 0; i < n_out && i < 10; i++) printf(" %d", out[i]);
        printf("\n");
        /* the simulator counts everything; the RTL its cycles and instructions */
        if (an_device_counters(dev, prog, &p) == AN_OK) {
            printf("%s: %lld cycles", an_backend_name(k), (long long)p.cycles);
            if (p.n_layers)
                printf(", %.1f%% array utilisation, %.3f uJ",
                       100 * an_perf_util(&p.total, &p.cfg, p.cycles),
                       an_perf_energy(&p.total) / 1e6);
            printf("\n");
        }
    }
    an_profile_free(&p);
    an_device_close(dev);
    return s;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: runtime_example model.npu [sim|rtl|ref|gpu ...]\n");
        return 1;
    }
    const char *deflt[] = {"sim", "rtl"};
    const char *const *names = argc > 2 ? (const char *const *)argv + 2 : deflt;
    const int n_names = argc > 2 ? argc - 2 : 2;
    an_npu_exe x;
    an_status s = an_npu_load(argv[1], &x);
    int64_t n_in = 0, n_out = 0;
    if (!s) {
        n_in = (int64_t)x.batch * x.input.h * x.input.w * x.input.c;
        n_out = (int64_t)x.batch * x.output.h * x.output.w * x.output.c;
    }
    int8_t *in = calloc((size_t)n_in + 1, 1), *first = calloc((size_t)n_out + 1, 1);
    int8_t *out = calloc((size_t)n_out + 1, 1);
    if (!s && (!in || !first || !out)) s = an_fail(AN_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; !s && i < n_in; i++) in[i] = (int8_t)(i % 97 - 48); /* a made-up image */
    int ran = 0, same = 1;
    for (int i = 0; !s && i < n_names; i++) {
        an_backend_kind k;
        s = an_backend_by_name(names[i], &k);
        if (!s) s = run_on(k, &x, in, n_in, ran ? out : first, n_out);
        if (s == AN_ERR_UNSUPPORTED) { /* not this backend: say why, go on */
            printf("%s: cannot run it: %s\n", names[i], an_errmsg());
            s = AN_OK;
        } else if (!s) {
            same &= !ran || memcmp(out, first, (size_t)n_out) == 0;
            ran++;
        }
    }
    if (!s && ran > 1) printf("%s logits on every backend that ran\n", same ? "same" : "different");
    if (s) fprintf(stderr, "runtime_example: %s\n", an_errmsg());
    free(in);
    free(first);
    free(out);
    an_npu_exe_free(&x); /* empty when loading failed */
    return s ? 2 : same ? 0 : 3;
}
