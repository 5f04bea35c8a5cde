// The Verilator harness: a thin C++ shim with a C interface (an_rtl_shim.h).
// Each cycle, in the clock's low phase, it offers the next instruction,
// serves a pending DRAM byte request (read data and ack in the same cycle)
// and a pending host request, then raises the clock. The cycle count runs
// from reset release until the chip raises done.
#include "an_rtl_shim.h"

#include "Van_npu.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include <cstdio>
#include <cstring>
#include <memory>

extern "C" const an_rtl_chip *an_rtl_shim_chip(void) {
    static const an_rtl_chip chip = {AN_RTL_CHIP_NAME,       AN_RTL_ROWS,      AN_RTL_COLS,
                                     AN_RTL_INSN_DEPTH,      AN_RTL_TOKEN_DEPTH, AN_RTL_ACT_BYTES,
                                     AN_RTL_WGT_BYTES,       AN_RTL_ACC_BYTES};
    return &chip;
}

extern "C" int an_rtl_shim_run(an_rtl_job *job) {
    std::unique_ptr<VerilatedContext> ctx(new VerilatedContext);
    std::unique_ptr<Van_npu> m(new Van_npu(ctx.get()));
    std::unique_ptr<VerilatedVcdC> tr;
    uint64_t t = 0;
    job->cycles = job->insns_done = 0;
    job->err[0] = 0;
    if (job->vcd) {
        ctx->traceEverOn(true);
        tr.reset(new VerilatedVcdC);
        m->trace(tr.get(), 99);
        tr->open(job->vcd);
        if (!tr->isOpen()) {
            snprintf(job->err, sizeof job->err, "%s: cannot open the trace file", job->vcd);
            return 1;
        }
    }
    auto tick = [&]() {
        m->clk = 0;
        m->eval();
        if (tr) tr->dump(t);
        t++;
        m->clk = 1;
        m->eval();
        if (tr) tr->dump(t);
        t++;
    };
    m->rst = 1;
    m->insn_valid = 0;
    m->dram_ack = 0;
    m->host_ack = 0;
    tick();
    tick();
    m->rst = 0;
    int64_t pc = 0;
    int rc = 0;
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
        m->dram_ack = 0;
        if (m->dram_req) {
            const int64_t a = m->dram_addr;
            if (a >= job->dram_size) {
                snprintf(job->err, sizeof job->err, "DRAM %s at byte %lld past its end (%lld)",
                         m->dram_we ? "write" : "read", (long long)a, (long long)job->dram_size);
                rc = 1;
                break;
            }
            if (m->dram_we)
                job->dram[a] = m->dram_wdata;
            else
                m->dram_rdata = job->dram[a];
            m->dram_ack = 1;
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
        const bool fetched = m->insn_valid && m->insn_ready;
        if (tr) tr->dump(t);
        t++;
        m->clk = 1;
        m->eval();
        if (tr) tr->dump(t);
        t++;
        if (fetched) pc++;
        job->cycles++;
    }
    job->insns_done = m->insn_count;
    m->final();
    if (tr) tr->close();
    return rc;
}
