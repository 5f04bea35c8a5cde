/*
** The timing model: closed-form cycle counts of a hand-built single-tile
** program (derived by hand below from docs/timing.md), the DRAM bursts of
** 2-D DMA walks, a freed token-FIFO slot usable the cycle after the pop,
** DMA-bound stalls on a starved chip and none on a compute-bound one,
** monotonicity in DRAM bandwidth, double buffering beating the serialised
** program, energy totals equal to the sum of their parts, and the trace's
** JSON schema.
*/
#include "test_timing_util.h"

#include <cjson/cJSON.h>
#include <unistd.h>
#include "leakcheck.h"

TestSuite(timing, .fini = leakcheck);

static an_npu_config chip(double bw, int latency) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    c.dram_bytes_per_cycle = bw;
    c.dram_latency = latency;
    return c;
}

Test(timing, single_tile_closed_form) {
    /* npu16: R = C = 16, 16 B/cycle, latency 100, 64-byte bursts, 16 lanes */
    const an_npu_config c = chip(16, 100);
    an_npu_exe x;
    tt_program(&x, &c, 1, 64, 1);
    an_profile p = tt_profile(&x, NULL);
    /* fetch dispatches insn k at cycle k, it may start at k + 5 (four
       decode stages):
       LOAD wgt   5 .. 5 + 100 + 256/16                  = 121
       PRELOAD    121 (token) .. + R = 137; holds the queue to 122
       LOAD act   21 (its requests follow LOAD wgt's 16, on the other
                  engine) .. + 100 + 64*16/16            = 185
       GEMM       185 (token) .. + T + R + C - 2 = 94    = 279
       VEC write  279 .. + T rows x ceil(C/lanes)        = 343
       STORE      343 (token) .. + 100 + 64*16/16        = 507
       FINISH     343 .. 344 */
    cr_assert_eq(p.cycles, 507);
    cr_assert_eq(p.cls[AN_PC_GEMM].busy, 94);
    cr_assert_eq(p.cls[AN_PC_PRELOAD].busy, 16);
    cr_assert_eq(p.cls[AN_PC_GEMM].stall[AN_STALL_LOAD], 185 - 122);
    cr_assert_eq(p.cls[AN_PC_STORE].stall[AN_STALL_COMPUTE],
                 343); /* the whole wait, to the binding term */
    cr_assert_eq(p.total.macs, 64 * 16 * 16);
    cr_assert_eq(p.total.rd[AN_MEM_DRAM], 256 + 1024);
    cr_assert_eq(p.total.wr[AN_MEM_DRAM], 1024);
    cr_assert_eq(p.total.dram_bus, 256 + 1024 + 1024);
    /* preload + gemm = SCALE-Sim's weight-stationary fold, 2R + C + T - 2 */
    cr_assert_eq(p.total.array_cycles, 2 * 16 + 16 + 64 - 2);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

/* K (PRELOAD, GEMM of T rows) pairs accumulating into the same rows, after
** one LOAD act (T x 16 bytes) and one LOAD wgt (K tiles); npu16, L = 100. */
Test(timing, array_pipelines_preloads_and_gemms) {
    const an_npu_config c = chip(16, 100);
    const int K = 4, T = 8;
    const int64_t R = 16, C = 16, A = K * R * C, I = A + T * R, O = I;
    an_npu_exe x;
    memset(&x, 0, sizeof x);
    x.cfg = c;
    x.batch = 1;
    x.dram_size = O + T * C;
    snprintf(x.source, sizeof x.source, "pipeline");
    x.insns = calloc((size_t)(5 + 2 * K), sizeof *x.insns);
    x.data_size = A;
    x.data = malloc((size_t)A);
    for (int64_t i = 0; i < A; i++) x.data[i] = (uint8_t)(i % 5 + 1);
    x.input = (an_tensor){.h = 1, .w = 1, .c = T * (int32_t)R, .scale = 1.0f, .dram = A};
    x.output = (an_tensor){.h = 1, .w = 1, .c = T * (int32_t)C, .scale = 1.0f, .dram = O};
    x.n_affine = 1;
    x.in_mul = malloc(4), x.in_add = malloc(4);
    x.in_mul[0] = 1, x.in_add[0] = 0;
    an_isa_insn d = tt_dma(AN_ISA_LOAD, AN_BUF_ACT, 0, A, T * R, 0);
    tt_emit(&x, &d);
    d = tt_dma(AN_ISA_LOAD, AN_BUF_WGT, 0, 0, A, AN_DEP_PUSH_NEXT);
    tt_emit(&x, &d);
    for (int k = 0; k < K; k++) {
        tt_emit(&x,
                &(an_isa_insn){.op = AN_ISA_PRELOAD, .dep = k ? 0 : AN_DEP_POP_PREV, .wgt = k * R});
        tt_emit(&x, &(an_isa_insn){.op = AN_ISA_GEMM,
                                   .accumulate = k > 0,
                                   .n_outer = 1,
                                   .n_inner = T,
                                   .acc_inner = 1,
                                   .act_inner = 1});
    }
    tt_emit(&x, &(an_isa_insn){.op = AN_ISA_VEC,
                               .dep = AN_DEP_PUSH_NEXT,
                               .vop = AN_VOP_WRITE,
                               .dst = 2 * T * R,
                               .n = T,
                               .vpitch = C});
    d = tt_dma(AN_ISA_STORE, AN_BUF_ACT, 2 * T * R, O, T * C, AN_DEP_POP_PREV);
    tt_emit(&x, &d);
    tt_emit(&x, &(an_isa_insn){.op = AN_ISA_FINISH});
    cr_assert_eq(an_npu_validate(&x), AN_OK, "%s", an_errmsg());
    an_profile p = tt_profile(&x, NULL);
    /* LOAD act 5 .. 5 + 100 + 8 = 113; LOAD wgt 13 (after LOAD act's 8
       requests) .. + 100 + 64 = W = 177.
       PRELOAD k holds the queue 1 cycle and the weight port R; the PRELOAD
       into a bank waits for the GEMM two back to stream past every PE
       (start + T + C - 2 = 22 after it); a GEMM issues T rows:
       P1 W, G1 W+1, P2 W+16 (port), G2 W+17, P3 W+32 (port; bank free at
       W+23), G3 W+33, P4 W+48, G4 W+49 .. end W+49 + T + R + C - 2 = W+87;
       VEC write W+87 .. W+95 (after every GEMM completes); STORE W+95 ..
       + 100 + 8 = W+203. Without the pipeline the array alone would take
       K (2R + C + T - 2) = 216 cycles instead of 87. */
    const int64_t W = 177;
    cr_assert_eq(p.cycles, W + 203);
    cr_assert_eq(p.total.macs, (int64_t)K * T * R * C);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

/* Cycles of a program of LOADs of 256 bytes each (pad: its padding bytes
** after them) and a FINISH, on npu16 with L = 100: 16 request cycles each. */
static int64_t loads_only(const int *pad, int n) {
    const an_npu_config c = chip(16, 100);
    an_npu_exe x;
    memset(&x, 0, sizeof x);
    x.cfg = c;
    x.batch = 1;
    x.dram_size = 512;
    snprintf(x.source, sizeof x.source, "loads");
    x.insns = calloc((size_t)n + 1, sizeof *x.insns);
    x.data_size = 256;
    x.data = calloc(256, 1);
    x.input = (an_tensor){.h = 1, .w = 1, .c = 256, .scale = 1.0f, .dram = 256};
    x.output = x.input;
    x.n_affine = 1;
    x.in_mul = malloc(4), x.in_add = malloc(4);
    x.in_mul[0] = 1, x.in_add[0] = 0;
    for (int i = 0; i < n; i++) {
        an_isa_insn d = tt_dma(AN_ISA_LOAD, AN_BUF_ACT, 512 * i, 256, 256, 0);
        d.pad_tail = pad[i];
        tt_emit(&x, &d);
    }
    tt_emit(&x, &(an_isa_insn){.op = AN_ISA_FINISH});
    cr_assert_eq(an_npu_validate(&x), AN_OK, "%s", an_errmsg());
    an_profile p = tt_profile(&x, NULL);
    const int64_t cycles = p.cycles;
    an_profile_free(&p);
    an_npu_exe_free(&x);
    return cycles;
}

/* The load queue's two engines (docs/timing.md, "Queue next"): a LOAD that
** writes no padding lets the next start once its 16 requests are out; a
** third waits for the first's end (its engine); padding ends the overlap. */
Test(timing, load_queue_hides_latency_behind_the_next_load) {
    /* 5 .. 121; 21 .. 137; 121 (the first's engine) .. 237 */
    cr_assert_eq(loads_only((const int[]){0, 0, 0}, 3), 237);
    /* 5 .. 122 (a cycle of padding); 122 .. 238; 138 .. 254 */
    cr_assert_eq(loads_only((const int[]){64, 0, 0}, 3), 254);
    /* 5 .. 121; 21 .. 138 (its padding after its answers); 138 .. 254 */
    cr_assert_eq(loads_only((const int[]){0, 64, 0}, 3), 254);
}

Test(timing, unaligned_dma_pays_whole_bursts) {
    const an_npu_config c = chip(16, 0);
    an_npu_exe x;
    tt_program(&x, &c, 1, 4, 1);
    /* the input (64 bytes) starts at 256: one burst; shift it by 8 bytes */
    x.input.dram += 8;
    an_isa_insn d;
    cr_assert_eq(an_isa_decode(&x.insns[2], &d), AN_OK);
    d.dram += 8;
    cr_assert_eq(an_isa_encode(&d, &x.insns[2]), AN_OK);
    an_profile p = tt_profile(&x, NULL);
    cr_assert_eq(p.cls[AN_PC_LOAD_ACT].dram_bus, 128);
    cr_assert_eq(p.cls[AN_PC_LOAD_ACT].busy, 128 / 16);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

/* Bus bytes of the first activation LOAD of a 1-tile, T = 8 program (its
** 128 input bytes at DRAM 256) reshaped to a 2-D walk of 64 data bytes and
** a 64-byte pad tail (the GEMM reads 128 bytes); L = 0, 16 B/cycle, so it
** takes bus / 16 + 64 / 64 cycles. */
static void reshaped_load(int64_t dram, int64_t ysize, int64_t xsize, int64_t xbytes,
                          int64_t xstride, int64_t ystride, int64_t bus) {
    const an_npu_config c = chip(16, 0);
    an_npu_exe x;
    tt_program(&x, &c, 1, 8, 1);
    an_isa_insn d;
    cr_assert_eq(an_isa_decode(&x.insns[2], &d), AN_OK);
    d.dram = dram, d.ysize = ysize, d.xsize = xsize, d.xbytes = xbytes, d.pitch = xbytes;
    d.pad_tail = 128 - ysize * xsize * xbytes;
    d.dram_xstride = xstride, d.dram_ystride = ystride;
    cr_assert_eq(an_isa_encode(&d, &x.insns[2]), AN_OK);
    cr_assert_eq(an_npu_validate(&x), AN_OK, "%s", an_errmsg());
    an_profile p = tt_profile(&x, NULL);
    cr_assert_eq(p.cls[AN_PC_LOAD_ACT].dram_bus, bus, "%lld",
                 (long long)p.cls[AN_PC_LOAD_ACT].dram_bus);
    cr_assert_eq(p.cls[AN_PC_LOAD_ACT].busy, bus / 16 + 1);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

Test(timing, dma_runs_in_closed_form) {
    /* B = 64. Adjacent rows are one run: 4 rows of 16 bytes from 264 are
       [264, 328), bursts 4 .. 5 = 2 (row by row it would be 1 + 1 + 1 + 2) */
    reshaped_load(264, 4, 16, 1, 1, 16, 2 * 64);
    /* rows with gaps are a run each: [256, 272), [288, 304), [320, 336),
       [352, 368), one burst each though they share two bursts pairwise */
    reshaped_load(256, 4, 16, 1, 1, 32, 4 * 64);
    /* strided elements are a run each, even where one ends where the next
       row's first begins: [264, 280) 1, [296, 312) 1, [312, 328) 2 (it
       crosses 320), [344, 360) 1 = 5 bursts (merging 296 .. 328 would give 4) */
    reshaped_load(264, 2, 2, 16, 32, 48, 5 * 64);
}

Test(timing, fifo_slot_usable_the_cycle_after_the_pop) {
    /* single_tile_closed_form with one-token FIFOs: LOAD wgt's token fills
       the load->compute FIFO; PRELOAD pops it at its start, 121, so LOAD act,
       ready from 21 (its requests after LOAD wgt's), may push from 122 (101
       cycles of fifo full), and every later instruction moves:
       LOAD act   122 .. + 100 + 1024/16                 = 286
       GEMM       286 (token) .. + 94                    = 380
       VEC write  380 .. + 64                            = 444
       STORE      444 (token) .. + 100 + 1024/16         = 608 */
    an_npu_config c = chip(16, 100);
    c.token_depth = 1;
    an_npu_exe x;
    tt_program(&x, &c, 1, 64, 1);
    an_profile p = tt_profile(&x, NULL);
    cr_assert_eq(p.cycles, 608);
    cr_assert_eq(p.cls[AN_PC_LOAD_ACT].stall[AN_STALL_FIFO], 101);
    cr_assert_eq(p.total.stall[AN_STALL_FIFO], 101);
    cr_assert_eq(p.cls[AN_PC_GEMM].stall[AN_STALL_LOAD], 286 - 122);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

Test(timing, starved_chip_is_dma_bound) {
    an_npu_exe x;
    an_npu_config c = chip(1, 100);
    tt_program(&x, &c, 8, 256, 2);
    an_profile p = tt_profile(&x, NULL);
    cr_assert_gt(p.cls[AN_PC_GEMM].stall[AN_STALL_LOAD], p.cycles / 2);
    an_profile_free(&p);
    an_npu_exe_free(&x);
    c = chip(1024, 1);
    tt_program(&x, &c, 8, 256, 2);
    p = tt_profile(&x, NULL);
    /* only the first tile waits for its load */
    cr_assert_lt(p.cls[AN_PC_GEMM].stall[AN_STALL_LOAD], p.cycles / 50);
    cr_assert_gt(an_perf_util(&p.total, &c, p.cycles), 0.4); /* GEMM + VEC share the queue */
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

Test(timing, more_bandwidth_never_slower) {
    int64_t last = INT64_MAX;
    for (double bw = 0.5; bw <= 512; bw *= 2) {
        an_npu_exe x;
        const an_npu_config c = chip(bw, 50);
        tt_program(&x, &c, 6, 100, 2);
        an_profile p = tt_profile(&x, NULL);
        cr_assert_leq(p.cycles, last, "bandwidth %g: %lld > %lld", bw, (long long)p.cycles,
                      (long long)last);
        last = p.cycles;
        an_profile_free(&p);
        an_npu_exe_free(&x);
    }
}

Test(timing, double_buffering_beats_serial) {
    const an_npu_config c = chip(8, 100);
    an_npu_exe x1, x2;
    tt_program(&x1, &c, 8, 128, 1);
    tt_program(&x2, &c, 8, 128, 2);
    an_profile p1 = tt_profile(&x1, NULL), p2 = tt_profile(&x2, NULL);
    cr_assert_lt(p2.cycles, p1.cycles, "%lld vs %lld", (long long)p2.cycles, (long long)p1.cycles);
    cr_assert_eq(p1.total.macs, p2.total.macs);
    an_profile_free(&p1);
    an_profile_free(&p2);
    an_npu_exe_free(&x1);
    an_npu_exe_free(&x2);
}

Test(timing, energy_is_sum_of_parts) {
    const an_npu_config c = chip(16, 100);
    an_npu_exe x;
    tt_program(&x, &c, 3, 64, 2);
    an_profile p = tt_profile(&x, NULL);
    double parts = 0, layers = 0, classes = 0;
    for (int k = 0; k < AN_E_COUNT; k++) parts += p.total.energy_pj[k];
    for (int l = 0; l <= p.n_layers; l++) layers += an_perf_energy(&p.layer[l]);
    for (int k = 0; k < AN_PC_COUNT; k++) classes += an_perf_energy(&p.cls[k]);
    const double total = an_perf_energy(&p.total);
    cr_assert_gt(total, 0);
    cr_assert_float_eq(parts, total, 1e-9 * total);
    cr_assert_float_eq(layers, total, 1e-9 * total);
    /* classes carry the dynamic energy only */
    cr_assert_float_eq(classes + p.total.energy_pj[AN_E_LEAK], total, 1e-9 * total);
    const an_energy_params e = an_energy_for(&c, AN_DRAM_LPDDR4);
    cr_assert_float_eq(p.total.energy_pj[AN_E_DRAM], (double)p.total.dram_bus * 8 * 8.0, 1e-6);
    cr_assert_float_eq(p.total.energy_pj[AN_E_MAC], (double)p.total.macs * e.mac_pj, 1e-6);
    /* Horowitz 45 nm points */
    cr_assert_float_eq(an_energy_sram64_45nm(8 << 10), 10.0, 1e-9);
    cr_assert_float_eq(an_energy_sram64_45nm(32 << 10), 20.0, 1e-9);
    cr_assert_float_eq(an_energy_sram64_45nm(1 << 20), 100.0, 1e-9);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

Test(timing, trace_json_schema) {
    const an_npu_config c = chip(16, 100);
    an_npu_exe x;
    tt_program(&x, &c, 2, 32, 2);
    char path[] = "/tmp/asicnn-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    an_profile p = tt_profile(&x, path);
    char *text;
    size_t n;
    cr_assert_eq(an_read_file(path, 1 << 24, &text, &n), AN_OK);
    remove(path);
    cJSON *root = cJSON_Parse(text);
    cr_assert(root, "trace is not JSON");
    cJSON *ev = cJSON_GetObjectItem(root, "traceEvents");
    cr_assert(cJSON_IsArray(ev));
    int slices = 0, counters = 0;
    double last_end = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, ev) {
        cJSON *ph = cJSON_GetObjectItem(e, "ph");
        cr_assert(cJSON_IsString(ph));
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(e, "pid")));
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(e, "tid")));
        cr_assert(cJSON_IsString(cJSON_GetObjectItem(e, "name")));
        if (strcmp(ph->valuestring, "X") == 0) {
            cJSON *ts = cJSON_GetObjectItem(e, "ts"), *dur = cJSON_GetObjectItem(e, "dur");
            cr_assert(cJSON_IsNumber(ts) && cJSON_IsNumber(dur));
            cr_assert_geq(dur->valuedouble, 0);
            if (ts->valuedouble + dur->valuedouble > last_end)
                last_end = ts->valuedouble + dur->valuedouble;
            slices++;
        } else if (strcmp(ph->valuestring, "C") == 0) {
            cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(e, "ts")));
            cr_assert(cJSON_IsObject(cJSON_GetObjectItem(e, "args")));
            counters++;
        } else {
            cr_assert_str_eq(ph->valuestring, "M");
        }
    }
    cr_assert_eq(slices, 2 * (int)x.n_insns); /* queue track and unit track */
    cr_assert_gt(counters, 0);
    cr_assert_float_eq(last_end, (double)p.cycles / c.clock_mhz, 1e-6);
    cJSON_Delete(root);
    free(text);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

/* The start of a hand-built npu16 program (L = 100) named name, room for
** n instructions: one 16 x 16 weight tile of DATA at 0, the input's T = 8
** rows of 16 bytes after it, an output of outs x T rows of 16 bytes at the
** same place; LOAD act, LOAD wgt, PRELOAD emitted. */
static void vec_program(an_npu_exe *x, const char *name, int n, int outs) {
    const int T = 8;
    const int64_t R = 16, C = 16, A = R * C, O = A + T * R;
    memset(x, 0, sizeof *x);
    x->cfg = chip(16, 100);
    x->batch = 1;
    x->dram_size = O + outs * T * C;
    snprintf(x->source, sizeof x->source, "%s", name);
    x->insns = calloc((size_t)n, sizeof *x->insns);
    x->data_size = A;
    x->data = malloc((size_t)A);
    for (int64_t i = 0; i < A; i++) x->data[i] = (uint8_t)(i % 5 + 1);
    x->input = (an_tensor){.h = 1, .w = 1, .c = T * (int32_t)R, .scale = 1.0f, .dram = A};
    x->output = (an_tensor){.h = 1, .w = 1, .c = outs * T * (int32_t)C, .scale = 1.0f, .dram = O};
    x->n_affine = 1;
    x->in_mul = malloc(4), x->in_add = malloc(4);
    x->in_mul[0] = 1, x->in_add[0] = 0;
    an_isa_insn d = tt_dma(AN_ISA_LOAD, AN_BUF_ACT, 0, A, T * R, 0);
    tt_emit(x, &d);
    d = tt_dma(AN_ISA_LOAD, AN_BUF_WGT, 0, 0, A, AN_DEP_PUSH_NEXT);
    tt_emit(x, &d);
    tt_emit(x, &(an_isa_insn){.op = AN_ISA_PRELOAD, .dep = AN_DEP_POP_PREV});
}

/* Two GEMMs of T rows through one weight tile, each followed by a VEC
** write to int8 rows, the first VEC with beside (when set) and the second
** GEMM into accumulator row acc2; one STORE of both outputs. npu16, L =
** 100. */
static void beside_program(an_npu_exe *x, int beside, int64_t acc2) {
    const int T = 8;
    const int64_t R = 16, C = 16, O = R * C + T * R, st = 2 * T * R;
    vec_program(x, "beside", 9, 2);
    for (int k = 0; k < 2; k++) {
        tt_emit(x, &(an_isa_insn){.op = AN_ISA_GEMM,
                                  .acc = k ? acc2 : 0,
                                  .n_outer = 1,
                                  .n_inner = T,
                                  .acc_inner = 1,
                                  .act_inner = 1});
        tt_emit(x, &(an_isa_insn){.op = AN_ISA_VEC,
                                  .dep = k ? AN_DEP_PUSH_NEXT : 0,
                                  .vop = AN_VOP_WRITE,
                                  .beside = !k && beside,
                                  .src = k ? acc2 : 0,
                                  .dst = st + k * T * C,
                                  .n = T,
                                  .vpitch = C});
    }
    const an_isa_insn d = tt_dma(AN_ISA_STORE, AN_BUF_ACT, st, O, 2 * T * C, AN_DEP_POP_PREV);
    tt_emit(x, &d);
    tt_emit(x, &(an_isa_insn){.op = AN_ISA_FINISH});
}

/* LOAD act 5 .. 113, LOAD wgt 13 (after LOAD act's 8 requests) .. W = 129,
** PRELOAD W, GEMM 1 W+1 ..
** W+39 (T + R + C - 2 = 38), VEC 1 W+39 .. W+47. Beside: GEMM 2 starts at
** W+40 (the VEC holds the queue one cycle) and ends at W+78, VEC 2 W+78
** .. W+86, STORE .. W+86 + 100 + 16 = W+202. Without it GEMM 2 waits for
** VEC 1: W+47 .. W+85, VEC 2 .. W+93, STORE .. W+209. */
Test(timing, vec_beside_lets_the_next_gemm_start) {
    const int64_t W = 129;
    for (int beside = 0; beside < 2; beside++) {
        an_npu_exe x;
        beside_program(&x, beside, 8);
        cr_assert_eq(an_npu_validate(&x), AN_OK, "%s", an_errmsg());
        an_profile p = tt_profile(&x, NULL);
        cr_assert_eq(p.cycles, beside ? W + 202 : W + 209, "beside %d: %lld cycles", beside,
                     (long long)p.cycles);
        an_profile_free(&p);
        an_npu_exe_free(&x);
    }
}

/* The hardware compares no addresses: a GEMM that may run beside a VEC and
** writes the rows it reads is refused by the loader. */
Test(timing, vec_beside_conflict_is_refused) {
    an_npu_exe x;
    beside_program(&x, 1, 0);
    cr_assert_neq(an_npu_validate(&x), AN_OK);
    cr_assert(strstr(an_errmsg(), "field beside") && strstr(an_errmsg(), "instruction 5 (GEMM)"),
              "%s", an_errmsg());
    an_npu_exe_free(&x);
}

/* GEMM 1 into rows [0, T), VEC 1 writes them (beside); GEMM 2 into rows
** [T, 2T); VEC 2 writes rows [src2, src2 + T) again elsewhere (beside, and
** nodrain when set), VEC 3 writes GEMM 2's rows; one STORE of the three.
** npu16, L = 100, T = 8. */
static void nodrain_program(an_npu_exe *x, int nodrain, int64_t src2) {
    const int T = 8;
    const int64_t R = 16, C = 16, O = R * C + T * R, st = 2 * T * R;
    vec_program(x, "nodrain", 10, 3);
    const int64_t src[3] = {0, src2, T}, at[3] = {0, 1, 2};
    for (int k = 0; k < 3; k++) {
        if (k < 2)
            tt_emit(x, &(an_isa_insn){.op = AN_ISA_GEMM,
                                      .acc = k * T,
                                      .n_outer = 1,
                                      .n_inner = T,
                                      .acc_inner = 1,
                                      .act_inner = 1});
        tt_emit(x, &(an_isa_insn){.op = AN_ISA_VEC,
                                  .dep = k == 2 ? AN_DEP_PUSH_NEXT : 0,
                                  .vop = AN_VOP_WRITE,
                                  .beside = k < 2,
                                  .nodrain = k == 1 && nodrain,
                                  .src = src[k],
                                  .dst = st + at[k] * T * C,
                                  .n = T,
                                  .vpitch = C});
    }
    const an_isa_insn d = tt_dma(AN_ISA_STORE, AN_BUF_ACT, st, O, 3 * T * C, AN_DEP_POP_PREV);
    tt_emit(x, &d);
    tt_emit(x, &(an_isa_insn){.op = AN_ISA_FINISH});
}

/* W = 129 as above: GEMM 1 W+1 .. W+39, VEC 1 W+39 .. W+47, GEMM 2 W+40 ..
** W+78. VEC 2 waits for the drain, W+78 .. W+86, VEC 3 .. W+94, STORE
** W+94 .. + 100 + 24 = W+218; with nodrain it waits only for VEC 1 and the
** queue (GEMM 2 holds it T cycles): W+48 .. W+56, VEC 3 W+78 .. W+86, STORE
** .. W+210. */
Test(timing, vec_nodrain_starts_before_the_array_drains) {
    const int64_t W = 129;
    for (int nodrain = 0; nodrain < 2; nodrain++) {
        an_npu_exe x;
        nodrain_program(&x, nodrain, 0);
        cr_assert_eq(an_npu_validate(&x), AN_OK, "%s", an_errmsg());
        an_profile p = tt_profile(&x, NULL);
        cr_assert_eq(p.cycles, nodrain ? W + 210 : W + 218, "nodrain %d: %lld cycles", nodrain,
                     (long long)p.cycles);
        an_profile_free(&p);
        an_npu_exe_free(&x);
    }
}

/* The loader refuses a VEC with nodrain whose rows a GEMM before it, still
** draining, writes; and nodrain without beside, or with a token push. */
Test(timing, vec_nodrain_conflict_is_refused) {
    an_npu_exe x;
    nodrain_program(&x, 1, 8);
    cr_assert_neq(an_npu_validate(&x), AN_OK);
    cr_assert(strstr(an_errmsg(), "field nodrain") && strstr(an_errmsg(), "instruction 5 (GEMM)"),
              "%s", an_errmsg());
    an_npu_exe_free(&x);
    for (int bad = 0; bad < 2; bad++) {
        nodrain_program(&x, 1, 0);
        an_isa_insn d;
        cr_assert_eq(an_isa_decode(&x.insns[6], &d), AN_OK);
        cr_assert(d.nodrain);
        if (bad)
            d.dep = AN_DEP_PUSH_NEXT;
        else
            d.beside = 0;
        cr_assert_eq(an_isa_encode(&d, &x.insns[6]), AN_OK);
        cr_assert_neq(an_npu_validate(&x), AN_OK);
        cr_assert(strstr(an_errmsg(), "field nodrain needs beside"), "%s", an_errmsg());
        an_npu_exe_free(&x);
    }
}
