/*
** libFuzzer harness: the model spec parser (the text of a .model file) on
** arbitrary bytes. A spec that parses must describe a consistent model: a
** topologically ordered graph whose output is the last node, whose
** parameters are all allocated, and which an executor can be built for
** and run on one zero sample when it is small (ASan sees any access out
** of the inferred shapes).
*/
#include "asicnn/nn.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = (char *)fz_copy(data, size);
    if (!text) return 0;
    an_model m;
    const an_status st = an_model_parse(text, "fuzz.model", &m);
    free(text);
    if (st != AN_OK) return 0;
    if (m.n_nodes < 1 || m.output != m.n_nodes - 1 || m.n_params < 0 ||
        (m.n_params > 0 && !m.params) || m.n_trainable > m.n_params)
        __builtin_trap();
    int64_t macs = 0, acts = 0;
    for (int i = 0; i < m.n_nodes; i++) {
        const an_node *n = &m.nodes[i];
        for (int j = 0; j < n->n_inputs; j++)
            if (n->inputs[j] < 0 || n->inputs[j] >= i) __builtin_trap(); /* topological */
        if (n->h < 1 || n->w < 1 || n->c < 1) __builtin_trap();
        macs += an_node_macs(&m, n);
        acts += an_node_size(n);
    }
    an_exec *e;
    if (macs <= (1 << 18) && acts <= (1 << 18) && m.n_params <= (1 << 20) &&
        an_exec_create(&e, &m, 1, 0) == AN_OK) {
        an_model_init_params(&m, 1);
        const int64_t f = (int64_t)m.nodes[0].h * m.nodes[0].w * m.nodes[0].c;
        float *x = calloc((size_t)(f > 0 ? f : 1), sizeof *x);
        if (x) an_exec_forward(e, x, 1, 0, 1);
        free(x);
        an_exec_free(e);
    }
    an_model_free(&m);
    return 0;
}
