// an_dma: one DMA engine (docs/hw.md), a LOAD (DRAM -> SRAM, STORE = 0) or
// a STORE (SRAM -> DRAM, STORE = 1), timed exactly as docs/timing.md says:
//
//   LOAD   L + ceil(bus / BW) + padding cycles      STORE  L + ceil(bus / BW)
//   (at least 1)
//
// * Runs: bytes contiguous both in DRAM and in SRAM: the whole transfer when
//   the rows are adjacent on both sides, else a row when its elements are,
//   else an element. Each run is rounded out to BB-aligned bursts.
// * Requests: from the instruction's first cycle, one DRAM beat of BW bytes
//   per cycle, run after run. A beat carries the byte mask of its run's bytes
//   and a tag, the SRAM address of its byte 0; a STORE beat carries the data,
//   read from the SRAM in the cycle it is sent.
// * Answers: the DRAM answers every beat dram_latency cycles later, in order,
//   with its mask and tag (and, for a LOAD, the data, written to the SRAM in
//   the cycle it arrives). The data phase ends with the last answer.
// * Padding (LOAD): then every maximal stretch of non-data bytes of the
//   SRAM span (padding elements, the pitch - xbytes bytes after each data
//   element, the tail) gets pad_value, BB bytes a cycle.
//
// The instruction comes on insn, with what an_decode derived from it on dec,
// in the cycle go is high (its first cycle) and is held inside after; last is
// high in its final cycle. The first cycle's values come straight from insn
// and dec (no multiply, no chained add: the decode did them), later cycles'
// from registers, and the engine counts rows, columns and gaps down, so that
// each cycle's logic is an add, a compare and a select after go.
`default_nettype none
`include "an_params.vh"
`include "an_decode.vh"
module an_dma #(
    parameter BW = 4,     // DRAM bytes per cycle (a power of two)
    parameter BB = 16,    // burst bytes (a power of two, >= BW)
    parameter STORE = 0,
    parameter AB = 14     // SRAM address bits
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             go,
    input  wire [255:0]     insn,
    input  wire [`AN_DEC_W-1:0] dec,
    output wire             busy,
    output wire             last,
    // DRAM requests: BW-aligned beat address, byte mask, tag, store data
    output wire             rq_valid,
    output wire [31:0]      rq_addr,
    output reg  [BW-1:0]    rq_mask,
    output wire [31:0]      rq_tag,
    output wire [BW*8-1:0]  rq_wdata,
    // DRAM answers, dram_latency cycles after their requests, in order
    input  wire             rs_valid,
    input  wire [BW-1:0]    rs_mask,
    input  wire [31:0]      rs_tag,
    input  wire [BW*8-1:0]  rs_rdata,
    // SRAM port: BB bytes from s_addr (a LOAD writes under s_wmask; a STORE
    // reads BW bytes)
    output wire             s_we,
    output wire [AB-1:0]    s_addr,
    output wire [BB*8-1:0]  s_wdata,
    output wire [BB-1:0]    s_wmask,
    input  wire [BW*8-1:0]  s_rdata
);
    reg [255:0] ci_r;
    reg [`AN_DEC_W-1:0] cd_r;
    wire [255:0] ci = go ? insn : ci_r;
    wire [`AN_DEC_W-1:0] cd = go ? dec : cd_r;
    reg on;
    assign busy = on;
    localparam [31:0] BMASK = BB - 1;

    // ---------------- fields ----------------
    // SRAM offsets at AB bits (SRAM addresses wrap at 2^AB), DRAM at 32
    wire [31:0] pitch = {16'd0, `AN_DMA_PITCH(ci)}, ystr = `AN_DMA_DRAM_YSTRIDE(ci);
    wire [15:0] xsz = `AN_DMA_XSIZE(ci);
    wire [31:0] grow = `AN_DEC_GROW(cd); // (an_decode wraps it at AB bits)
    wire [AB-1:0] chunk = `AN_DEC_CHUNK(cd);
    wire [31:0] runlen = `AN_DEC_RUNLEN(cd);
    wire rc = `AN_DEC_RC(cd), one = `AN_DEC_ONE(cd), elemc = `AN_DEC_ELEMC(cd);
    // the first cycle's, from insn and dec alone
    wire [31:0] dram0 = `AN_DMA_DRAM(insn);
    wire [31:0] sfirst0 = `AN_DEC_SFIRST(dec);
    wire [AB-1:0] gfirst0 = `AN_DEC_GFIRST(dec);
    wire [AB-1:0] sram0 = `AN_DMA_SRAM(insn);
    wire nodata0 = `AN_DEC_NODATA(dec);

    // ---------------- requests: runs of bursts, a beat per cycle ----------------
    // ra: the run's first DRAM byte, bp: the next beat, re: the run's end
    // rounded out to a burst; rrow / srow: the row's first byte in DRAM /
    // SRAM, srun: the run's in SRAM; yl / xl: rows / elements after this one
    reg rq_on, rq_done;
    reg [31:0] ra, rrow, bp, re, srun, srow;
    reg [15:0] yl, xl;
    wire [31:0] ra_c = go ? dram0 : ra, rrow_c = go ? dram0 : rrow;
    wire [31:0] bp_c = go ? dram0 & ~BMASK : bp;
    wire [31:0] re_c = go ? (dram0 + `AN_DEC_RLB(dec)) & ~BMASK : re;
    wire [31:0] srun_c = go ? sfirst0 : srun, srow_c = go ? sfirst0 : srow;
    wire [15:0] yl_c = go ? `AN_DMA_YSIZE(insn) - 16'd1 : yl;
    wire [15:0] xl_c = go ? `AN_DMA_XSIZE(insn) - 16'd1 : xl;
    assign rq_valid = (go && !nodata0) || rq_on;
    assign rq_addr = bp_c;
    wire [31:0] d = bp_c - ra_c; // the beat's byte 0 from the run's first byte
    assign rq_tag = srun_c + d;
    wire run_end = bp_c + BW == re_c;
    wire runs_end = one || (yl_c == 0 && (rc || xl_c == 0));
    wire next_row = rc || xl_c == 0;
    // the next run: the next row's, or the next element's
    wire [31:0] nra = next_row ? rrow_c + ystr : ra_c + {8'd0, `AN_DMA_DRAM_XSTRIDE(ci)};
    wire [31:0] nre = next_row ? rrow_c + `AN_DEC_YRL(cd) : ra_c + `AN_DEC_XRL(cd);
    integer j;
    reg [31:0] dj;
    always @* begin
        for (j = 0; j < BW; j = j + 1) begin
            dj = d + j;
            rq_mask[j] = !dj[31] && dj < runlen;
        end
    end
    assign rq_wdata = s_rdata;

    // ---------------- padding: stretches between data chunks ----------------
    // data chunks: an element when pitch > xbytes, else a row when rows have
    // side padding, else all; gap k (k = 1 .. ngaps) follows chunk k - 1,
    // gap 0 comes before the first chunk, gap ngaps + 1 after the last.
    // The walk holds the current stretch (pa, prem), kl = ngaps - k (gaps
    // after this one; -1 once past the last) and cl, the elements of the
    // row after the chunk this gap follows.
    reg pad_on, pad_empty_r;
    reg signed [32:0] kl;
    reg [15:0] cl;
    reg [AB-1:0] pa, prem;
    // the gap after the current one: {length, empty, elements after its chunk}
    function [AB+16:0] gap_after(input signed [32:0] k, input [15:0] c, input el,
                                 input [`AN_DEC_W-1:0] dd, input [15:0] xs);
        begin
            if (k > 0)
                gap_after = (!el || c == 0) ? {`AN_DEC_GROW_GAP(dd), `AN_DEC_GROW_GAP_Z(dd),
                                              xs - 16'd1}
                          : {`AN_DEC_GIN(dd), `AN_DEC_GIN_Z(dd), c - 16'd1};
            else if (k == 0) gap_after = {`AN_DEC_GLAST(dd), `AN_DEC_GLAST_Z(dd), 16'd0};
            else gap_after = {{AB{1'b0}}, 1'b1, 16'd0};
        end
    endfunction
    // the first cycle: gap 0, or gap 1 when gap 0 is empty
    wire [AB+16:0] gap1 = gap_after($signed({1'b0, `AN_DEC_NGAPS(dec)}), `AN_DMA_XSIZE(insn) - 16'd1,
                                    `AN_DEC_ELEMC(dec), dec, `AN_DMA_XSIZE(insn));
    wire g0z = gfirst0 == 0;
    wire pdn0 = g0z && gap1[16];
    wire pad_act = !STORE && (pad_on || (go && nodata0 && !pdn0));
    wire signed [32:0] kl_c = go ? $signed({1'b0, `AN_DEC_NGAPS(dec)}) - (g0z ? 33'sd1 : 33'sd0) : kl;
    wire [15:0] cl_c = go ? (g0z ? gap1[15:0] : `AN_DMA_XSIZE(insn) - 16'd1) : cl;
    wire [AB-1:0] pa_c = go ? (g0z ? sram0 + chunk : sram0) : pa;
    wire [AB-1:0] prem_c = go ? (g0z ? gap1[AB+16:17] : gfirst0) : prem;
    wire seg_end = prem_c <= BB;
    wire [AB+16:0] gapn = gap_after(kl_c, cl_c, elemc, cd, xsz);
    wire p_end = seg_end && gapn[16];
    reg [BB-1:0] p_mask;
    always @* begin
        for (j = 0; j < BB; j = j + 1) p_mask[j] = j < prem_c;
    end

    // ---------------- SRAM port ----------------
    assign s_we = !STORE && (pad_act || rs_valid);
    assign s_addr = pad_act ? pa_c : STORE ? rq_tag[AB-1:0] : rs_tag[AB-1:0];
    assign s_wmask = pad_act ? p_mask : {{(BB-BW){1'b0}}, rs_mask};
    assign s_wdata = pad_act ? {BB{`AN_DMA_PAD_VALUE(ci)}} : {{(BB-BW){8'd0}}, rs_rdata};

    // ---------------- phases ----------------
    reg [31:0] outst;
    wire data_last = rs_valid && rq_done && outst == 1;
    wire pdn_now = go ? pdn0 : pad_empty_r;
    assign last = (pad_act && p_end) || (data_last && (STORE || pdn_now)) ||
                  (go && nodata0 && (STORE || pdn0));
    always @(posedge clk) begin
        if (rst) begin
            on <= 0; rq_on <= 0; rq_done <= 0; pad_on <= 0; outst <= 0;
        end else begin
            if (go) begin
                ci_r <= insn;
                cd_r <= dec;
                pad_empty_r <= pdn0;
                rq_done <= nodata0;
            end
            if (go || on) on <= !last;
            // requests
            if (rq_valid) begin
                if (run_end) begin
                    if (runs_end) begin
                        rq_on <= 0;
                        rq_done <= 1;
                    end else begin
                        rq_on <= 1;
                        yl <= next_row ? yl_c - 16'd1 : yl_c;
                        xl <= next_row ? xsz - 16'd1 : xl_c - 16'd1;
                        rrow <= next_row ? nra : rrow_c;
                        srow <= next_row ? srow_c + grow : srow_c;
                        ra <= nra;
                        re <= nre & ~BMASK;
                        srun <= next_row ? srow_c + grow : srun_c + pitch;
                        bp <= nra & ~BMASK;
                    end
                end else begin
                    rq_on <= 1;
                    ra <= ra_c; rrow <= rrow_c; srun <= srun_c; srow <= srow_c;
                    re <= re_c; yl <= yl_c; xl <= xl_c;
                    bp <= bp_c + BW;
                end
            end
            outst <= outst + (rq_valid ? 1 : 0) - (rs_valid ? 1 : 0);
            // padding (a LOAD; a STORE has none)
            if (!STORE && data_last && !pdn_now) pad_on <= 1;
            if (!STORE && go && nodata0 && !pdn0) pad_on <= 1;
            if (go || pad_act) begin
                if (pad_act && seg_end) begin
                    kl <= kl_c - 33'sd1; cl <= gapn[15:0];
                    pa <= pa_c + prem_c + chunk; prem <= gapn[AB+16:17];
                end else if (pad_act) begin
                    kl <= kl_c; cl <= cl_c; pa <= pa_c + BB; prem <= prem_c - BB;
                end else begin
                    kl <= kl_c; cl <= cl_c; pa <= pa_c; prem <= prem_c;
                end
                if (pad_act && p_end) pad_on <= 0;
            end
        end
    end
endmodule
