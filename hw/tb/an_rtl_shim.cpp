// The Verilator harness: a thin C++ shim with a C interface (an_rtl_shim.h).
// Each cycle, in the clock's low phase, it offers the next instruction,
// presents the DRAM answers that fall due on each of the three channels
// (load, compute, store; mask and tag echoed), and a pending host request's ack; after the
// evaluation it takes each channel's request (a beat: aligned address, byte
// mask; a store's data is written at once) and queues its answer for
// dram_latency cycles later; then it raises the clock. The cycle count runs
// from reset release until the chip raises done. A trace (VCD) holds the
// cycles of its window only and is measured as it grows (tracer below).
#include "an_rtl_shim.h"

#include "Van_npu.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <sys/stat.h>

namespace {

const int BPC = (int)AN_RTL_DRAM_BPC;
static_assert(BPC >= 1 && BPC <= 32, "a DRAM beat of 1 to 32 bytes (the mask is 32 bits)");

// Byte i of a Verilator port of any width (CData .. QData, VlWide).
template <class T> uint8_t get_byte(const T &p, int i) {
    return (uint8_t)(p >> (8 * i));
}
template <std::size_t N> uint8_t get_byte(const VlWide<N> &p, int i) {
    return (uint8_t)(p[i / 4] >> (8 * (i % 4)));
}
template <class T> void set_bytes(T &p, const uint8_t *b, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)b[i] << (8 * i);
    p = (T)v;
}
template <std::size_t N> void set_bytes(VlWide<N> &p, const uint8_t *b, int n) {
    for (std::size_t w = 0; w < N; w++) p[w] = 0;
    for (int i = 0; i < n; i++) p[i / 4] |= (uint32_t)b[i] << (8 * (i % 4));
}

// One DRAM channel: answers due at a cycle, in request order.
struct answer {
    int64_t due;
    uint32_t mask, tag;
    uint8_t data[64];
};
struct channel {
    std::deque<answer> q;
};

// The VCD: dumps the cycles inside the job's window and watches its size.
// After the first dumped cycle (header and full values) it notes the size;
// at 256, 512, ... dumped cycles (then every 8192) it flushes, measures
// and extrapolates the bytes a cycle since then over the cycles left in the
// window (or, without an end, in expect_cycles). Passing vcd_max, measured
// or estimated, is fatal: the file is closed and removed.
struct tracer {
    an_rtl_job *job;
    std::unique_ptr<VerilatedVcdC> vcd;
    int64_t dumped = 0, base = 0, next = 1;

    bool inside(int64_t cyc) const {
        return vcd && cyc >= job->vcd_from && (job->vcd_to <= 0 || cyc < job->vcd_to);
    }
    void dump(int64_t cyc, uint64_t t) {
        if (inside(cyc)) vcd->dump(t);
    }
    int64_t size() {
        vcd->flush();
        return size_closed();
    }
    int64_t size_closed() const {
        struct stat st;
        return stat(job->vcd, &st) == 0 ? (int64_t)st.st_size : 0;
    }
    // the cycle the window ends before (-1: unknown)
    int64_t end() const {
        int64_t e = job->vcd_to > 0 ? job->vcd_to : -1;
        if (job->expect_cycles > 0 && (e < 0 || job->expect_cycles < e)) e = job->expect_cycles;
        return e;
    }
    // after cycle cyc ran (and was dumped when inside); false once over the limit
    bool after(int64_t cyc) {
        if (!inside(cyc)) return true;
        if (!dumped++) job->vcd_first = cyc;
        job->vcd_last = cyc;
        if (job->vcd_max <= 0 || dumped < next) return true;
        const int64_t now = size();
        if (dumped == 1) {
            base = now, next = 256;
            job->vcd_bytes = now;
        } else {
            next = dumped < 8192 ? 2 * dumped : dumped + 8192;
            const double rate = (double)(now - base) / (double)(dumped - 1);
            const int64_t e = end();
            job->vcd_bytes = e > cyc ? now + (int64_t)(rate * (double)(e - 1 - cyc)) : now;
        }
        if (job->vcd_bytes <= job->vcd_max && now <= job->vcd_max) return true;
        if (now > job->vcd_bytes) job->vcd_bytes = now;
        job->vcd_over = 1;
        vcd->close();
        vcd.reset();
        std::remove(job->vcd);
        const int64_t e = end();
        snprintf(job->err, sizeof job->err,
                 "%s: the trace would pass its limit of %.0f MB (%.1f MB after %lld of %lld "
                 "cycles: about %.0f MB at that rate), so it was stopped and removed; trace a "
                 "window (--vcd-cycles A:B) or raise the limit (--vcd-max-mb N, 0: none)",
                 job->vcd, (double)job->vcd_max / 1e6, (double)now / 1e6, (long long)dumped,
                 (long long)(e > 0 ? e - job->vcd_first : dumped), (double)job->vcd_bytes / 1e6);
        return false;
    }
};

} // namespace

extern "C" const an_rtl_chip *an_rtl_shim_chip(void) {
    static const an_rtl_chip chip = {AN_RTL_CHIP_NAME,  AN_RTL_ROWS,        AN_RTL_COLS,
                                     AN_RTL_INSN_DEPTH, AN_RTL_TOKEN_DEPTH, AN_RTL_ACT_BYTES,
                                     AN_RTL_WGT_BYTES,  AN_RTL_ACC_BYTES,   AN_RTL_DRAM_LATENCY,
                                     AN_RTL_DRAM_BPC,   AN_RTL_DRAM_BURST};
    return &chip;
}

extern "C" int an_rtl_shim_run(an_rtl_job *job) {
    std::unique_ptr<VerilatedContext> ctx(new VerilatedContext);
    std::unique_ptr<Van_npu> m(new Van_npu(ctx.get()));
    tracer tr{job, nullptr};
    uint64_t t = 0;
    job->cycles = job->insns_done = 0;
    job->vcd_bytes = job->vcd_first = job->vcd_over = 0;
    job->vcd_last = -1;
    job->err[0] = 0;
    if (job->vcd) {
        ctx->traceEverOn(true);
        tr.vcd.reset(new VerilatedVcdC);
        m->trace(tr.vcd.get(), 99);
        tr.vcd->open(job->vcd);
        if (!tr.vcd->isOpen()) {
            snprintf(job->err, sizeof job->err, "%s: cannot open the trace file", job->vcd);
            return 1;
        }
    }
    // a reset cycle (traced when the window starts at cycle 0)
    auto tick = [&]() {
        m->clk = 0;
        m->eval();
        tr.dump(0, t++);
        m->clk = 1;
        m->eval();
        tr.dump(0, t++);
    };
    m->rst = 1;
    m->insn_valid = 0;
    m->dl_rs_valid = m->dc_rs_valid = m->ds_rs_valid = 0;
    m->host_ack = 0;
    tick();
    tick();
    m->rst = 0;
    int64_t pc = 0;
    int rc = 0;
    channel ch[3];
    // a request: checks its bytes, reads or writes DRAM, queues the answer
    auto request = [&](channel &c, const char *name, uint32_t addr, uint32_t mask, uint32_t tag,
                       const uint8_t *wdata) -> bool {
        answer a = {job->cycles + AN_RTL_DRAM_LATENCY, mask, tag, {0}};
        for (int i = 0; i < BPC; i++) {
            if (!(mask >> i & 1)) continue;
            const int64_t at = (int64_t)addr + i;
            if (at >= job->dram_size) {
                snprintf(job->err, sizeof job->err,
                         "DRAM %s at byte %lld past its end (%lld), %s channel",
                         wdata ? "write" : "read", (long long)at, (long long)job->dram_size, name);
                return false;
            }
            if (wdata)
                job->dram[at] = wdata[i];
            else
                a.data[i] = job->dram[at];
        }
        c.q.push_back(a);
        return true;
    };
    while (!m->done) {
        if (job->cycles >= job->max_cycles) {
            snprintf(job->err, sizeof job->err,
                     "the chip did not finish within %lld cycles (%lld of %lld instructions fed)",
                     (long long)job->max_cycles, (long long)pc, (long long)job->n_insns);
            rc = 1;
            break;
        }
        m->clk = 0;
        m->insn_valid = pc < job->n_insns;
        if (pc < job->n_insns) {
            const uint8_t *b = job->insns + pc * 32;
            for (int w = 0; w < 8; w++)
                m->insn_data[w] = (uint32_t)b[4 * w] | (uint32_t)b[4 * w + 1] << 8 |
                                  (uint32_t)b[4 * w + 2] << 16 | (uint32_t)b[4 * w + 3] << 24;
        }
        // answers due now
        bool due[3];
        for (int k = 0; k < 3; k++) due[k] = !ch[k].q.empty() && ch[k].q.front().due == job->cycles;
        m->dl_rs_valid = due[0];
        m->dc_rs_valid = due[1];
        m->ds_rs_valid = due[2];
        if (due[0]) {
            set_bytes(m->dl_rs_data, ch[0].q.front().data, BPC);
            m->dl_rs_mask = ch[0].q.front().mask;
            m->dl_rs_tag = ch[0].q.front().tag;
        }
        if (due[1]) {
            set_bytes(m->dc_rs_data, ch[1].q.front().data, BPC);
            m->dc_rs_mask = ch[1].q.front().mask;
            m->dc_rs_tag = ch[1].q.front().tag;
        }
        m->host_ack = 0;
        if (m->host_req) {
            if (!job->host || job->host(job->host_ctx, m->host_idx, job->dram)) {
                snprintf(job->err, sizeof job->err, "host operator %d failed", (int)m->host_idx);
                rc = 1;
                break;
            }
            m->host_ack = 1;
        }
        m->eval();
        for (int k = 0; k < 3; k++)
            if (due[k]) ch[k].q.pop_front();
        uint8_t wd[64];
        bool ok = true;
        if (m->dl_rq_valid)
            ok = request(ch[0], "load", m->dl_rq_addr, m->dl_rq_mask, m->dl_rq_tag, nullptr);
        if (ok && m->dc_rq_valid)
            ok = request(ch[1], "compute", m->dc_rq_addr, m->dc_rq_mask, m->dc_rq_tag, nullptr);
        if (ok && m->ds_rq_valid) {
            for (int i = 0; i < BPC; i++) wd[i] = get_byte(m->ds_rq_data, i);
            ok = request(ch[2], "store", m->ds_rq_addr, m->ds_rq_mask, 0, wd);
        }
        if (!ok) {
            rc = 1;
            break;
        }
        const bool fetched = m->insn_valid && m->insn_ready;
        tr.dump(job->cycles, t++);
        m->clk = 1;
        m->eval();
        tr.dump(job->cycles, t++);
        if (fetched) pc++;
        if (!tr.after(job->cycles)) {
            rc = 1;
            break;
        }
        job->cycles++;
    }
    job->insns_done = m->insn_count;
    m->final();
    if (tr.vcd) {
        tr.vcd->close();
        job->vcd_bytes = tr.size_closed();
    }
    return rc;
}
