/*
** A labelled data set run on backends batch by batch, shared by the
** accuracy checks (an_backend_check, an_backend_evaluate): whether the data
** set fits the executable (features, labels), then the loop that quantizes
** each batch into one int8 input buffer, has the caller's step run it into
** one or two output buffers, and scores the first one's logits against the
** labels.
*/
#include "backend_internal.h"

#include <stdlib.h>

an_status rt_batches_fit(const an_npu_exe *x, const an_dataset *raw) {
    const int64_t F = an_tensor_numel(&x->input);
    if (raw->features != F)
        return an_fail(AN_ERR_FORMAT,
                       "%s: samples have %lld features, the executable %s expects %lld", raw->name,
                       (long long)raw->features, x->source, (long long)F);
    if (!raw->y) return an_fail(AN_ERR_FORMAT, "%s: evaluation needs labels", raw->name);
    return AN_OK;
}

an_status rt_batches_run(const an_npu_exe *x, const an_dataset *raw, int n_out, rt_batch_step step,
                         void *ctx, int64_t *n, int64_t *correct) {
    const int B = x->batch;
    const int64_t F = an_tensor_numel(&x->input), N = an_tensor_numel(&x->output);
    rt_batch t = {0};
    an_status s = an_alloc_array((void **)&t.q, (size_t)B, (size_t)F, "int8 input");
    for (int i = 0; i < n_out && !s; i++)
        s = an_alloc_array((void **)&t.out[i], (size_t)B, (size_t)N, "int8 output");
    for (t.at = 0; !s && t.at < raw->n; t.at += B) {
        t.n = an_npu_quantize_batch(x, raw, t.at, t.q);
        if ((s = step(ctx, &t))) break;
        for (int i = 0; i < t.n; i++)
            *correct += an_q_argmax(t.out[0] + (size_t)i * N, (int)N) == raw->y[t.at + i];
        *n += t.n;
    }
    free(t.q);
    for (int i = 0; i < 2; i++) free(t.out[i]);
    return s;
}
