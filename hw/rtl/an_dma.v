// an_dma: one DMA engine (docs/hw.md), a LOAD (DRAM -> SRAM, STORE = 0) or
// a STORE (SRAM -> DRAM, STORE = 1), timed exactly as docs/timing.md says:
//
//   L + ceil(bus / BW) + ceil(pad / BB) cycles, at least 1.
//
// * Requests: from the instruction's first cycle, one DRAM beat of BW bytes
//   per cycle, walking the runs of the transfer (one run when the rows are
//   adjacent, else one per row when the row's elements are adjacent, else one
//   per element), each rounded out to BB-aligned bursts. A beat carries a
//   byte mask of the run's bytes in it; a STORE beat carries their data,
//   gathered from the SRAM in the cycle it is sent.
// * Responses: the DRAM answers every beat dram_latency cycles later, in
//   order, echoing the mask (and, for a LOAD, the data, which is scattered
//   into the SRAM in the cycle it arrives). The data phase ends with the
//   last response.
// * Padding (LOAD): then BB padding bytes per cycle, in address order,
//   get pad_value: padding elements, the pitch - xbytes bytes after each data
//   element, and the pad_tail bytes after the grid. A STORE spends the same
//   cycles (its SRAM span's bytes that are not data) and writes nothing.
//
// The data walker and the padding walker are chains of byte steps (BW and BB
// lanes); every SRAM byte lane has its own address (s_addr lane j).
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
    // DRAM: requests (address of a BW-aligned beat, byte mask, store data)
    output wire             rq_valid,
    output wire [31:0]      rq_addr,
    output reg  [BW-1:0]    rq_mask,
    output reg  [BW*8-1:0]  rq_wdata,
    // DRAM: responses, dram_latency cycles after their requests, in order
    input  wire             rs_valid,
    input  wire [BW-1:0]    rs_mask,
    input  wire [BW*8-1:0]  rs_rdata,
    // SRAM byte lanes: a LOAD writes them, a STORE reads lanes 0..BW-1
    output reg  [BB-1:0]    s_we,
    output reg  [BB*AB-1:0] s_addr,
    output reg  [BB*8-1:0]  s_wdata,
    input  wire [BW*8-1:0]  s_rdata
);
    reg [255:0] ci_r;
    wire [255:0] ci = go ? insn : ci_r;
    reg on;
    assign busy = on;

    // ---------------- fields and derived shapes ----------------
    wire [31:0] sram = `AN_DMA_SRAM(ci), dram = `AN_DMA_DRAM(ci);
    wire [31:0] ysz = `AN_DMA_YSIZE(ci), xsz = `AN_DMA_XSIZE(ci), xb = `AN_DMA_XBYTES(ci);
    wire [31:0] pitch = `AN_DMA_PITCH(ci), ystr = `AN_DMA_DRAM_YSTRIDE(ci);
    wire [31:0] xstr = `AN_DMA_DRAM_XSTRIDE(ci), tail = `AN_DMA_PAD_TAIL(ci);
    wire [31:0] pt = `AN_DMA_PAD_TOP(ci), pl = `AN_DMA_PAD_LEFT(ci), pr = `AN_DMA_PAD_RIGHT(ci);
    wire [31:0] gh = pt + ysz + `AN_DMA_PAD_BOTTOM(ci), gw = pl + xsz + pr;
    wire [7:0] pad_value = `AN_DMA_PAD_VALUE(ci);
    wire nodata = ysz == 0 || xsz == 0 || xb == 0;
    wire [31:0] rowlen = xsz * xb;
    wire row_contig = xsz == 1 || xstr == xb;
    wire one_run = row_contig && (ysz == 1 || ystr == rowlen);
    wire [31:0] runlen = one_run ? ysz * rowlen : row_contig ? rowlen : xb;
    wire [31:0] xrun = xsz * pitch;        // SRAM bytes of a row's data elements
    wire [31:0] yrun = ysz * xrun;         // ... of all data rows when there is no side padding
    wire [31:0] rowskip = (pl + pr + 1) * pitch;
    localparam [31:0] BMASK = BB - 1;

    // ---------------- requests: runs of bursts, a beat per cycle ----------------
    reg rq_on, rq_done;
    reg [31:0] ra, rrow, bp;   // run address, its row's address, next beat
    reg [31:0] ry, rx;         // run coordinates
    wire rq_first = go && !nodata;
    wire [31:0] ra_c = go ? dram : ra, rrow_c = go ? dram : rrow;
    wire [31:0] ry_c = go ? 0 : ry, rx_c = go ? 0 : rx;
    wire [31:0] bp_c = go ? dram & ~BMASK : bp;
    assign rq_valid = rq_first || rq_on;
    assign rq_addr = bp_c;
    wire [31:0] re = ra_c + runlen;
    wire [31:0] rbe = (re + BMASK) & ~BMASK;
    wire run_end = bp_c + BW >= rbe;
    wire runs_end = one_run || (row_contig ? ry_c + 1 >= ysz : ry_c + 1 >= ysz && rx_c + 1 >= xsz);
    // the next run
    wire next_row = row_contig || rx_c + 1 >= xsz;
    wire [31:0] ra_n = next_row ? rrow_c + ystr : ra_c + xstr;
    integer j;
    always @* begin
        for (j = 0; j < BW; j = j + 1)
            rq_mask[j] = bp_c + j >= ra_c && bp_c + j < re;
    end

    // ---------------- data walker: (dy, dx, dk) and the element's SRAM address ----------------
    reg [31:0] dy, dx, dk, desa;
    wire [31:0] desa0 = sram + (pt * gw + pl) * pitch;
    wire [BW-1:0] dmask = STORE ? (rq_valid ? rq_mask : {BW{1'b0}}) : (rs_valid ? rs_mask : {BW{1'b0}});
    reg [31:0] wy, wx, wk, wa;
    reg [BW*AB-1:0] d_addr;
    always @* begin
        wy = go ? 0 : dy; wx = go ? 0 : dx; wk = go ? 0 : dk; wa = go ? desa0 : desa;
        d_addr = 0;
        for (j = 0; j < BW; j = j + 1)
            if (dmask[j]) begin
                d_addr[j*AB +: AB] = wa + wk;
                if (wk + 1 < xb) wk = wk + 1;
                else begin
                    wk = 0;
                    if (wx + 1 < xsz) begin wx = wx + 1; wa = wa + pitch; end
                    else begin wx = 0; wy = wy + 1; wa = wa + rowskip; end
                end
            end
    end

    // ---------------- padding walker: the next padding byte (py, px, pk) at pa + pk ----------------
    reg pad_on;
    reg [31:0] py, px, pk, pa;
    reg pdn;
    // norm: on entering element (y, x) at SRAM address a, the first padding
    // byte from there: {done, address, byte in element, x, y}. A data element
    // has none when pitch == xbytes, so its whole data run is skipped; past
    // the grid come the tail bytes.
    wire [31:0] ghe = (gw == 0 || pitch == 0) ? 32'd0 : gh;
    function [128:0] norm(input [31:0] y, input [31:0] x, input [31:0] a);
        reg [31:0] ny, nx, nk, na;
        begin
            ny = y; nx = x; na = a; nk = 0;
            if (ny < ghe && ny >= pt && ny < pt + ysz && nx >= pl && nx < pl + xsz) begin
                if (pitch > xb) nk = xb;
                else if (pl != 0 || pr != 0) begin
                    na = na + xrun;
                    nx = nx + xsz;
                    if (nx >= gw) begin nx = nx - gw; ny = ny + 1; end
                end else begin
                    na = na + yrun;
                    ny = pt + ysz;
                    nx = 0;
                end
            end
            norm = {ny >= ghe && tail == 0, na, nk, nx, ny};
        end
    endfunction
    wire [31:0] py0, px0, pk0, pa0;
    wire pdn0;
    assign {pdn0, pa0, pk0, px0, py0} = norm(0, 0, sram);
    wire pad_act = pad_on || (go && nodata && !pdn0);
    reg [BB*AB-1:0] p_addr;
    reg [BB-1:0] p_we;
    reg p_end;
    reg [31:0] qy, qx, qk, qa, ny, nx, na;
    reg qdn;
    always @* begin
        qy = go ? py0 : py; qx = go ? px0 : px; qk = go ? pk0 : pk; qa = go ? pa0 : pa;
        qdn = go ? pdn0 : pdn;
        p_addr = 0;
        p_we = 0;
        ny = 0; nx = 0; na = 0;
        for (j = 0; j < BB; j = j + 1)
            if (!qdn) begin
                p_we[j] = 1;
                p_addr[j*AB +: AB] = qa + qk;
                qk = qk + 1;
                if (qk >= (qy >= ghe ? tail : pitch)) begin
                    if (qy >= ghe) qdn = 1;
                    else begin
                        ny = qy; nx = qx + 1; na = qa + pitch;
                        if (nx == gw) begin nx = 0; ny = ny + 1; end
                        {qdn, qa, qk, qx, qy} = norm(ny, nx, na);
                    end
                end
            end
        p_end = qdn;
    end

    // ---------------- SRAM lanes ----------------
    always @* begin
        s_we = 0;
        s_addr = 0;
        s_wdata = {BB{pad_value}};
        rq_wdata = s_rdata;
        if (pad_act) begin
            s_we = STORE ? {BB{1'b0}} : p_we;
            s_addr = p_addr;
        end else begin
            s_addr[BW*AB-1:0] = d_addr;
            if (!STORE) begin
                s_we[BW-1:0] = dmask;
                s_wdata[BW*8-1:0] = rs_rdata;
            end
        end
    end

    // ---------------- phases ----------------
    reg [31:0] outst;
    reg pad_empty_r;
    wire data_last = rs_valid && rq_done && outst == 1;
    wire pdn_now = go ? pdn0 : pad_empty_r;
    assign last = (pad_act && p_end) ||
                  (data_last && pdn_now) ||
                  (go && nodata && pdn0);
    always @(posedge clk) begin
        if (rst) begin
            on <= 0; rq_on <= 0; rq_done <= 0; pad_on <= 0; outst <= 0;
        end else begin
            if (go) begin
                ci_r <= insn;
                on <= !last;
                pad_empty_r <= pdn0;
                dy <= 0; dx <= 0; dk <= 0; desa <= desa0;
                py <= py0; px <= px0; pk <= pk0; pa <= pa0; pdn <= pdn0;
                rq_done <= nodata;
            end else if (last) on <= 0;
            // requests
            if (rq_valid) begin
                if (run_end) begin
                    if (runs_end) begin
                        rq_on <= 0;
                        rq_done <= 1;
                    end else begin
                        rq_on <= 1;
                        if (next_row) begin
                            rrow <= ra_n;
                            ry <= ry_c + 1;
                            rx <= 0;
                        end else begin
                            rrow <= rrow_c;
                            ry <= ry_c;
                            rx <= rx_c + 1;
                        end
                        ra <= ra_n;
                        bp <= ra_n & ~BMASK;
                    end
                end else begin
                    rq_on <= 1;
                    ra <= ra_c; rrow <= rrow_c; ry <= ry_c; rx <= rx_c;
                    bp <= bp_c + BW;
                end
            end
            outst <= outst + (rq_valid ? 1 : 0) - (rs_valid ? 1 : 0);
            // data walker
            if (|dmask) begin
                dy <= wy; dx <= wx; dk <= wk; desa <= wa;
            end
            // padding
            if (data_last && !pdn_now) pad_on <= 1;
            if (go && nodata && !pdn0) pad_on <= 1;
            if (pad_act) begin
                py <= qy; px <= qx; pk <= qk; pa <= qa; pdn <= qdn;
                if (p_end) pad_on <= 0;
            end
        end
    end
endmodule
