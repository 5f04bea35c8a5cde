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
// The instruction comes on insn in the cycle go is high (its first cycle) and
// is held inside after; last is high in its final cycle.
`default_nettype none
`include "an_params.vh"
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
    wire [255:0] ci = go ? insn : ci_r;
    reg on;
    assign busy = on;

    // ---------------- fields and derived shapes ----------------
    // sizes at their field widths, SRAM offsets at AB bits (SRAM addresses
    // wrap at 2^AB), DRAM addresses at 32: the multipliers stay narrow
    wire [AB-1:0] sram = `AN_DMA_SRAM(ci);
    wire [31:0] dram = `AN_DMA_DRAM(ci), ystr = `AN_DMA_DRAM_YSTRIDE(ci);
    wire [23:0] xstr = `AN_DMA_DRAM_XSTRIDE(ci);
    wire [15:0] ysz = `AN_DMA_YSIZE(ci), xsz = `AN_DMA_XSIZE(ci), xb = `AN_DMA_XBYTES(ci);
    wire [15:0] pitch = `AN_DMA_PITCH(ci), tail = `AN_DMA_PAD_TAIL(ci);
    wire [7:0] pt = `AN_DMA_PAD_TOP(ci), pl = `AN_DMA_PAD_LEFT(ci), pr = `AN_DMA_PAD_RIGHT(ci);
    wire [7:0] pb = `AN_DMA_PAD_BOTTOM(ci);
    wire [17:0] gh = pt + ysz + pb, gw = pl + xsz + pr;
    wire [AB-1:0] grow = gw * pitch;           // SRAM bytes of a grid row
    wire nodata = ysz == 0 || xsz == 0 || xb == 0;
    wire [31:0] rowlen = xsz * xb;
    wire rc = xsz == 1 || (xstr == xb && pitch == xb);
    wire one = rc && (ysz == 1 || (ystr == rowlen && pitch == xb && pl + pr == 0));
    wire [31:0] runlen = one ? ysz * rowlen : rc ? rowlen : {16'd0, xb};
    wire [AB-1:0] s_first = sram + (pt * gw + pl) * pitch;  // the first data byte
    localparam [31:0] BMASK = BB - 1;

    // ---------------- requests: runs of bursts, a beat per cycle ----------------
    reg rq_on, rq_done;
    reg [31:0] ra, rrow, srun, srow, bp;  // run (DRAM, SRAM), its row's, next beat
    reg [31:0] ry, rx;                    // run coordinates
    wire [31:0] ra_c = go ? dram : ra, rrow_c = go ? dram : rrow;
    wire [31:0] srun_c = go ? s_first : srun, srow_c = go ? s_first : srow;
    wire [31:0] ry_c = go ? 0 : ry, rx_c = go ? 0 : rx;
    wire [31:0] bp_c = go ? dram & ~BMASK : bp;
    assign rq_valid = (go && !nodata) || rq_on;
    assign rq_addr = bp_c;
    assign rq_tag = srun_c + (bp_c - ra_c);
    wire [31:0] re = ra_c + runlen;
    wire run_end = bp_c + BW >= ((re + BMASK) & ~BMASK);
    wire runs_end = one || (rc ? ry_c + 1 >= ysz : ry_c + 1 >= ysz && rx_c + 1 >= xsz);
    wire next_row = rc || rx_c + 1 >= xsz;
    integer j;
    always @* begin
        for (j = 0; j < BW; j = j + 1)
            rq_mask[j] = bp_c + j >= ra_c && bp_c + j < re;
    end
    assign rq_wdata = s_rdata;

    // ---------------- padding: stretches between data chunks ----------------
    // data chunks: an element when pitch > xbytes, else a row when rows have
    // side padding, else all; gap k (k = 1 .. ngaps) follows chunk k - 1,
    // gap 0 comes before the first chunk, gap ngaps + 1 after the last
    wire nod = nodata || gw == 0 || pitch == 0;
    wire elemc = pitch > xb;
    wire [AB-1:0] side = (pl + pr) * pitch;
    wire [AB-1:0] after = pr * pitch + pb * grow + tail;
    wire [AB-1:0] xrun = xsz * pitch;
    wire [AB-1:0] chunk = nod ? 0 : elemc ? xb : side != 0 ? xrun : ysz * xrun;
    wire [31:0] ngaps = nod ? 0 : elemc ? ysz * xsz - 1 : side != 0 ? ysz - 1 : 0;
    wire [AB-1:0] g_in = pitch - xb, g_row = elemc ? pitch - xb + side : side;
    wire [AB-1:0] g_first = nod ? gh * grow + tail : s_first - sram;
    wire [AB-1:0] g_last = nod ? 0 : elemc ? pitch - xb + after : after;
    // from the end of gap k (a_end) and the x of chunk k: gap k + 1
    // {done, k, address, length, x of the chunk after it}
    function [128:0] gap_next(input [31:0] k, input [31:0] a_end, input [31:0] cx);
        reg [31:0] len, nx;
        begin
            len = 0;
            nx = 0;
            if (k + 1 <= ngaps) begin
                len = !elemc || cx + 1 >= xsz ? g_row : g_in;
                nx = elemc && cx + 1 < xsz ? cx + 1 : 0;
            end else if (k + 1 == ngaps + 1) len = g_last;
            gap_next = {len == 0, k + 1, a_end + chunk, len, nx};
        end
    endfunction
    wire [128:0] gap1 = gap_next(0, sram + g_first, 0);
    wire pdn0 = g_first == 0 ? gap1[128] : 1'b0;
    reg pad_on, pad_empty_r;
    reg [31:0] pk, pa, prem, pcx;
    wire pad_act = !STORE && (pad_on || (go && nodata && !pdn0));
    wire [31:0] pk_c = go ? (g_first == 0 ? gap1[127:96] : 0) : pk;
    wire [31:0] pa_c = go ? (g_first == 0 ? gap1[95:64] : sram) : pa;
    wire [31:0] prem_c = go ? (g_first == 0 ? gap1[63:32] : g_first) : prem;
    wire [31:0] pcx_c = go ? (g_first == 0 ? gap1[31:0] : 0) : pcx;
    wire seg_end = prem_c <= BB;
    wire [128:0] gapn = gap_next(pk_c, pa_c + prem_c, pcx_c);
    wire p_end = seg_end && gapn[128];
    reg [BB-1:0] p_mask;
    always @* begin
        for (j = 0; j < BB; j = j + 1) p_mask[j] = j < prem_c;
    end

    // ---------------- SRAM port ----------------
    assign s_we = !STORE && (pad_act || rs_valid);
    assign s_addr = pad_act ? pa_c : STORE ? rq_tag : rs_tag;
    assign s_wmask = pad_act ? p_mask : {{(BB-BW){1'b0}}, rs_mask};
    assign s_wdata = pad_act ? {BB{`AN_DMA_PAD_VALUE(ci)}} : {{(BB-BW){8'd0}}, rs_rdata};

    // ---------------- phases ----------------
    reg [31:0] outst;
    wire data_last = rs_valid && rq_done && outst == 1;
    wire pdn_now = go ? pdn0 : pad_empty_r;
    assign last = (pad_act && p_end) || (data_last && (STORE || pdn_now)) ||
                  (go && nodata && (STORE || pdn0));
    always @(posedge clk) begin
        if (rst) begin
            on <= 0; rq_on <= 0; rq_done <= 0; pad_on <= 0; outst <= 0;
        end else begin
            if (go) begin
                ci_r <= insn;
                pad_empty_r <= pdn0;
                rq_done <= nodata;
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
                        ry <= next_row ? ry_c + 1 : ry_c;
                        rx <= next_row ? 0 : rx_c + 1;
                        rrow <= next_row ? rrow_c + ystr : rrow_c;
                        srow <= next_row ? srow_c + grow : srow_c;
                        ra <= next_row ? rrow_c + ystr : ra_c + xstr;
                        srun <= next_row ? srow_c + grow : srun_c + pitch;
                        bp <= (next_row ? rrow_c + ystr : ra_c + xstr) & ~BMASK;
                    end
                end else begin
                    rq_on <= 1;
                    ra <= ra_c; rrow <= rrow_c; srun <= srun_c; srow <= srow_c;
                    ry <= ry_c; rx <= rx_c;
                    bp <= bp_c + BW;
                end
            end
            outst <= outst + (rq_valid ? 1 : 0) - (rs_valid ? 1 : 0);
            // padding (a LOAD; a STORE has none)
            if (!STORE && data_last && !pdn_now) pad_on <= 1;
            if (!STORE && go && nodata && !pdn0) pad_on <= 1;
            if (go || pad_act) begin
                if (pad_act && seg_end) begin
                    pk <= gapn[127:96]; pa <= gapn[95:64]; prem <= gapn[63:32]; pcx <= gapn[31:0];
                end else if (pad_act) begin
                    pk <= pk_c; pa <= pa_c + BB; prem <= prem_c - BB; pcx <= pcx_c;
                end else begin
                    pk <= pk_c; pa <= pa_c; prem <= prem_c; pcx <= pcx_c;
                end
                if (pad_act && p_end) pad_on <= 0;
            end
        end
    end
endmodule
