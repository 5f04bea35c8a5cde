// an_compute: the compute queue's engine (docs/hw.md): PRELOAD and GEMM on
// the systolic array, the vector unit, LOAD into the accumulator buffer (its
// own an_dma on DRAM channel dc_*), HOST hand-off, SYNC and FINISH. One
// instruction at a time, each exactly as long as docs/timing.md says:
//
//   PRELOAD  R             one weight row per cycle, row R-1 first
//   GEMM     T + R + C - 2 an activation row per cycle for T cycles; each
//                          result row is added into its accumulator row in
//                          the cycle it leaves the array (R + C - 2 later)
//   VEC      n (rows) or oh ow kh kw (pools; the window's output is written
//            in the cycle of its last cell), at least 1; all C lanes a cycle
//   SYNC, FINISH 1
//
// The instruction comes on insn in the cycle go is high (its first cycle) and
// is held inside after; last is high in its final cycle. Memory reads are
// combinational (an_sram), so a cycle reads, computes and writes.
`default_nettype none
`include "an_params.vh"
module an_compute #(
    parameter R = 4,
    parameter C = 4,
    parameter ACT_ABITS = 13,
    parameter WGT_ABITS = 13,
    parameter ACC_ABITS = 14,
    parameter BPC = 4,
    parameter BURST = 16
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   go,
    input  wire [255:0]           insn,
    output wire                   busy,
    output wire                   last,
    output reg  [ACT_ABITS-1:0]   act_ra,
    input  wire [(R > C ? R : C)*8-1:0] act_rd,
    output reg                    act_we,
    output reg  [ACT_ABITS-1:0]   act_wa,
    output reg  [(R > C ? R : C)*8-1:0] act_wd,
    output reg  [(R > C ? R : C)-1:0]   act_wm,
    output wire [WGT_ABITS-1:0]   wgt_ra,
    input  wire [C*8-1:0]         wgt_rd,
    output reg  [ACC_ABITS-1:0]   acc_ra,
    input  wire [4*C*8-1:0]       acc_rd,
    output reg  [ACC_ABITS-1:0]   acc_rb,
    input  wire [8*C*8-1:0]       acc_rdb,
    output reg                    acc_we,
    output reg  [ACC_ABITS-1:0]   acc_wa,
    output reg  [4*C*8-1:0]       acc_wd,
    output reg  [4*C-1:0]         acc_wm,
    output wire                   cd_we,
    output wire [ACC_ABITS-1:0]   cd_a,
    output wire [BURST*8-1:0]     cd_wd,
    output wire [BURST-1:0]       cd_wm,
    output wire                   dc_rq_valid,
    output wire [31:0]            dc_rq_addr,
    output wire [BPC-1:0]         dc_rq_mask,
    output wire [31:0]            dc_rq_tag,
    input  wire                   dc_rs_valid,
    input  wire [BPC-1:0]         dc_rs_mask,
    input  wire [31:0]            dc_rs_tag,
    input  wire [BPC*8-1:0]       dc_rs_data,
    output wire                   host_req,
    output wire [15:0]            host_idx,
    input  wire                   host_ack,
    output reg                    fin
);
    localparam WA = R > C ? R : C;
    localparam WC = 4 * C;

    reg [255:0] ci_r;
    wire [255:0] ci = go ? insn : ci_r;
    reg on;
    assign busy = on;
    wire active = go || on;
    wire [3:0] op = `AN_ANY_OP(ci);
    wire [3:0] vop = `AN_VEC_VOP(ci);
    reg [31:0] cyc; // cycle of the instruction, 0 in its first

    // ---------------- LOAD into acc ----------------
    wire dma_last;
    an_dma #(BPC, BURST, 0, ACC_ABITS) dma_acc (
        .clk(clk), .rst(rst), .go(go && `AN_ANY_OP(insn) == `AN_OP_LOAD), .insn(insn),
        .busy(), .last(dma_last),
        .rq_valid(dc_rq_valid), .rq_addr(dc_rq_addr), .rq_mask(dc_rq_mask), .rq_tag(dc_rq_tag),
        .rq_wdata(), .rs_valid(dc_rs_valid), .rs_mask(dc_rs_mask), .rs_tag(dc_rs_tag),
        .rs_rdata(dc_rs_data), .s_we(cd_we), .s_addr(cd_a), .s_wdata(cd_wd), .s_wmask(cd_wm),
        .s_rdata({(BPC*8){1'b0}}));

    // ---------------- PRELOAD and GEMM ----------------
    wire is_pre = active && op == `AN_OP_PRELOAD;
    wire is_gemm = active && op == `AN_OP_GEMM;
    assign wgt_ra = (`AN_PRELOAD_WGT(ci) + R - 1 - cyc) * C;
    wire [15:0] n_outer = `AN_GEMM_N_OUTER(ci), n_inner = `AN_GEMM_N_INNER(ci);
    wire [31:0] gemm_t = n_outer * n_inner;
    wire issue = is_gemm && cyc < gemm_t;
    reg [15:0] ii, ri;
    reg [31:0] a_ob, a_row, c_ob, c_row;
    wire [31:0] a_ob_c = go ? `AN_GEMM_ACT(ci) : a_ob, a_row_c = go ? `AN_GEMM_ACT(ci) : a_row;
    wire y_valid;
    wire [C*32-1:0] y_out;
    an_array #(R, C) array (.clk(clk), .rst(rst), .w_load(is_pre), .w_in(wgt_rd),
                            .a_valid(issue), .a_in(act_rd[R*8-1:0]), .y_valid(y_valid),
                            .y_out(y_out));

    // ---------------- vector unit ----------------
    wire [15:0] vn = `AN_VEC_N(ci);
    wire is_avg = vop == `AN_VOP_AVGPOOL;
    wire is_pool = vop == `AN_VOP_MAXPOOL || is_avg;
    reg [31:0] vptr;
    wire [31:0] vptr_c = go ? (vop == `AN_VOP_WRITE ? `AN_VEC_DST(ci) : `AN_VEC_SRC(ci)) : vptr;
    // pools: window cell (py, px, ky, kx)
    reg [11:0] py, px;
    reg [7:0] ky, kx;
    wire signed [31:0] cell_y = $signed({20'd0, py}) * $signed({24'd0, `AN_VEC_SH(ci)}) +
                                `AN_VEC_OY(ci) + $signed({24'd0, ky});
    wire signed [31:0] cell_x = $signed({20'd0, px}) * $signed({24'd0, `AN_VEC_SW(ci)}) +
                                `AN_VEC_OX(ci) + $signed({24'd0, kx});
    wire [11:0] pgh = `AN_VEC_GH(ci), pgw = `AN_VEC_GW(ci);
    wire cell_in = cell_y >= 0 && cell_y < $signed({20'd0, pgh}) && cell_x >= 0 &&
                   cell_x < $signed({20'd0, pgw});
    wire [31:0] cell_row = `AN_VEC_SRC(ci) + cell_y * pgw + cell_x;
    wire no_cells = `AN_VEC_KH(ci) == 0 || `AN_VEC_KW(ci) == 0 || `AN_VEC_OH(ci) == 0 ||
                    `AN_VEC_OW(ci) == 0;
    wire win_last = kx == `AN_VEC_KW(ci) - 1 && ky == `AN_VEC_KH(ci) - 1;
    wire pool_last = win_last && px == `AN_VEC_OW(ci) - 1 && py == `AN_VEC_OH(ci) - 1;
    reg signed [47:0] psum [0:C-1]; // the window so far: max or sum
    reg [16:0] pcnt;                // its cells inside the grid
    wire [16:0] ncnt = pcnt + (cell_in ? 17'd1 : 17'd0);
    reg signed [47:0] nsum [0:C-1];
    // rounded half away from zero, then the int8 range (as the reference):
    // an 8-bit restoring divider, saturating when the quotient passes 255
    function [31:0] avg_of(input signed [47:0] s, input [16:0] n);
        reg [47:0] mag, num;
        reg [26:0] rem, dv;
        reg [7:0] q;
        integer b;
        begin
            mag = s < 0 ? -s : s;
            num = mag + {31'd0, n >> 1};
            q = 0;
            if (num >= {23'd0, n, 8'd0}) q = 8'hff;
            else begin
                rem = num[26:0];
                for (b = 7; b >= 0; b = b - 1) begin
                    dv = {10'd0, n} << b;
                    if (rem >= dv) begin
                        rem = rem - dv;
                        q[b] = 1'b1;
                    end
                end
            end
            avg_of = s < 0 ? (q >= 8'd128 ? -32'sd128 : -{24'd0, q})
                           : (q > 8'd127 ? 32'sd127 : {24'd0, q});
        end
    endfunction
    wire [C*32-1:0] rq_out;
    genvar g;
    generate
        for (g = 0; g < C; g = g + 1) begin : g_lane
            an_requant rq (.x(acc_rd[g*32 +: 32]), .m(acc_rdb[g*32 +: 32]),
                           .shift(acc_rdb[WC*8 + g*32 +: 32]), .zp(`AN_VEC_ZP(ci)),
                           .clamp(`AN_VEC_CLAMP(ci)), .lo(`AN_VEC_LO(ci)), .hi(`AN_VEC_HI(ci)),
                           .y(rq_out[g*32 +: 32]));
        end
    endgenerate

    // ---------------- memory ports ----------------
    integer c;
    reg signed [31:0] lane;
    always @* begin
        act_ra = 0; act_we = 0; act_wa = 0; act_wd = 0; act_wm = 0;
        acc_ra = 0; acc_rb = 0; acc_we = 0; acc_wa = 0; acc_wd = 0; acc_wm = 0;
        lane = 0;
        for (c = 0; c < C; c = c + 1) nsum[c] = psum[c];
        if (is_gemm) begin
            act_ra = a_row_c * R;
            acc_ra = c_row * WC;
            acc_wa = c_row * WC;
            acc_we = y_valid;
            acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1)
                acc_wd[c*32 +: 32] = (`AN_GEMM_ACCUMULATE(ci) ? acc_rd[c*32 +: 32] : 32'd0) +
                                     y_out[c*32 +: 32];
        end else if (active && op == `AN_OP_VEC && vop == `AN_VOP_ADD && vn != 0) begin
            acc_rb = (`AN_VEC_SRC(ci) + (`AN_VEC_BCAST(ci) ? 32'd0 : cyc)) * WC;
            acc_ra = (`AN_VEC_DST(ci) + cyc) * WC;
            acc_we = 1; acc_wa = acc_ra; acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1)
                acc_wd[c*32 +: 32] = acc_rd[c*32 +: 32] + acc_rdb[c*32 +: 32];
        end else if (active && op == `AN_OP_VEC && vop == `AN_VOP_REQUANT && vn != 0) begin
            acc_rb = `AN_VEC_PRM(ci) * WC;
            acc_ra = (`AN_VEC_DST(ci) + cyc) * WC;
            acc_we = 1; acc_wa = acc_ra; acc_wm = {WC{1'b1}}; acc_wd = rq_out;
        end else if (active && op == `AN_OP_VEC && vop == `AN_VOP_WIDEN && vn != 0) begin
            act_ra = vptr_c;
            acc_we = 1; acc_wa = (`AN_VEC_DST(ci) + cyc) * WC; acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1) begin
                lane = $signed(act_rd[c*8 +: 8]) - `AN_VEC_ZP(ci);
                acc_wd[c*32 +: 32] = lane <<< `AN_VEC_SHIFT(ci);
            end
        end else if (active && op == `AN_OP_VEC && vop == `AN_VOP_WRITE && vn != 0) begin
            acc_ra = (`AN_VEC_SRC(ci) + cyc) * WC;
            act_we = 1; act_wa = vptr_c; act_wm = {{(WA-C){1'b0}}, {C{1'b1}}};
            for (c = 0; c < C; c = c + 1) begin
                lane = acc_rd[c*32 +: 32];
                act_wd[c*8 +: 8] = lane < -128 ? 8'h80 : lane > 127 ? 8'h7f : lane[7:0];
            end
        end else if (active && op == `AN_OP_VEC && is_pool && !no_cells) begin
            acc_ra = cell_row * WC;
            for (c = 0; c < C; c = c + 1)
                if (cell_in)
                    nsum[c] = is_avg ? psum[c] + $signed(acc_rd[c*32 +: 32])
                            : (pcnt == 0 || $signed(acc_rd[c*32 +: 32]) > psum[c])
                              ? $signed({{16{acc_rd[c*32 + 31]}}, acc_rd[c*32 +: 32]}) : psum[c];
            acc_we = win_last;
            acc_wa = (`AN_VEC_DST(ci) + py * `AN_VEC_OW(ci) + px) * WC;
            acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1)
                acc_wd[c*32 +: 32] = ncnt == 0 ? 32'd0 : is_avg ? avg_of(nsum[c], ncnt)
                                                   : nsum[c][31:0];
        end
    end

    // ---------------- the instruction's last cycle ----------------
    reg lst;
    always @* begin
        lst = 1'b1; // SYNC, FINISH, empty VEC
        case (op)
        `AN_OP_LOAD: lst = dma_last;
        `AN_OP_PRELOAD: lst = cyc == R - 1;
        `AN_OP_GEMM: lst = cyc == gemm_t + R + C - 3;
        `AN_OP_HOST: lst = host_ack;
        `AN_OP_VEC:
            if (is_pool) lst = no_cells || pool_last;
            else lst = vn == 0 || cyc == vn - 1;
        default: ;
        endcase
    end
    assign last = active && lst;
    assign host_req = active && op == `AN_OP_HOST;
    assign host_idx = `AN_HOST_HOST(ci);

    integer j;
    always @(posedge clk) begin
        if (rst) begin
            on <= 0; fin <= 0; cyc <= 0;
            ii <= 0; ri <= 0; py <= 0; px <= 0; ky <= 0; kx <= 0; pcnt <= 0;
            for (j = 0; j < C; j = j + 1) psum[j] <= 0;
        end else begin
            if (go) begin
                ci_r <= insn;
                c_ob <= `AN_GEMM_ACC(insn);
                c_row <= `AN_GEMM_ACC(insn);
                if (`AN_ANY_OP(insn) == `AN_OP_FINISH) fin <= 1;
            end
            if (active) begin
                on <= !last;
                cyc <= last ? 32'd0 : cyc + 1;
            end
            // GEMM issue
            if (issue) begin
                if (ii + 1 == n_inner) begin
                    ii <= 0;
                    a_ob <= a_ob_c + `AN_GEMM_ACT_OUTER(ci);
                    a_row <= a_ob_c + `AN_GEMM_ACT_OUTER(ci);
                end else begin
                    ii <= ii + 1;
                    a_ob <= a_ob_c;
                    a_row <= a_row_c + `AN_GEMM_ACT_INNER(ci);
                end
            end
            // GEMM retire
            if (is_gemm && y_valid) begin
                if (ri + 1 == n_inner) begin
                    ri <= 0;
                    c_ob <= c_ob + `AN_GEMM_ACC_OUTER(ci);
                    c_row <= c_ob + `AN_GEMM_ACC_OUTER(ci);
                end else begin
                    ri <= ri + 1;
                    c_row <= c_row + `AN_GEMM_ACC_INNER(ci);
                end
            end
            // vector rows
            if (active && op == `AN_OP_VEC && !is_pool)
                vptr <= vptr_c + `AN_VEC_VPITCH(ci);
            // pools
            if (active && op == `AN_OP_VEC && is_pool && !no_cells) begin
                if (win_last) begin
                    pcnt <= 0;
                    for (j = 0; j < C; j = j + 1) psum[j] <= 0;
                    kx <= 0; ky <= 0;
                    if (px + 1 == `AN_VEC_OW(ci)) begin
                        px <= 0;
                        py <= pool_last ? 12'd0 : py + 1;
                    end else px <= px + 1;
                end else begin
                    pcnt <= ncnt;
                    for (j = 0; j < C; j = j + 1) psum[j] <= nsum[j];
                    if (kx + 1 == `AN_VEC_KW(ci)) begin
                        kx <= 0; ky <= ky + 1;
                    end else kx <= kx + 1;
                end
            end
        end
    end
endmodule
