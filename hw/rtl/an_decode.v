// an_decode: the fetch unit's decode pipeline (docs/hw.md, docs/timing.md).
// Every instruction passes AN_DECODE_STAGES register stages between the
// instruction port and its queue, one instruction a cycle; on the way it is
// decoded into the products and loop bounds its engine would otherwise
// compute in its first cycle (a DMA's grid, runs and padding gaps, a GEMM's
// row count), so that no engine multiplies when it starts an instruction.
//
//   stage 1 (from the port)  sums and first products (rows, runs' bytes)
//   stage 2                  the grid row's bytes, the run length, chunks
//   stage 3                  the grid row's products (pad_top, pad_bottom
//                            and grid height times a grid row's bytes)
//   stage 4                  the first data byte, the padding gaps, a
//                            GEMM's times in the array pipeline, a VEC's
//                            duration (AN_REQUANT_STAGES more when it
//                            requantizes)
//
// SRAM offsets are kept modulo 2^AB of the buffer the instruction's engine
// addresses (AB_LOAD for the load queue, AB_STORE for the store queue,
// AB_ACC for a LOAD into the accumulators), exactly as an_dma wraps them;
// DRAM quantities are 32-bit; run ends are rounded out to DRAM bursts. Field layout: an_decode.vh.
`default_nettype none
`include "an_params.vh"
`include "an_decode.vh"
module an_decode #(
    parameter AB_LOAD = 14,
    parameter AB_STORE = 14,
    parameter AB_ACC = 14
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   in_valid,
    input  wire [1:0]             in_q,
    input  wire [255:0]           in_insn,
    output reg                    out_valid,
    output reg  [1:0]             out_q,
    output reg  [255:0]           out_insn,
    output reg  [`AN_DEC_W-1:0]   out_dec
);
    // the machine model's AN_DECODE_STAGES (include/asicnn/arch.h) is this
    // module's register stages: a mismatch does not elaborate
    generate
        if (`AN_DECODE_STAGES != 4) begin : g_stages_differ
            an_decode_has_4_stages mismatch ();
        end
    endgenerate

    // ---------------- stage 1: from the instruction port ----------------
    wire [15:0] ysz = `AN_DMA_YSIZE(in_insn), xsz = `AN_DMA_XSIZE(in_insn);
    wire [15:0] xb = `AN_DMA_XBYTES(in_insn), pitch = `AN_DMA_PITCH(in_insn);
    wire [7:0] pt = `AN_DMA_PAD_TOP(in_insn), pl = `AN_DMA_PAD_LEFT(in_insn);
    wire [7:0] pr = `AN_DMA_PAD_RIGHT(in_insn), pb = `AN_DMA_PAD_BOTTOM(in_insn);
    wire [4:0] ab = in_q == `AN_QUEUE_LOAD ? AB_LOAD : in_q == `AN_QUEUE_STORE ? AB_STORE : AB_ACC;
    reg v1;
    reg [1:0] q1;
    reg [255:0] i1;
    // a VEC's rows (n, or a pool's windows oh x ow times its cells kh x kw)
    wire in_vec = `AN_ANY_OP(in_insn) == `AN_OP_VEC;
    wire in_pool = in_vec && (`AN_VEC_VOP(in_insn) == `AN_VOP_MAXPOOL ||
                              `AN_VEC_VOP(in_insn) == `AN_VOP_AVGPOOL);
    reg [31:0] m1, rowlen1, xrun1, plp1, prp1, ysxs1, t1;
    reg [15:0] k1;
    reg vec1, pool1, rq1;
    reg [17:0] gh1, gw1;
    reg nodata1, elemc1, rc1;
    always @(posedge clk) begin
        v1 <= !rst && in_valid;
        q1 <= in_q;
        i1 <= in_insn;
        m1 <= ab == 5'd0 ? 32'd0 : 32'hffffffff >> (6'd32 - {1'b0, ab});
        gh1 <= pt + ysz + pb;
        gw1 <= pl + xsz + pr;
        rowlen1 <= xsz * xb;
        xrun1 <= xsz * pitch;
        plp1 <= pl * pitch;
        prp1 <= pr * pitch;
        ysxs1 <= ysz * xsz;
        t1 <= in_vec ? (in_pool ? `AN_VEC_OH(in_insn) * `AN_VEC_OW(in_insn) : `AN_VEC_N(in_insn))
                     : `AN_GEMM_N_OUTER(in_insn) * `AN_GEMM_N_INNER(in_insn);
        k1 <= `AN_VEC_KH(in_insn) * `AN_VEC_KW(in_insn);
        vec1 <= in_vec;
        pool1 <= in_pool;
        // a VEC that requantizes takes AN_REQUANT_STAGES cycles more
        rq1 <= in_vec && (`AN_VEC_VOP(in_insn) == `AN_VOP_REQUANT || (in_pool && `AN_VEC_WR8(in_insn)));
        nodata1 <= ysz == 0 || xsz == 0 || xb == 0;
        elemc1 <= pitch > xb;
        rc1 <= xsz == 1 || (`AN_DMA_DRAM_XSTRIDE(in_insn) == xb && pitch == xb);
    end

    // ---------------- stage 2: grid row, run length, chunks ----------------
    wire [15:0] ysz1 = `AN_DMA_YSIZE(i1), xb1 = `AN_DMA_XBYTES(i1), pitch1 = `AN_DMA_PITCH(i1);
    wire [7:0] pl1 = `AN_DMA_PAD_LEFT(i1), pr1 = `AN_DMA_PAD_RIGHT(i1);
    wire one1 = rc1 && (ysz1 == 1 || (`AN_DMA_DRAM_YSTRIDE(i1) == rowlen1 && pitch1 == xb1 &&
                                      pl1 + pr1 == 0));
    wire nod1 = nodata1 || gw1 == 0 || pitch1 == 0;
    wire [31:0] side1 = (plp1 + prp1) & m1;
    reg v2;
    reg [1:0] q2;
    reg [255:0] i2;
    reg [31:0] m2, grow2, runlen2, side2, chunk2, ngaps2, gin2, plp2, prp2, t2;
    reg vec2, rq2;
    reg [17:0] gh2;
    reg nodata2, elemc2, rc2, one2, nod2;
    always @(posedge clk) begin
        v2 <= !rst && v1;
        q2 <= q1;
        i2 <= i1;
        m2 <= m1;
        gh2 <= gh1;
        grow2 <= (gw1 * pitch1) & m1;
        runlen2 <= one1 ? ysz1 * rowlen1 : rc1 ? rowlen1 : {16'd0, xb1};
        side2 <= side1;
        chunk2 <= nod1 ? 32'd0 : elemc1 ? {16'd0, xb1} & m1 : side1 != 0 ? xrun1 & m1
                : (ysz1 * xrun1) & m1;
        ngaps2 <= nod1 ? 32'd0 : elemc1 ? ysxs1 - 1 : side1 != 0 ? ysz1 - 1 : 32'd0;
        gin2 <= (pitch1 - xb1) & m1;
        plp2 <= plp1;
        prp2 <= prp1;
        t2 <= pool1 ? t1[23:0] * k1 : t1;
        vec2 <= vec1;
        rq2 <= rq1;
        nodata2 <= nodata1;
        elemc2 <= elemc1;
        rc2 <= rc1;
        one2 <= one1;
        nod2 <= nod1;
    end

    // ---------------- stage 3: the grid row's products ----------------
    reg v3;
    reg [1:0] q3;
    reg [255:0] i3;
    reg [31:0] m3, grow3, runlen3, side3, chunk3, ngaps3, gin3, plp3, prp3, t3;
    reg [31:0] ptg3, pbg3, ghg3;   // pad_top, pad_bottom and grid height x grid row
    reg vec3, rq3;
    reg nodata3, elemc3, rc3, one3, nod3;
    always @(posedge clk) begin
        v3 <= !rst && v2;
        q3 <= q2;
        i3 <= i2;
        m3 <= m2;
        grow3 <= grow2;
        runlen3 <= runlen2;
        side3 <= side2;
        chunk3 <= chunk2;
        ngaps3 <= ngaps2;
        gin3 <= gin2;
        plp3 <= plp2;
        prp3 <= prp2;
        t3 <= t2;
        ptg3 <= `AN_DMA_PAD_TOP(i2) * grow2;
        pbg3 <= `AN_DMA_PAD_BOTTOM(i2) * grow2;
        ghg3 <= gh2 * grow2;
        vec3 <= vec2;
        rq3 <= rq2;
        nodata3 <= nodata2;
        elemc3 <= elemc2;
        rc3 <= rc2;
        one3 <= one2;
        nod3 <= nod2;
    end

    // ---------------- stage 4: first data byte, padding gaps ----------------
    wire [31:0] sram3 = `AN_DMA_SRAM(i3);
    wire [31:0] tail3 = `AN_DMA_PAD_TAIL(i3);
    wire [31:0] first_off = ptg3 + plp3;                  // s_first - sram
    wire [31:0] after = (prp3 + pbg3 + tail3) & m3;
    wire [31:0] growgap = elemc3 ? (gin3 + side3) & m3 : side3;  // the gap at a row's end
    wire [31:0] glast = nod3 ? 32'd0 : elemc3 ? (gin3 + after) & m3 : after; // after the last chunk
    localparam [31:0] BMASK = `AN_DRAM_BURST - 1;
    // a GEMM's times in the array pipeline (an_compute); a VEC's duration.
    // The GEMM's compares are against constants (no adder before a
    // compare): its T, a product of two 16-bit fields, is below
    // 2^32 - 2^17, so t3 + the array's size does not wrap.
    localparam signed [32:0] TBK_ZMAX = 3 - `AN_COLS;          // tbk = 0 up to here
    localparam signed [32:0] TL_LE1_MAX = 3 - `AN_ROWS - `AN_COLS;
    wire [32:0] t3s = {1'b0, t3};
    wire tbk_z = $signed(t3s) <= TBK_ZMAX;
    wire [31:0] tl = vec3 ? (t3 == 0 ? 32'd1 : rq3 ? t3 + `AN_REQUANT_STAGES : t3)
                          : t3 + `AN_ROWS + `AN_COLS - 2;
    wire tl_le1 = vec3 ? t3 == 0 || (!rq3 && t3 == 1) : $signed(t3s) <= TL_LE1_MAX;
    wire [31:0] tq = t3 != 0 ? t3 - 1 : 32'd0;
    wire [31:0] tbk = tbk_z ? 32'd0 : t3 + `AN_COLS - 3;
    always @(posedge clk) begin
        out_valid <= !rst && v3;
        out_q <= q3;
        out_insn <= i3;
        out_dec <= 0;
        `AN_DEC_GROW(out_dec) <= grow3;
        `AN_DEC_RUNLEN(out_dec) <= runlen3;
        `AN_DEC_SFIRST(out_dec) <= (sram3 + first_off) & m3;
        `AN_DEC_CHUNK(out_dec) <= chunk3;
        `AN_DEC_NGAPS(out_dec) <= ngaps3;
        `AN_DEC_GIN(out_dec) <= gin3;
        `AN_DEC_GROW_GAP(out_dec) <= growgap;
        `AN_DEC_GFIRST(out_dec) <= nod3 ? (ghg3 + tail3) & m3 : first_off & m3;
        `AN_DEC_GLAST(out_dec) <= glast;
        `AN_DEC_T(out_dec) <= t3;
        `AN_DEC_TL(out_dec) <= tl;
        `AN_DEC_TQ(out_dec) <= tq;
        `AN_DEC_TBK(out_dec) <= tbk;
        `AN_DEC_TQ_Z(out_dec) <= t3 <= 1;
        `AN_DEC_TBK_Z(out_dec) <= tbk_z;
        `AN_DEC_TL_LE1(out_dec) <= tl_le1;
        `AN_DEC_RLB(out_dec) <= runlen3 + BMASK;
        `AN_DEC_XRL(out_dec) <= {8'd0, `AN_DMA_DRAM_XSTRIDE(i3)} + runlen3 + BMASK;
        `AN_DEC_YRL(out_dec) <= `AN_DMA_DRAM_YSTRIDE(i3) + runlen3 + BMASK;
        `AN_DEC_GIN_Z(out_dec) <= gin3 == 0;
        `AN_DEC_GROW_GAP_Z(out_dec) <= growgap == 0;
        `AN_DEC_GLAST_Z(out_dec) <= glast == 0;
        `AN_DEC_RC(out_dec) <= rc3;
        `AN_DEC_ONE(out_dec) <= one3;
        `AN_DEC_NODATA(out_dec) <= nodata3;
        `AN_DEC_ELEMC(out_dec) <= elemc3;
    end
endmodule
