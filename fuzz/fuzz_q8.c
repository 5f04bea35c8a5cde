/*
** libFuzzer harness: the .q8 loader (an_q8_parse) on arbitrary bytes.
** Inputs of odd length get their trailing CRC repaired first, so that
** mutations reach the field checks. A graph that loads must pass
** what an_q8_parse promises (an_q_graph_validate accepts it) and, when
** small, run on the integer reference engine for one sample of every
** input value pattern without touching memory outside its tensors.
*/
#include "asicnn/quant.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = fz_copy(data, size);
    if (!copy) return 0;
    if (size % 2) fz_fix_crc(copy, size);
    an_q_graph g;
    const an_status st = an_q8_parse(copy, size, "fuzz.q8", &g);
    free(copy);
    if (st != AN_OK) return 0;
    if (an_q_graph_validate(&g) != AN_OK) __builtin_trap(); /* loaded means valid */
    int64_t work = 0;
    for (int i = 0; i < g.n_layers; i++) {
        const an_q_layer *l = &g.layers[i];
        const int64_t out = an_q_tensor_size(&g, i + 1);
        work += out * (l->k > 0 ? l->k : 1) * (int64_t)l->kh * l->kw;
    }
    an_q_engine *e;
    if (work <= (1 << 22) && an_q_engine_create(&e, &g, 1, AN_Q_IMPL_REF) == AN_OK) {
        const int64_t f = an_q_tensor_size(&g, 0);
        int8_t *x = malloc((size_t)f);
        if (x) {
            for (int64_t i = 0; i < f; i++) x[i] = (int8_t)(i * 37 + 11);
            an_q_engine_run(e, x, 1);
        }
        free(x);
        an_q_engine_free(e);
    }
    an_q_graph_free(&g);
    return 0;
}
