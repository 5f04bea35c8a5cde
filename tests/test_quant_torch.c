/*
** The int8 ops against PyTorch's quantized operators (qnnpack), from the
** fixture written by scripts/torch_quant_fixture.py (no Python at test
** time). maxpool must match byte for byte. conv2d (ordinary, grouped and
** depthwise), linear, add and avgpool
** must be within 1 LSB everywhere: PyTorch requantizes in float32 and
** rounds half to even, gemmlowp uses a fixed-point multiplier and rounds
** twice (docs/quantization.md), so outputs whose real value sits within a
** hair of a rounding boundary, or on an exact tie, may differ by one.
*/
#include "quant/quant_internal.h"
#include "test_quant_util.h"
#include "leakcheck.h"

typedef struct rd {
    const uint8_t *p;
    size_t n, off;
} rd;

static const void *take(rd *r, size_t n) {
    cr_assert(r->off + n <= r->n, "fixture truncated at %zu", r->off);
    const void *p = r->p + r->off;
    r->off += n;
    return p;
}

static int32_t i32(rd *r) {
    int32_t v;
    memcpy(&v, take(r, 4), 4);
    return v;
}

static float f32(rd *r) {
    float v;
    memcpy(&v, take(r, 4), 4);
    return v;
}

TestSuite(quant_torch, .fini = leakcheck);

Test(quant_torch, ops_match_pytorch_within_one_lsb) {
    char *buf;
    size_t n;
    cr_assert_eq(an_read_file(ASICNN_TEST_DIR "/fixtures/quant/torch_ops.bin", 1 << 24, &buf, &n),
                 AN_OK, "%s", an_errmsg());
    rd r = {(const uint8_t *)buf, n, 0};
    cr_assert(memcmp(take(&r, 8), "ANQTORCH", 8) == 0);
    cr_assert_eq(i32(&r), 2);
    const int count = i32(&r);
    cr_assert(count >= 20);
    int64_t total[6] = {0}, exact[6] = {0};
    for (int cs = 0; cs < count; cs++) {
        const int kind = i32(&r), relu = i32(&r);
        const int H = i32(&r), W = i32(&r), C = i32(&r), OC = i32(&r), K = i32(&r), S = i32(&r),
                  P = i32(&r);
        /* kind 5 is a grouped conv2d: op 0 with G groups */
        const int G = kind == 5 ? i32(&r) : 1, op = kind == 5 ? 0 : kind;
        const float sx = f32(&r);
        const int zx = i32(&r);
        const float sb = f32(&r);
        const int zb = i32(&r);
        const float sy = f32(&r);
        const int zy = i32(&r);
        const float sw = f32(&r);
        const int32_t *bias = NULL;
        int32_t bias_buf[64];
        if (op <= 1) {
            for (int c = 0; c < OC; c++) bias_buf[c] = i32(&r);
            bias = bias_buf;
        }
        const int64_t F = (int64_t)H * W * C;
        const int8_t *x = take(&r, (size_t)F), *x2 = op == 4 ? take(&r, (size_t)F) : NULL;
        const int64_t KK = op == 0 ? (int64_t)K * K * (C / G) : F;
        const int8_t *w = op <= 1 ? take(&r, (size_t)(OC * KK)) : NULL;
        const int OH = i32(&r), OW = i32(&r), OCo = i32(&r);
        const int8_t *want = take(&r, (size_t)OH * OW * OCo);

        an_q_graph g;
        tq_graph(&g, 1, op == 1 ? 1 : H, op == 1 ? 1 : W, op == 1 ? (int)F : C, sx, zx);
        an_q_layer *l = tq_push(&g,
                                op == 0   ? AN_Q_CONV2D
                                : op == 1 ? AN_Q_DENSE
                                : op == 2 ? AN_Q_MAXPOOL
                                : op == 3 ? AN_Q_AVGPOOL
                                          : AN_Q_ADD,
                                0);
        l->h = OH, l->w = OW, l->c = OCo;
        l->scale = sy, l->zero_point = zy;
        if (relu) l->act_min = zy > -128 ? zy : -128;
        if (op == 0 || op == 2 || op == 3) l->kh = l->kw = K, l->sh = l->sw = S, l->pt = l->pl = P;
        if (op == 0) l->groups = G;
        if (op <= 1) {
            l->k = (int32_t)KK;
            l->weights = malloc((size_t)(OC * KK));
            memcpy(l->weights, w, (size_t)(OC * KK));
            l->bias = malloc(4 * (size_t)OC), l->mult = malloc(4 * (size_t)OC);
            l->shift = malloc(4 * (size_t)OC), l->w_scale = malloc(4 * (size_t)OC);
            for (int c = 0; c < OC; c++) {
                int64_t sum = 0;
                for (int64_t k = 0; k < KK; k++) sum += w[c * KK + k];
                l->bias[c] = bias[c] - zx * (int32_t)sum;
                l->w_scale[c] = sw;
                int sh;
                cr_assert_eq(an_q_quantize_multiplier((double)sx * sw / sy, &l->mult[c], &sh),
                             AN_OK);
                l->shift[c] = sh;
            }
        }
        int8_t *got = malloc((size_t)OH * OW * OCo);
        if (op == 4) {
            const double twice = 2 * fmax(sx, sb);
            const double real[3] = {sx / twice, sb / twice,
                                    twice / ((double)(1 << AN_Q_ADD_LEFT_SHIFT) * sy)};
            for (int j = 0; j < 3; j++) {
                int sh;
                cr_assert_eq(an_q_quantize_multiplier(real[j], &l->add_mult[j], &sh), AN_OK);
                l->add_shift[j] = sh;
            }
            const an_tensor ta = {.h = H, .w = W, .c = C, .scale = sx, .zero_point = zx},
                            tb = {.h = H, .w = W, .c = C, .scale = sb, .zero_point = zb};
            q_ref_add(l, &ta, &tb, x, x2, got);
        } else {
            an_q_engine *e;
            cr_assert_eq(an_q_graph_validate(&g), AN_OK, "case %d: %s", cs, an_errmsg());
            cr_assert_eq(an_q_engine_create(&e, &g, 1, AN_Q_IMPL_REF), AN_OK);
            memcpy(got, an_q_engine_run(e, x, 1), (size_t)OH * OW * OCo);
            an_q_engine_free(e);
        }
        for (int64_t i = 0; i < (int64_t)OH * OW * OCo; i++) {
            const int d = abs(got[i] - want[i]);
            cr_assert(d <= 1, "case %d (op %d) element %lld: asicnn %d, PyTorch %d", cs, kind,
                      (long long)i, got[i], want[i]);
            total[kind]++, exact[kind] += d == 0;
        }
        free(got);
        an_q_graph_free(&g);
    }
    const char *names[6] = {"conv2d", "linear", "maxpool", "avgpool", "add", "grouped conv2d"};
    for (int op = 0; op < 6; op++)
        cr_log_info("%s: %lld of %lld outputs equal PyTorch's", names[op], (long long)exact[op],
                    (long long)total[op]);
    cr_assert_eq(exact[2], total[2], "maxpool must match exactly");
    for (int op = 0; op < 6; op++) {
        cr_assert(total[op] > 0, "no %s case in the fixture", names[op]);
        cr_assert(exact[op] * 100 >= total[op] * 95, "%s: only %lld of %lld equal", names[op],
                  (long long)exact[op], (long long)total[op]);
    }
    free(buf);
}
