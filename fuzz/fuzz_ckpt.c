/*
** libFuzzer harness: the checkpoint loader (an_ckpt_parse) on arbitrary
** bytes. Inputs of odd length get their trailing CRC repaired first, so
** that mutations reach the header, the embedded spec, the normalisation
** block and the parameter counts. A checkpoint that loads must hold
** exactly the parameters its spec needs and a normalisation of its
** declared mode; its optimizer state is returned with its count.
*/
#include "asicnn/nn.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = fz_copy(data, size);
    if (!copy) return 0;
    if (size % 2) fz_fix_crc(copy, size);
    an_model m;
    an_ckpt_extra x;
    float *optim = NULL;
    const an_status st = an_ckpt_parse(copy, size, "fuzz.ckpt", &m, &x, &optim);
    free(copy);
    if (st != AN_OK) {
        if (optim) __builtin_trap(); /* a failed load owns nothing */
        return 0;
    }
    if (m.n_params < 0 || (m.n_params > 0 && !m.params) || x.n_optim < 0 ||
        (x.n_optim > 0 && !optim) || (x.norm.features > 0 && (!x.norm.mean || !x.norm.std)))
        __builtin_trap();
    volatile float sink = 0; /* touch every loaded value (ASan checks the bounds) */
    for (int64_t i = 0; i < m.n_params; i++) sink += m.params[i];
    for (int64_t i = 0; i < x.n_optim; i++) sink += optim[i];
    for (int64_t i = 0; i < x.norm.features; i++) sink += x.norm.mean[i] + x.norm.std[i];
    (void)sink;
    free(optim);
    an_norm_free(&x.norm);
    an_model_free(&m);
    return 0;
}
