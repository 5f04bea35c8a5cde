/*
** Bounds of a compiled model (docs/timing.md, "Bounds"): per layer, the MAC
** floor (MACs / (R x C)), SCALE-Sim v2's weight-stationary compute-only
** cycles for the same GEMM (the batch folded into the output pixels, as the
** scalesim mode counts a layer), and the DRAM floor (weights, input and
** output bytes moved once, at the chip's bandwidth). The achieved cycles of
** the timing model are held against max(SCALE-Sim, DRAM floor).
*/
#include "asicnn/report.h"

#include <math.h>
#include <string.h>

static int64_t over_bw(const an_npu_config *c, int64_t bytes) {
    return (int64_t)ceil((double)bytes / c->dram_bytes_per_cycle - 1e-9);
}

/* The SCALE-Sim layer whose output is exactly layer l's conv output for a
** batch of B (padding folded into the ifmap, the batch into its width). */
static an_ss_layer ss_layer(const an_q_graph *g, int l, int64_t B) {
    const an_q_layer *q = &g->layers[l];
    an_ss_layer s;
    memset(&s, 0, sizeof s);
    if (q->op == AN_Q_DENSE) {
        s.ih = s.fh = s.fw = s.sh = s.sw = 1;
        s.iw = B, s.ch = q->k, s.nf = q->c;
        return s;
    }
    const an_tensor in = an_q_tensor_info(g, q->in[0]);
    /* a grouped conv: a GEMM of its true reduction kh x kw x in_c / groups */
    s.fh = q->kh, s.fw = q->kw, s.sh = q->sh, s.sw = q->sw, s.nf = q->c;
    s.ch = in.c / (q->groups > 1 ? q->groups : 1);
    s.ih = (int64_t)(q->h - 1) * q->sh + q->kh;
    s.iw = ((int64_t)q->w * B - 1) * q->sw + q->kw;
    return s;
}

an_status an_npu_bounds(const an_npu_exe *x, const an_q_graph *g, an_bound *out, an_bound *total) {
    if (g->n_layers != x->n_layers)
        return an_fail(AN_ERR_FORMAT,
                       "%s: not the graph this executable was compiled from (%d "
                       "layers, the executable has %d)",
                       x->source, g->n_layers, x->n_layers);
    const an_npu_config *c = &x->cfg;
    const int64_t B = x->batch, RC = (int64_t)c->rows * c->cols;
    const an_ss_config ss = {.rows = c->rows, .cols = c->cols, .flow = AN_SS_WS};
    memset(total, 0, sizeof *total);
    int64_t weights = 0;
    for (int l = 0; l < g->n_layers; l++) {
        const an_q_layer *q = &g->layers[l];
        an_bound *b = &out[l];
        memset(b, 0, sizeof *b);
        if (strcmp(q->name, x->layers[l].name) != 0)
            return an_fail(AN_ERR_FORMAT,
                           "%s: not the graph this executable was compiled from (layer %d is "
                           "'%s' in the graph, '%s' in the executable)",
                           x->source, l, q->name, x->layers[l].name);
        /* the layers fused into this one (an add, a pool) move nothing: it
           writes the last one's output and reads a fused add's other input */
        int last = l;
        int64_t io = B * an_q_tensor_size(g, q->in[0]);
        if (q->op == AN_Q_ADD) io += B * an_q_tensor_size(g, q->in[1]);
        while (last + 1 < x->n_layers && x->layers[last + 1].mode == AN_NPU_MODE_FUSED) {
            const an_q_layer *f = &g->layers[++last];
            if (f->op == AN_Q_ADD) io += B * an_q_tensor_size(g, f->in[f->in[0] == last]);
        }
        io += B * an_q_tensor_size(g, last + 1);
        if (q->op == AN_Q_FLATTEN || x->layers[l].mode == AN_NPU_MODE_FUSED) io = 0;
        b->dram_bytes = io;
        if (q->op == AN_Q_CONV2D || q->op == AN_Q_DENSE) {
            const an_ss_layer sl = ss_layer(g, l, B);
            an_ss_result r;
            an_ss_layer_run(&ss, &sl, &r);
            const int64_t w = (int64_t)q->c * q->k;
            weights += w;
            b->dram_bytes += w;
            b->macs = r.macs;
            b->mac_floor = (b->macs + RC - 1) / RC;
            b->scalesim = r.cycles;
        }
        b->dram_floor = over_bw(c, b->dram_bytes);
        b->bound = b->scalesim ? (b->scalesim > b->dram_floor ? b->scalesim : b->dram_floor) : 0;
        total->macs += b->macs;
        total->scalesim += b->scalesim;
        total->bound += b->bound;
    }
    total->mac_floor = (total->macs + RC - 1) / RC;
    total->dram_bytes = weights + B * (an_q_tensor_size(g, 0) + an_q_tensor_size(g, g->n_layers));
    total->dram_floor = over_bw(c, total->dram_bytes);
    return AN_OK;
}
