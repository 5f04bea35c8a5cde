/*
** Chrome trace / Perfetto JSON of a timed run: one track (tid) per queue
** and one per unit, one complete slice ("ph":"X") per instruction on its
** queue's track and on its unit's track, and counter tracks ("ph":"C") of
** the bytes moved through DRAM and the array's busy cycles. Timestamps are
** microseconds at the chip's clock. Written atomically.
*/
#include "sim/sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct tw {
    an_afile f;
    an_status st;
    int first;
} tw;

static void put(tw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(tw *w, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (w->st || n < 0) return;
    if (!w->first) w->st = an_afile_write(&w->f, ",\n", 2);
    w->first = 0;
    if (!w->st)
        w->st = an_afile_write(&w->f, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
}

an_status an_trace_write(const an_npu_sim *s, const char *path) {
    const npu_timing *t = npu_sim_timing(s);
    const an_npu_exe *x = npu_sim_exe(s);
    int64_t n = 0;
    const npu_event *ev = t ? npu_timing_events(t, &n) : NULL;
    if (!ev)
        return an_fail(AN_ERR_USAGE, "%s: no trace was recorded (timing with trace)", x->source);
    const double us = 1.0 / x->cfg.clock_mhz; /* microseconds per cycle */
    tw w = {.first = 1};
    an_status st = an_afile_open(&w.f, path);
    if (st) return st;
    w.st = an_afile_write(&w.f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", 40);
    put(&w,
        "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":\"%s\"}}",
        x->cfg.name);
    for (int q = 0; q < AN_QUEUE_COUNT; q++)
        put(&w,
            "{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_name\",\"args\":{\"name\":\"%s "
            "queue\"}}",
            q + 1, AN_ISA_QUEUE_NAME[q]);
    for (int u = 0; u < NPU_UNIT_COUNT; u++)
        put(&w,
            "{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_name\",\"args\":{\"name\":\"%s\"}"
            "}",
            10 + u, NPU_UNIT_NAME[u]);
    int64_t dram = 0, array = 0;
    for (int64_t i = 0; i < n && !w.st; i++) {
        const npu_event *e = &ev[i];
        const char *layer = e->layer < x->n_layers ? x->layers[e->layer].name : "-";
        const double ts = (double)e->start * us, dur = (double)(e->end - e->start) * us;
        for (int k = 0; k < 2; k++)
            put(&w,
                "{\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%.6f,\"dur\":%.6f,\"name\":\"%s\","
                "\"args\":{\"insn\":%lld,\"layer\":\"%s\",\"start_cycle\":%lld,\"cycles\":%lld}}",
                k ? 10 + e->unit : e->queue + 1, ts, dur, AN_PCLASS_NAME[e->pclass],
                (long long)e->index, layer, (long long)e->start, (long long)(e->end - e->start));
        if (e->dram) {
            dram += e->dram;
            put(&w,
                "{\"ph\":\"C\",\"pid\":1,\"tid\":0,\"ts\":%.6f,\"name\":\"dram bytes\","
                "\"args\":{\"bytes\":%lld}}",
                (double)e->end * us, (long long)dram);
        }
        if (e->unit == NPU_UNIT_ARRAY) {
            array += e->end - e->start;
            put(&w,
                "{\"ph\":\"C\",\"pid\":1,\"tid\":0,\"ts\":%.6f,\"name\":\"array busy cycles\","
                "\"args\":{\"cycles\":%lld}}",
                (double)e->end * us, (long long)array);
        }
    }
    if (!w.st) w.st = an_afile_write(&w.f, "\n]}\n", 4);
    if (w.st) {
        an_afile_abort(&w.f);
        return an_fail_context(w.st, "%s", path);
    }
    return an_afile_commit(&w.f);
}
