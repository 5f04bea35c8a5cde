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
// tail is high while the instruction only waits for its answers: every
// request sent, DRAM data moved and no padding to write after them; the
// queue's other engine (an_dma2) may then start the next one.
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
    output wire             tail,   // only its answers still to come, and no padding after
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
    reg on;
    assign busy = on;
    localparam [31:0] BMASK = BB - 1;

    // ---------------- the walk's state ----------------
    // requests: ra the run's first DRAM byte, bp the next beat, re the run's
    // end rounded out to a burst; rrow / srow the row's first byte in DRAM /
    // SRAM, srun the run's in SRAM; yl / xl rows / elements after this one.
    // padding: the current stretch (pa, prem), kl = ngaps - k (gaps after
    // this one; -1 once past the last), cl the elements of the row after the
    // chunk this gap follows.
    reg rq_on, rq_done, pad_on, pad_empty_r;
    reg [31:0] ra, rrow, bp, re, srun, srow;
    reg [15:0] yl, xl, cl;
    reg signed [32:0] kl;
    reg [AB-1:0] pa, prem;
    // the first cycle's state, from insn and dec alone: gap 0, or gap 1
    // when gap 0 is empty
    wire [31:0] dram0 = `AN_DMA_DRAM(insn), sfirst0 = `AN_DEC_SFIRST(dec);
    wire [AB-1:0] gfirst0 = `AN_DEC_GFIRST(dec), sram0 = `AN_DMA_SRAM(insn);
    wire [15:0] xs0 = `AN_DMA_XSIZE(insn) - 16'd1;
    wire nodata0 = `AN_DEC_NODATA(dec), g0z = gfirst0 == 0;
    wire [AB+16:0] gap1;
    an_dma_gap #(AB) first_gap (.k({1'b0, `AN_DEC_NGAPS(dec)}), .c(xs0), .insn(insn), .dec(dec),
                                .gap(gap1));
    wire pdn0 = g0z && gap1[16];
    wire signed [32:0] kl0 = $signed({1'b0, `AN_DEC_NGAPS(dec)}) - (g0z ? 33'sd1 : 33'sd0);
    wire [15:0] cl0 = g0z ? gap1[15:0] : xs0;
    wire [AB-1:0] pa0 = g0z ? sram0 + `AN_DEC_CHUNK(dec) : sram0;
    wire [AB-1:0] prem0 = g0z ? gap1[AB+16:17] : gfirst0;

    // ---------------- one cycle of the walk, from each state ----------------
    // The first cycle walks from the instruction, later ones from the
    // registers; both are computed and go picks one at the end, so go's
    // arrival is not added to the walk's adds and compares.
    localparam SW = 6 * 32 + 3 * 16 + 33 + 2 * AB; // a state
    localparam OW = BW + 32 + 2 + SW + 2 + BB;     // a walk's outputs
    wire [SW-1:0] st0 = {dram0, dram0, dram0 & ~BMASK, (dram0 + `AN_DEC_RLB(dec)) & ~BMASK,
                         sfirst0, sfirst0, `AN_DMA_YSIZE(insn) - 16'd1, xs0, cl0, kl0, pa0, prem0};
    wire [SW-1:0] str = {ra, rrow, bp, re, srun, srow, yl, xl, cl, kl, pa, prem};
    wire [OW-1:0] o0, or_;
    an_dma_walk #(BW, BB, AB) walk0 (.insn(insn), .dec(dec), .st(st0), .o(o0));
    an_dma_walk #(BW, BB, AB) walkr (.insn(ci_r), .dec(cd_r), .st(str), .o(or_));
    wire [OW-1:0] o = go ? o0 : or_;
    wire [SW-1:0] st = go ? st0 : str;
    // o = {rq_mask, rq_tag, run_end, runs_end, next state, seg_end, p_end, p_mask}
    wire [BW-1:0] w_mask = o[OW-1 -: BW];
    wire [31:0] w_tag = o[OW-BW-1 -: 32];
    wire run_end = o[OW-BW-33], runs_end = o[OW-BW-34];
    wire [SW-1:0] nst = o[BB+2 +: SW];
    wire seg_end = o[BB+1], p_end = o[BB];
    wire [BB-1:0] p_mask = o[BB-1:0];
    wire [AB-1:0] pa_c = st[2*AB-1:AB];

    // ---------------- requests ----------------
    assign rq_valid = (go && !nodata0) || rq_on;
    assign rq_addr = st[SW-65 -: 32];
    assign rq_tag = w_tag;
    always @* rq_mask = w_mask;
    assign rq_wdata = s_rdata;
    wire pad_act = !STORE && (pad_on || (go && nodata0 && !pdn0));

    // ---------------- SRAM port ----------------
    assign s_we = !STORE && (pad_act || rs_valid);
    assign s_addr = pad_act ? pa_c : STORE ? rq_tag[AB-1:0] : rs_tag[AB-1:0];
    assign s_wmask = pad_act ? p_mask : {{(BB-BW){1'b0}}, rs_mask};
    wire [255:0] ci = go ? insn : ci_r;
    assign s_wdata = pad_act ? {BB{`AN_DMA_PAD_VALUE(ci)}}
                             : {{(BB-BW){8'd0}}, rs_rdata};

    // ---------------- phases ----------------
    // beats sent and not yet answered, with registered flags for 0 and 1 (so
    // that the last answer is known without a compare of the count)
    reg [31:0] outst;
    reg out0, out1;
    reg ovl; // it moves DRAM data and writes no padding (tail may rise)
    assign tail = on && rq_done && ovl;
    wire data_last = rs_valid && rq_done && out1;
    wire pdn_now = go ? pdn0 : pad_empty_r;
    assign last = (pad_act && p_end) || (data_last && (STORE || pdn_now)) ||
                  (go && nodata0 && (STORE || pdn0));
    localparam PW = 16 + 33 + 2 * AB; // the padding part of a state
    always @(posedge clk) begin
        if (rst) begin
            on <= 0; rq_on <= 0; rq_done <= 0; pad_on <= 0; outst <= 0; out0 <= 1; out1 <= 0;
        end else begin
            if (go) begin
                ci_r <= insn;
                cd_r <= dec;
                pad_empty_r <= pdn0;
                rq_done <= nodata0;
                ovl <= !nodata0 && (STORE || pdn0);
            end
            if (go || on) on <= !last;
            // requests: the next beat, or the next run
            if (rq_valid) begin
                rq_on <= !(run_end && runs_end);
                if (run_end && runs_end) rq_done <= 1;
                {ra, rrow, bp, re, srun, srow, yl, xl} <= nst[SW-1:PW];
            end
            // (both sums from the register alone; rq_valid, from go, picks one)
            if (rq_valid != rs_valid) outst <= rq_valid ? outst + 32'd1 : outst - 32'd1;
            out0 <= rq_valid == rs_valid ? out0 : rq_valid ? 1'b0 : out1;
            out1 <= rq_valid == rs_valid ? out1 : rq_valid ? out0 : outst == 2;
            // padding (a LOAD; a STORE has none)
            if (!STORE && data_last && !pdn_now) pad_on <= 1;
            if (!STORE && go && nodata0 && !pdn0) pad_on <= 1;
            if (go || pad_act) begin
                {cl, kl, pa, prem} <= pad_act ? nst[PW-1:0] : st[PW-1:0];
                if (pad_act && p_end) pad_on <= 0;
            end
        end
    end
endmodule

// an_dma_gap: the padding gap after gap k of an_dma's walk: {length, empty,
// elements of the row after its chunk}, from kl = ngaps - k and c, the
// elements after the current chunk (an_decode's lengths and empty flags).

// an_dma2: a queue's two an_dma engines, taking its instructions in turn
// (docs/timing.md, "Queue next"): an instruction that moves DRAM data may
// start on one engine while the instruction before it, on the other, waits
// only for its answers (tail); anything else waits for both to be idle.
// The DRAM answers in order, so each answer belongs to the older engine
// (own), which changes at that engine's last cycle. Requests and SRAM
// accesses of the two never fall in one cycle: the newer one's requests
// start after the older one's, its answers come after the older one's last.
// key: what the queue keeps per instruction (its dep flags and buffer),
// given with go; last_key is the key of the instruction ending now, s_key
// that of the one on the SRAM port now.
module an_dma2 #(
    parameter BW = 4,
    parameter BB = 16,
    parameter STORE = 0,
    parameter AB = 14,
    parameter KW = 6
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             go,
    input  wire [255:0]     insn,
    input  wire [`AN_DEC_W-1:0] dec,
    input  wire [KW-1:0]    key,
    output wire             ready,
    output wire             busy,
    output wire             last,
    output wire [KW-1:0]    last_key,
    output wire [KW-1:0]    s_key,
    output wire             rq_valid,
    output wire [31:0]      rq_addr,
    output wire [BW-1:0]    rq_mask,
    output wire [31:0]      rq_tag,
    output wire [BW*8-1:0]  rq_wdata,
    input  wire             rs_valid,
    input  wire [BW-1:0]    rs_mask,
    input  wire [31:0]      rs_tag,
    input  wire [BW*8-1:0]  rs_rdata,
    output wire             s_we,
    output wire [AB-1:0]    s_addr,
    output wire [BB*8-1:0]  s_wdata,
    output wire [BB-1:0]    s_wmask,
    input  wire [BW*8-1:0]  s_rdata
);
    reg sel, own;             // the engine taking the next instruction; the older one
    reg [KW-1:0] key0, key1;
    wire go0 = go && !sel, go1 = go && sel;
    wire busy0, busy1, last0, last1, tail0, tail1, v0, v1, we0, we1;
    wire [31:0] a0, a1, t0, t1;
    wire [BW-1:0] m0, m1;
    wire [BW*8-1:0] d0, d1;
    wire [AB-1:0] sa0, sa1;
    wire [BB*8-1:0] sw0, sw1;
    wire [BB-1:0] sm0, sm1;
    an_dma #(BW, BB, STORE, AB) e0 (
        .clk(clk), .rst(rst), .go(go0), .insn(insn), .dec(dec), .busy(busy0), .last(last0),
        .tail(tail0), .rq_valid(v0), .rq_addr(a0), .rq_mask(m0), .rq_tag(t0), .rq_wdata(d0),
        .rs_valid(rs_valid && !own), .rs_mask(rs_mask), .rs_tag(rs_tag), .rs_rdata(rs_rdata),
        .s_we(we0), .s_addr(sa0), .s_wdata(sw0), .s_wmask(sm0), .s_rdata(s_rdata));
    an_dma #(BW, BB, STORE, AB) e1 (
        .clk(clk), .rst(rst), .go(go1), .insn(insn), .dec(dec), .busy(busy1), .last(last1),
        .tail(tail1), .rq_valid(v1), .rq_addr(a1), .rq_mask(m1), .rq_tag(t1), .rq_wdata(d1),
        .rs_valid(rs_valid && own), .rs_mask(rs_mask), .rs_tag(rs_tag), .rs_rdata(rs_rdata),
        .s_we(we1), .s_addr(sa1), .s_wdata(sw1), .s_wmask(sm1), .s_rdata(s_rdata));
    wire data = !`AN_DEC_NODATA(dec);
    assign ready = sel ? !busy1 && (!busy0 || (tail0 && data))
                       : !busy0 && (!busy1 || (tail1 && data));
    assign busy = busy0 || busy1;
    assign last = last0 || last1;
    wire [KW-1:0] k0 = go0 ? key : key0, k1 = go1 ? key : key1;
    assign last_key = last1 ? k1 : k0;
    assign rq_valid = v0 || v1;
    assign rq_addr = v1 ? a1 : a0;
    assign rq_mask = v1 ? m1 : m0;
    assign rq_tag = v1 ? t1 : t0;
    assign rq_wdata = v1 ? d1 : d0;
    // the SRAM port: a LOAD's writes (answers, padding), a STORE's reads (requests)
    wire port1 = STORE ? v1 : we1;
    assign s_key = port1 ? k1 : k0;
    assign s_we = we0 || we1;
    assign s_addr = port1 ? sa1 : sa0;
    assign s_wdata = port1 ? sw1 : sw0;
    assign s_wmask = port1 ? sm1 : sm0;
    always @(posedge clk) begin
        if (rst) begin
            sel <= 0; own <= 0;
        end else begin
            if (go) sel <= !sel;
            if (own ? last1 : last0) own <= !own;
        end
        if (go0) key0 <= key;
        if (go1) key1 <= key;
    end
endmodule

module an_dma_gap #(
    parameter AB = 14
) (
    input  wire signed [32:0]     k,
    input  wire [15:0]            c,
    input  wire [255:0]           insn,
    input  wire [`AN_DEC_W-1:0]   dec,
    output reg  [AB+16:0]         gap
);
    always @* begin
        if (k > 0)
            gap = (!`AN_DEC_ELEMC(dec) || c == 0)
                ? {`AN_DEC_GROW_GAP(dec), `AN_DEC_GROW_GAP_Z(dec), `AN_DMA_XSIZE(insn) - 16'd1}
                : {`AN_DEC_GIN(dec), `AN_DEC_GIN_Z(dec), c - 16'd1};
        else if (k == 0) gap = {`AN_DEC_GLAST(dec), `AN_DEC_GLAST_Z(dec), 16'd0};
        else gap = {{AB{1'b0}}, 1'b1, 16'd0};
    end
endmodule

// an_dma_walk: one cycle of an_dma's walk from a state st (an_dma's layout),
// combinational: the beat's mask and tag, whether it ends its run and the
// last run, the next state (requests: the next beat or run; padding: the
// next stretch), and the padding write's end flags and byte mask.
module an_dma_walk #(
    parameter BW = 4,
    parameter BB = 16,
    parameter AB = 14
) (
    input  wire [255:0]                         insn,
    input  wire [`AN_DEC_W-1:0]                 dec,
    input  wire [6*32+3*16+33+2*AB-1:0]         st,
    output wire [BW+32+2+6*32+3*16+33+2*AB+2+BB-1:0] o
);
    localparam [31:0] BMASK = BB - 1;
    localparam [AB-1:0] BBA = BB;
    wire [31:0] ra, rrow, bp, re, srun, srow;
    wire [15:0] yl, xl, cl;
    wire signed [32:0] kl;
    wire [AB-1:0] pa, prem;
    assign {ra, rrow, bp, re, srun, srow, yl, xl, cl, kl, pa, prem} = st;
    wire [31:0] pitch = {16'd0, `AN_DMA_PITCH(insn)}, grow = `AN_DEC_GROW(dec);
    wire [31:0] runlen = `AN_DEC_RUNLEN(dec);
    wire rc = `AN_DEC_RC(dec), one = `AN_DEC_ONE(dec);

    // requests: this beat, and the next run (the next row's or element's)
    wire [31:0] d = bp - ra; // the beat's byte 0 from the run's first byte
    wire run_end = bp + BW == re;
    wire runs_end = one || (yl == 0 && (rc || xl == 0));
    wire next_row = rc || xl == 0;
    wire [31:0] nra = next_row ? rrow + `AN_DMA_DRAM_YSTRIDE(insn)
                               : ra + {8'd0, `AN_DMA_DRAM_XSTRIDE(insn)};
    wire [31:0] nre = next_row ? rrow + `AN_DEC_YRL(dec) : ra + `AN_DEC_XRL(dec);
    reg [BW-1:0] mask;
    reg [31:0] dj;
    integer j;
    always @* begin
        for (j = 0; j < BW; j = j + 1) begin
            dj = d + j;
            mask[j] = !dj[31] && dj < runlen;
        end
    end
    wire [6*32+2*16-1:0] rq_next = !run_end
        ? {ra, rrow, bp + BW, re, srun, srow, yl, xl}
        : {nra, next_row ? nra : rrow, nra & ~BMASK, nre & ~BMASK,
           next_row ? srow + grow : srun + pitch, next_row ? srow + grow : srow,
           next_row ? yl - 16'd1 : yl, next_row ? `AN_DMA_XSIZE(insn) - 16'd1 : xl - 16'd1};

    // padding: this stretch's BB-byte write, then the next stretch
    wire seg_end = prem <= BB;
    wire [AB+16:0] gapn;
    an_dma_gap #(AB) next_gap (.k(kl), .c(cl), .insn(insn), .dec(dec), .gap(gapn));
    wire p_end = seg_end && gapn[16];
    reg [BB-1:0] p_mask;
    always @* begin
        for (j = 0; j < BB; j = j + 1) p_mask[j] = j < prem;
    end
    wire [AB-1:0] pa_gap = pa + prem + `AN_DEC_CHUNK(dec); // (AB bits: it wraps)
    wire [16+33+2*AB-1:0] pad_next = seg_end
        ? {gapn[15:0], kl - 33'sd1, pa_gap, gapn[AB+16:17]}
        : {cl, kl, pa + BBA, prem - BBA};
    assign o = {mask, srun + d, run_end, runs_end, rq_next, pad_next, seg_end, p_end, p_mask};
endmodule
