/*
** Loading an executable: decode the file (exe_format.c), then validate
** every field before anything runs: the chip configuration, the DRAM
** layout, each tensor and host operator, each instruction against the chip
** (npu_insn_check), the program's shape (one FINISH, last), the embedded
** int8 graph, and finally the dry run (src/arch/check.c) that proves the
** token protocol: no deadlock, no race, no read of uninitialised memory.
*/
#include "npu_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

an_status npu_decode_file(const uint8_t *buf, size_t n, const char *name, an_npu_exe *x);

#define BAD(...) an_fail(AN_ERR_FORMAT, __VA_ARGS__)

/* A tensor of batch samples of bytes each (<= 0: h*w*c) inside DRAM with
** valid quantization. */
static an_status check_tensor(const an_npu_exe *x, const an_tensor *t, int64_t bytes,
                              const char *what) {
    if (t->h < 1 || t->w < 1 || t->c < 1 || t->h > 65536 || t->w > 65536 || t->c > 65536 ||
        an_tensor_numel(t) > (INT64_C(1) << 26))
        return BAD("%s: %s: bad shape %dx%dx%d", x->source, what, t->h, t->w, t->c);
    if (bytes <= 0) bytes = an_tensor_numel(t);
    if (t->dram < 0 || t->dram + bytes * x->batch > x->dram_size)
        return BAD("%s: %s: field dram = %lld: %lld bytes pass the end of DRAM (%lld bytes)",
                   x->source, what, (long long)t->dram, (long long)(bytes * x->batch),
                   (long long)x->dram_size);
    if (!isfinite(t->scale) || t->scale <= 0 || t->zero_point < -128 || t->zero_point > 127)
        return BAD("%s: %s: field scale/zero_point = %g/%d invalid", x->source, what,
                   (double)t->scale, t->zero_point);
    return AN_OK;
}

static an_status check_host(const an_npu_exe *x, int i) {
    const an_npu_host_op *h = &x->host[i];
    char what[64];
    an_status s;
    snprintf(what, sizeof what, "host operator %d", i);
    if (h->op != AN_Q_MAXPOOL && h->op != AN_Q_AVGPOOL && h->op != AN_Q_ADD)
        return BAD("%s: %s: field op = %d is not maxpool, avgpool or add", x->source, what, h->op);
    for (int k = 0; k < (h->op == AN_Q_ADD ? 2 : 1); k++)
        if ((s = check_tensor(x, &h->in[k], 0, what))) return s;
    if ((s = check_tensor(x, &h->out, 0, what))) return s;
    if (h->act_min < -128 || h->act_max > 127 || h->act_min > h->act_max)
        return BAD("%s: %s: field act_min/act_max = %d/%d invalid", x->source, what, h->act_min,
                   h->act_max);
    const an_tensor *a = &h->in[0], *o = &h->out;
    if (h->op == AN_Q_ADD) {
        const an_tensor *b = &h->in[1];
        if (a->h != o->h || a->w != o->w || a->c != o->c || b->h != o->h || b->w != o->w ||
            b->c != o->c)
            return BAD("%s: %s: add inputs and output shapes differ", x->source, what);
        for (int k = 0; k < 3; k++)
            if ((h->add_mult[k] != 0 && h->add_mult[k] < (1 << 30)) || h->add_shift[k] < -31 ||
                h->add_shift[k] > 0)
                return BAD("%s: %s: field add_mult/add_shift[%d] = %d/%d invalid", x->source, what,
                           k, h->add_mult[k], h->add_shift[k]);
        return AN_OK;
    }
    if (h->kh < 1 || h->kw < 1 || h->sh < 1 || h->sw < 1 || h->kh > 4096 || h->kw > 4096 ||
        h->sh > 4096 || h->sw > 4096 || h->pt < 0 || h->pt >= h->kh || h->pl < 0 ||
        h->pl >= h->kw || a->c != o->c || (int64_t)(o->h - 1) * h->sh - h->pt >= a->h ||
        (int64_t)(o->w - 1) * h->sw - h->pl >= a->w)
        return BAD("%s: %s: window %dx%d stride %dx%d padding %d,%d does not fit %dx%dx%d -> "
                   "%dx%dx%d",
                   x->source, what, h->kh, h->kw, h->sh, h->sw, h->pt, h->pl, a->h, a->w, a->c,
                   o->h, o->w, o->c);
    return AN_OK;
}

an_status an_npu_validate(const an_npu_exe *x) {
    an_status s;
    char src[300];
    snprintf(src, sizeof src, "%s: section CONF", x->source);
    if ((s = an_npu_config_validate(&x->cfg, src))) return s;
    if (x->batch < 1 || x->batch > 65536)
        return BAD("%s: field batch = %d outside 1..65536", x->source, x->batch);
    if (x->dram_size < 1 || x->dram_size > NPU_MAX_DRAM)
        return BAD("%s: field dram_size = %lld outside 1..%lld", x->source, (long long)x->dram_size,
                   (long long)NPU_MAX_DRAM);
    if (x->data_size < 0 || x->data_size > x->dram_size)
        return BAD("%s: section DATA: %lld bytes do not fit DRAM (%lld bytes)", x->source,
                   (long long)x->data_size, (long long)x->dram_size);
    if ((s = npu_input_layout_check(x)) ||
        (s = check_tensor(x, &x->input, npu_input_bytes(x), "input")) ||
        (s = check_tensor(x, &x->output, 0, "output")))
        return s;
    if (x->n_affine != 1 && x->n_affine != an_tensor_numel(&x->input))
        return BAD("%s: section TENS: field n_affine = %lld (must be 1 or %lld)", x->source,
                   (long long)x->n_affine, (long long)an_tensor_numel(&x->input));
    for (int64_t i = 0; i < x->n_affine; i++)
        if (!isfinite(x->in_mul[i]) || !isfinite(x->in_add[i]))
            return BAD("%s: section TENS: field in_mul/in_add[%lld] is not finite", x->source,
                       (long long)i);
    if (x->n_host < 0 || x->n_host > NPU_MAX_HOST)
        return BAD("%s: section HOST: %d operators (at most %d)", x->source, x->n_host,
                   NPU_MAX_HOST);
    for (int i = 0; i < x->n_host; i++)
        if ((s = check_host(x, i))) return s;
    if (x->n_insns < 1 || x->n_insns > NPU_MAX_INSNS)
        return BAD("%s: section INSN: %lld instructions (1..%lld)", x->source,
                   (long long)x->n_insns, (long long)NPU_MAX_INSNS);
    if (x->n_layers < 0 || x->n_layers > 4096)
        return BAD("%s: section LAYR: %d layers (0..4096)", x->source, x->n_layers);
    for (int i = 0; i < x->n_layers; i++) {
        const an_npu_layer *l = &x->layers[i];
        if (!memchr(l->name, 0, sizeof l->name) || l->op < 0 || l->op >= AN_Q_OP_COUNT ||
            l->mode < 0 || l->mode >= AN_NPU_MODE_COUNT || l->first_insn < 0 || l->n_insn < 0 ||
            l->first_insn > x->n_insns || l->n_insn > x->n_insns - l->first_insn)
            return BAD("%s: section LAYR: layer %d: bad name, op, mode or instruction range",
                       x->source, i);
        const an_tensor t = {.h = l->h, .w = l->w, .c = l->c, .scale = 1.0f, .dram = l->out_dram};
        if (l->out_dram != -1 && (s = check_tensor(x, &t, 0, "layer output"))) return s;
    }
    if (x->qref_size) {
        an_q_graph g;
        char name[300];
        snprintf(name, sizeof name, "%s: section QREF", x->source);
        if ((s = an_q8_parse(x->qref, (size_t)x->qref_size, name, &g))) return s;
        an_q_graph_free(&g);
    }
    for (int64_t i = 0; i < x->n_insns && !s; i++) {
        an_isa_insn d; /* one at a time: the program stays encoded */
        if ((s = an_isa_decode(&x->insns[i], &d))) {
            s = an_fail_context(s, "%s: instruction %lld", x->source, (long long)i);
            break;
        }
        if ((s = npu_insn_check(&d, i, &x->cfg, x->dram_size, x->n_host))) {
            s = an_fail_context(s, "%s", x->source);
            break;
        }
        if ((d.op == AN_ISA_FINISH) != (i == x->n_insns - 1))
            s = BAD("%s: instruction %lld: %s", x->source, (long long)i,
                    d.op == AN_ISA_FINISH ? "FINISH before the end of the program"
                                          : "the program does not end with FINISH");
    }
    if (!s) s = npu_dry_run(x);
    return s;
}

an_status an_npu_parse(const uint8_t *buf, size_t n, const char *name, an_npu_exe *x) {
    an_status s = npu_decode_file(buf, n, name, x);
    if (!s) s = an_npu_validate(x);
    if (s) an_npu_exe_free(x);
    return s;
}

an_status an_npu_load(const char *path, an_npu_exe *x) {
    memset(x, 0, sizeof *x);
    char *buf;
    size_t n;
    an_status s = an_read_file(path, (size_t)1 << 31, &buf, &n);
    if (s) return s;
    s = an_npu_parse((const uint8_t *)buf, n, path, x);
    free(buf);
    return s;
}
