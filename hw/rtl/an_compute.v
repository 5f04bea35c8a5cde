// an_compute: the compute queue's engine (docs/hw.md): PRELOAD and GEMM on
// the systolic array, the vector unit, LOAD into the accumulator buffer (its
// own an_dma on DRAM channel dc_*), HOST hand-off, SYNC and FINISH, each
// exactly as docs/timing.md says:
//
//   PRELOAD  R             tile row r into the free weight bank in its cycle
//                          r; holds the queue 1 cycle (the weight port R)
//   GEMM     T + R + C - 2 an activation row per cycle for T cycles (the
//                          queue's next instruction may start after them);
//                          each result row is added into its accumulator row
//                          in the cycle it leaves the array, R + C - 2 later
//   VEC      n (rows) or oh ow kh kw (pools; the window's output is written
//            in the cycle of its last cell), at least 1; all C lanes a cycle;
//            a VEC that requantizes (REQUANT, a pool with wr8) S =
//            AN_REQUANT_STAGES cycles more: a row read in cycle t is
//            written (a pool's cell counted) in cycle t + S
//   SYNC, FINISH 1
//
// ready tells whether the instruction on insn may start now: a PRELOAD when
// the weight port and its bank are free (the bank's last GEMM has streamed
// past every PE), a GEMM when the array's input is free, anything else when
// every earlier PRELOAD and GEMM has completed; no instruction while a VEC,
// LOAD, HOST, SYNC or FINISH runs, except PRELOADs and GEMMs beside a VEC
// whose field beside is set, and a VEC with nodrain (and beside) starts
// without waiting for the array to drain (the VEC counts in the drain, so later
// instructions end after it; it uses accumulator ports A and B, the
// array's results port C). A pool with wr8 requantizes each cell and
// writes each window's int8 result into the activation rows. Instructions complete in order: each ends
// no earlier than the one before it, and its tokens are pushed then
// (push_prev / push_next: tokens pushed at the edge ending this cycle).
// The instruction comes on insn in the cycle go is high (its first cycle);
// go_load is go && insn is a LOAD.
// Memory reads are combinational (an_sram), so a cycle reads, computes and
// writes, except through the requantization lanes (S register stages).
`default_nettype none
`include "an_params.vh"
`include "an_decode.vh"
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
    input  wire                   go_load,  // go of a LOAD: the DMA's own copy (a
                                            // small net, not go's buffer tree)
    input  wire [255:0]           insn,
    input  wire [`AN_DEC_W-1:0]   dec,
    output wire                   ready,
    output wire                   busy,
    output wire [7:0]             push_prev,
    output wire [7:0]             push_next,
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
    input  wire [12*C*8-1:0]      acc_rdb,
    output reg                    acc_we,
    output reg  [ACC_ABITS-1:0]   acc_wa,
    output reg  [4*C*8-1:0]       acc_wd,
    output reg  [4*C-1:0]         acc_wm,
    output reg  [ACC_ABITS-1:0]   acc_rc,
    input  wire [4*C*8-1:0]       acc_rdc,
    output reg                    acc_wec,
    output reg  [ACC_ABITS-1:0]   acc_wc,
    output wire [4*C*8-1:0]       acc_wdc,
    output reg  [4*C-1:0]         acc_wmc,
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

    localparam LAT = R + C - 2;              // array latency
    localparam FD = 2 * (R + C) + 4;         // completions in flight, at most
    localparam FB = $clog2(FD);

    // ---------------- issue: the array pipeline's clock ----------------
    // Each wait of the pipeline is a count of cycles left (0: free now),
    // counted down, with a registered flag for "free now", so that whether an
    // instruction may start is an AND of flip-flops (no compare of times):
    //   q_*     the queue's next PRELOAD / GEMM
    //   wp_*    the weight port (the latest PRELOAD's last row)
    //   ar_*    the array's input (the latest GEMM's last row)
    //   bk*_*   each weight bank (its latest GEMM's rows past every PE)
    //   dr_*    every PRELOAD and GEMM completed (the array drained)
    reg [31:0] q_cnt, wp_cnt, ar_cnt, bk0_cnt, bk1_cnt, dr_cnt;
    reg q_ok, wp_ok, ar_ok, bk0_ok, bk1_ok, dr_ok;
    reg npre;                                // bank of the next PRELOAD
    reg cur_bank;                            // bank of the latest PRELOAD
    wire [3:0] in_op = `AN_ANY_OP(insn);
    wire in_pre = in_op == `AN_OP_PRELOAD, in_gemm = in_op == `AN_OP_GEMM;
    reg on;                                  // a VEC, LOAD, HOST, SYNC or FINISH runs
    reg on_n;                                // !on: a copy for ready alone (inverted, so
                                             // that synthesis does not merge it with on)
    // Two more copies of on, each written differently so that synthesis
    // keeps them apart (on and on_n hold while idle; these are recomputed
    // every cycle): on_d selects the opcode fields (op, vop: the decodes
    // that fan out to every lane), ld_ci (!on) loads ci_r. Neither waits
    // behind the buffer tree of on's hundreds of loads, and go (which would
    // otherwise enable ci_r's 256 bits) stays a small net.
    reg on_d, ld_ci;
    reg vb;                                  // ... a VEC beside the array (field beside)
    wire arr_free = on_n || vb;              // PRELOAD and GEMM may start
    // a VEC with nodrain waits only for the unit, not for the array to drain
    wire in_nd = in_op == `AN_OP_VEC && `AN_VEC_NODRAIN(insn);
    assign ready = q_ok && (in_pre ? arr_free && wp_ok && (npre ? bk1_ok : bk0_ok)
                            : in_gemm ? arr_free && ar_ok : on_n && (dr_ok || in_nd));
    wire go_pre = go && in_pre, go_gemm = go && in_gemm;
    wire go_oth = go && !in_pre && !in_gemm;
    wire go_vb = go_oth && in_op == `AN_OP_VEC && `AN_VEC_BESIDE(insn);

    // ci: the instruction of the vector unit, DMA, HOST, SYNC or FINISH
    // (meaningful while active): insn in its first cycle, when on is still
    // low, then the register. Selected by on, not by go, so that go only
    // enables registers and reaches no datapath. ci_r takes insn in every
    // cycle while on is low (it is read only while on is high).
    reg [255:0] ci_r;
    wire [255:0] ci = on ? ci_r : insn;
    wire active = go_oth || on;
    wire [3:0] op = on_d ? `AN_ANY_OP(ci_r) : `AN_ANY_OP(insn);
    wire [3:0] vop = on_d ? `AN_VEC_VOP(ci_r) : `AN_VEC_VOP(insn);
    reg [31:0] cyc; // cycle of the instruction, 0 in its first

    // ---------------- LOAD into acc ----------------
    wire dma_last;
    an_dma #(BPC, BURST, 0, ACC_ABITS) dma_acc (
        .clk(clk), .rst(rst), .go(go_load), .insn(insn), .dec(dec),
        .busy(), .last(dma_last), .tail(),
        .rq_valid(dc_rq_valid), .rq_addr(dc_rq_addr), .rq_mask(dc_rq_mask), .rq_tag(dc_rq_tag),
        .rq_wdata(), .rs_valid(dc_rs_valid), .rs_mask(dc_rs_mask), .rs_tag(dc_rs_tag),
        .rs_rdata(dc_rs_data), .s_we(cd_we), .s_addr(cd_a), .s_wdata(cd_wd), .s_wmask(cd_wm),
        .s_rdata({(BPC*8){1'b0}}));

    // ---------------- PRELOAD: one tile row a cycle into a bank ----------------
    // row r's write enable and bank: row 0's in the PRELOAD's first cycle,
    // row r's r cycles later down a register chain (one net per PE row)
    reg p_on;
    reg [31:0] p_row, p_base;
    wire [31:0] p_row_c = go_pre ? 32'd0 : p_row;
    wire p_we = go_pre || p_on;
    assign wgt_ra = ((go_pre ? `AN_PRELOAD_WGT(insn) : p_base) + p_row_c) * C;
    wire [R-1:0] w_we, w_bank;
    assign w_we[0] = go_pre;
    assign w_bank[0] = npre;
    genvar wr;
    generate
        for (wr = 1; wr < R; wr = wr + 1) begin : g_wrow
            reg we_r, bank_r;
            always @(posedge clk) begin
                we_r <= !rst && w_we[wr-1];
                bank_r <= w_bank[wr-1];
            end
            assign w_we[wr] = we_r;
            assign w_bank[wr] = bank_r;
        end
    endgenerate

    // ---------------- GEMM: issue rows, retire them LAT cycles later ----------------
    reg [255:0] gi_r;
    wire [255:0] gi = go_gemm ? insn : gi_r;
    wire [15:0] n_inner = `AN_GEMM_N_INNER(gi);
    wire [31:0] gemm_t = `AN_DEC_T(dec); // n_outer x n_inner (an_decode)
    reg g_on;
    reg [31:0] g_cnt, g_t;
    reg [15:0] ii;
    wire [15:0] ii_c = go_gemm ? 16'd0 : ii;
    reg [31:0] a_ob, a_row, c_ob, c_row;
    wire issue = (go_gemm && gemm_t != 0) || g_on;
    wire [31:0] a_ob_c = go_gemm ? `AN_GEMM_ACT(insn) : a_ob;
    wire [31:0] a_row_c = go_gemm ? `AN_GEMM_ACT(insn) : a_row;
    wire [31:0] c_ob_c = go_gemm ? `AN_GEMM_ACC(insn) : c_ob;
    wire [31:0] c_row_c = go_gemm ? `AN_GEMM_ACC(insn) : c_row;
    // retire pipe: {valid, max, accumulate, accumulator row} of each issued row
    reg [ACC_ABITS+2:0] rp [0:LAT-1];
    wire [ACC_ABITS+2:0] rp_out = rp[LAT-1];
    wire r_valid = rp_out[ACC_ABITS+2], r_max = rp_out[ACC_ABITS+1], r_accum = rp_out[ACC_ABITS];
    wire [ACC_ABITS-1:0] r_row = rp_out[ACC_ABITS-1:0];
    wire [C*32-1:0] y_out;
    an_array #(R, C) array (.clk(clk), .rst(rst), .w_we(w_we), .w_bank(w_bank),
                            .w_in(wgt_rd), .a_valid(issue),
                            .a_bank(cur_bank), .a_in(act_rd[R*8-1:0]), .y_valid(),
                            .y_out(y_out));

    // ---------------- completion: in order, tokens pushed at the end ----------------
    // An instruction ends rel_new cycles from now: its duration, or later to
    // end in order (never before the array drains). The completion FIFO
    // keeps, for each PRELOAD / GEMM that pushes tokens, the cycles from the
    // end of the entry before it to its own; head_cnt / tail_cnt count down
    // to the first / last entry's end. Times stay relative: no adder on now.
    // (dur is selected by the head's opcode, not by go: ready before go is;
    // a VEC beside the array counts in the drain, so later ends follow its)
    wire [31:0] dur = in_pre ? R : `AN_DEC_TL(dec);
    wire [31:0] rel_new = dur > dr_cnt ? dur : dr_cnt;
    wire [3:0] in_dep = `AN_ANY_DEP(insn);
    wire [7:0] np_new = {7'd0, in_dep[`AN_DEP_PUSH_PREV]};
    wire [7:0] nn_new = {7'd0, in_dep[`AN_DEP_PUSH_NEXT]};
    wire arr_push = (go_pre || go_gemm) && (np_new != 0 || nn_new != 0);
    reg [31:0] f_dl [0:FD-1];
    reg [7:0] f_np [0:FD-1], f_nn [0:FD-1];
    reg [FB-1:0] f_head, f_tail;
    reg [FB:0] f_cnt;
    reg [31:0] head_cnt, tail_cnt;
    wire [FB-1:0] f_last = f_tail == 0 ? FD[FB-1:0] - 1'b1 : f_tail - 1'b1;
    wire [FB-1:0] f_hn = f_head == FD[FB-1:0] - 1'b1 ? {FB{1'b0}} : f_head + 1'b1;
    wire f_emit = f_cnt != 0 && head_cnt == 1;
    wire in_emit = arr_push && rel_new == 1;   // ends in this cycle
    wire f_merge = arr_push && !in_emit && f_cnt != 0 && rel_new == tail_cnt;
    wire f_push = arr_push && !in_emit && !f_merge;
    wire [3:0] o_dep = `AN_ANY_DEP(ci);
    assign push_prev = (f_emit ? f_np[f_head] : 8'd0) + (in_emit ? np_new : 8'd0) +
                       (last ? {7'd0, o_dep[`AN_DEP_PUSH_PREV]} : 8'd0);
    assign push_next = (f_emit ? f_nn[f_head] : 8'd0) + (in_emit ? nn_new : 8'd0) +
                       (last ? {7'd0, o_dep[`AN_DEP_PUSH_NEXT]} : 8'd0);
    assign busy = on || p_on || g_on || !dr_ok || f_cnt != 0;

    // ---------------- the waits' next counts ----------------
    // a wait set to k cycles from now counts k - 1 next cycle; a wait that
    // only grows (a bank, the drain) keeps the larger of the two
    function [31:0] dn(input [31:0] n);
        dn = n == 0 ? 32'd0 : n - 1;
    endfunction
    function [31:0] mx(input [31:0] a, input [31:0] b);
        mx = a > b ? a : b;
    endfunction
    wire [31:0] gt1 = `AN_DEC_TQ(dec), gbk = `AN_DEC_TBK(dec); // (an_decode)
    wire gt1z = `AN_DEC_TQ_Z(dec), gbkz = `AN_DEC_TBK_Z(dec), dur_le1 = in_pre ? R <= 1 : `AN_DEC_TL_LE1(dec);
    wire [31:0] q_nx = go_pre ? 32'd0 : go_gemm ? gt1 : dn(q_cnt);
    wire [31:0] wp_nx = go_pre ? R - 1 : dn(wp_cnt);
    wire [31:0] ar_nx = go_gemm ? gt1 : dn(ar_cnt);
    wire [31:0] bk0_nx = go_gemm && !cur_bank ? mx(dn(bk0_cnt), gbk) : dn(bk0_cnt);
    wire [31:0] bk1_nx = go_gemm && cur_bank ? mx(dn(bk1_cnt), gbk) : dn(bk1_cnt);
    wire [31:0] dr_nx = go_pre || go_gemm || go_vb ? mx(dn(dr_cnt), dn(dur)) : dn(dr_cnt);
    // their "free next cycle" flags, without waiting for the counts
    wire q_okn = go_pre ? 1'b1 : go_gemm ? gt1z : q_cnt <= 1;
    wire wp_okn = go_pre ? R <= 1 : wp_cnt <= 1;
    wire ar_okn = go_gemm ? gt1z : ar_cnt <= 1;
    wire bk0_okn = bk0_cnt <= 1 && !(go_gemm && !cur_bank && !gbkz);
    wire bk1_okn = bk1_cnt <= 1 && !(go_gemm && cur_bank && !gbkz);
    wire dr_okn = dr_cnt <= 1 && !((go_pre || go_gemm || go_vb) && !dur_le1);

    // ---------------- vector unit ----------------
    wire [15:0] vn = `AN_VEC_N(ci);
    wire is_avg = vop == `AN_VOP_AVGPOOL;
    wire is_pool = vop == `AN_VOP_MAXPOOL || is_avg;
    reg [31:0] vptr;
    // a pool of requantized cells, int8 out (from ci_r and from insn apart,
    // on selecting last: it selects every lane's cell)
    function pwr8_of(input [255:0] i);
        pwr8_of = (`AN_VEC_VOP(i) == `AN_VOP_MAXPOOL || `AN_VEC_VOP(i) == `AN_VOP_AVGPOOL) &&
                  `AN_VEC_WR8(i);
    endfunction
    wire pwr8 = on ? pwr8_of(ci_r) : pwr8_of(insn);
    // the lanes' copy, a register: on && pwr8_of(ci_r). In a pool's first
    // cycle (on low) the lanes take no requantized cell (none has left the
    // delay line yet), so it may be low there, and it reaches their adders
    // early in the cycle.
    reg l_pwr8;
    // the vector rows' first row: the destination for a VEC that writes int8
    // rows, else the source
    function [31:0] vstart_of(input [255:0] i);
        vstart_of = `AN_VEC_VOP(i) == `AN_VOP_WRITE ||
                    (`AN_VEC_VOP(i) == `AN_VOP_REQUANT && `AN_VEC_WR8(i)) || pwr8_of(i)
                  ? `AN_VEC_DST(i) : `AN_VEC_SRC(i);
    endfunction
    wire [31:0] vptr_c = on ? vptr : vstart_of(insn);
    // vptr_c + the pitch, from the register and from the instruction apart
    // (on selects last: it reaches no adder)
    wire [31:0] vptr_step = on ? vptr + `AN_VEC_VPITCH(ci_r) : vstart_of(insn) + `AN_VEC_VPITCH(insn);
    // pools: window cell (py, px, ky, kx) at grid cell (cell_y, cell_x) =
    // (py sh + oy + ky, px sw + ox + kx), its window's corner at (by, bx);
    // kept as registers, stepped by adds (no multiply in a cycle)
    reg [11:0] py, px;
    reg [7:0] ky, kx;
    reg signed [31:0] by_r, bx_r, cy_r, cx_r;
    wire signed [31:0] oy0 = `AN_VEC_OY(insn), ox0 = `AN_VEC_OX(insn);
    wire signed [31:0] by_c = on ? by_r : oy0, bx_c = on ? bx_r : ox0;
    wire signed [31:0] cell_y = on ? cy_r : oy0, cell_x = on ? cx_r : ox0;
    wire signed [31:0] psh = $signed({24'd0, `AN_VEC_SH(ci)}), psw = $signed({24'd0, `AN_VEC_SW(ci)});
    wire [11:0] pgh = `AN_VEC_GH(ci), pgw = `AN_VEC_GW(ci);
    // whether the cell is inside the grid: from the instruction in the first
    // cycle, else registered with the cell's coordinates (ny, nx: the next
    // cell's, below)
    function in_grid(input signed [31:0] y, input signed [31:0] x, input [11:0] h,
                    input [11:0] w);
        in_grid = y >= 0 && y < $signed({20'd0, h}) && x >= 0 && x < $signed({20'd0, w});
    endfunction
    // (the flags below are f(ci) = on ? f(ci_r) : f(insn), each computed from
    // both and selected at the end, so that on reaches no compare)
    reg cin_r;
    wire cell_in = on ? cin_r : in_grid(oy0, ox0, `AN_VEC_GH(insn), `AN_VEC_GW(insn));
    reg signed [31:0] ny, nx;   // the next cell (the window walk's step)
    wire [31:0] cell_row = `AN_VEC_SRC(ci) + cell_y * pgw + cell_x;
    function no_cells_of(input [255:0] i);
        no_cells_of = `AN_VEC_KH(i) == 0 || `AN_VEC_KW(i) == 0 || `AN_VEC_OH(i) == 0 ||
                      `AN_VEC_OW(i) == 0;
    endfunction
    function win_last_of(input [255:0] i, input [7:0] y, input [7:0] x);
        win_last_of = x == `AN_VEC_KW(i) - 1 && y == `AN_VEC_KH(i) - 1;
    endfunction
    function out_last_of(input [255:0] i, input [11:0] y, input [11:0] x);
        out_last_of = x == `AN_VEC_OW(i) - 1 && y == `AN_VEC_OH(i) - 1;
    endfunction
    wire no_cells = on ? no_cells_of(ci_r) : no_cells_of(insn);
    wire win_last = on ? win_last_of(ci_r, ky, kx) : win_last_of(insn, ky, kx);
    wire pool_last = win_last && (on ? out_last_of(ci_r, py, px) : out_last_of(insn, py, px));
    reg [16:0] pcnt;                // the window's cells inside the grid so far
    reg [16:0] pcnt1;               // pcnt + 1, kept beside it (no carry chain
                                    // after the late flag pl_in)
    // (the window's value itself, max or sum, is each lane's psum: an_vlane)

    // The requantization lanes take a row in a cycle and give its result
    // S cycles later (an_requant's register stages); beside them a delay
    // line carries each row's valid bit, its destination address and, for a
    // pool, the cell's flags, so that the write (a pool's window update)
    // happens S cycles after the read. The front end (the reads, the pool's
    // window walk) stops after its last row (fe_done); the instruction ends
    // when that row leaves the delay line.
    localparam S = `AN_REQUANT_STAGES;
    localparam DA = ACT_ABITS > ACC_ABITS ? ACT_ABITS : ACC_ABITS;
    wire rq_use = op == `AN_OP_VEC && (vop == `AN_VOP_REQUANT || pwr8);
    reg fe_done;                    // the front end has read its last row
    wire fe = active && !fe_done;
    wire [C*32-1:0] rq_out;
    genvar g;
    generate
        for (g = 0; g < C; g = g + 1) begin : g_lane
            an_requant rq (.clk(clk), .x(acc_rd[g*32 +: 32]),
                           .bias(acc_rdb[2*WC*8 + g*32 +: 32]), .bias_en(`AN_VEC_BIAS(ci)),
                           .m(acc_rdb[g*32 +: 32]), .shift(acc_rdb[WC*8 + g*32 +: 32]),
                           .zp(`AN_VEC_ZP(ci_r)), .clamp(`AN_VEC_CLAMP(ci_r)),
                           .lo(`AN_VEC_LO(ci_r)), .hi(`AN_VEC_HI(ci_r)),
                           .y(rq_out[g*32 +: 32]));
        end
    endgenerate
    // the delay line: {valid, last row, cell inside the grid, window's last cell}
    reg [S-1:0] dl_v, dl_last, dl_in, dl_wl;
    reg [DA-1:0] dl_a [0:S-1];
    wire bk_v = dl_v[S-1], bk_last = dl_last[S-1], bk_in = dl_in[S-1], bk_wl = dl_wl[S-1];
    wire [DA-1:0] bk_a = dl_a[S-1];
    wire rq_rows = vop == `AN_VOP_REQUANT ? vn != 0 : !no_cells;  // rows to requantize
    wire fe_v = fe && rq_use && rq_rows;
    wire fe_last = vop == `AN_VOP_REQUANT ? cyc == vn - 1 : pool_last;
    wire [31:0] fe_row = (`AN_VEC_DST(ci) + cyc) * WC;
    wire [DA-1:0] fe_a = vop == `AN_VOP_REQUANT && !`AN_VEC_WR8(ci) ? fe_row[DA-1:0]
                                                                   : vptr_c[DA-1:0];
    // the pool's window update: this cycle's cell (a plain pool) or the cell
    // leaving the delay line (wr8)
    wire pl_v = op == `AN_OP_VEC && (pwr8 ? active && bk_v : fe && is_pool && !no_cells);
    wire pl_in = pwr8 ? bk_in : cell_in;
    wire pl_wl = pwr8 ? bk_wl : win_last;
    wire [16:0] pl_cnt = pl_in ? pcnt1 : pcnt;

    // the window walk's next cell: the next window's corner after a
    // window's last cell, else the next cell of the row or the next row
    always @* begin
        if (win_last) begin
            if (px + 1 == `AN_VEC_OW(ci)) begin
                ny = by_c + psh; nx = `AN_VEC_OX(ci);
            end else begin
                ny = by_c; nx = bx_c + psw;
            end
        end else if (kx + 1 == `AN_VEC_KW(ci)) begin
            ny = cell_y + 1; nx = bx_c;
        end else begin
            ny = cell_y; nx = cell_x + 1;
        end
    end

    // ---------------- memory ports ----------------
    // The array's results take accumulator port C in every cycle; the
    // vector unit ports A and B, so that a VEC can run beside the array.
    // The data of every write comes from the lanes (an_vlane), each column's
    // selected by v_acc / v_act below.
    wire v_on = active && op == `AN_OP_VEC;
    wire [1:0] v_acc = vop == `AN_VOP_ADD ? 2'd0 : vop == `AN_VOP_REQUANT ? 2'd1
                     : vop == `AN_VOP_WIDEN ? 2'd2 : 2'd3;
    wire [1:0] v_act = vop == `AN_VOP_WRITE ? 2'd0 : vop == `AN_VOP_REQUANT ? 2'd1 : 2'd2;
    wire [4*C*8-1:0] l_acc;
    wire [C*8-1:0] l_act;
    generate
        for (g = 0; g < C; g = g + 1) begin : g_vl
            an_vlane vl (.clk(clk), .rst(rst), .x(acc_rd[g*32 +: 32]), .xb(acc_rdb[g*32 +: 32]),
                         .rq(rq_out[g*32 +: 32]), .a8(act_rd[g*8 +: 8]), .zp(`AN_VEC_ZP(ci)),
                         .shift(`AN_VEC_SHIFT(ci)), .acc_sel(v_acc), .act_sel(v_act),
                         .pwr8(l_pwr8), .is_avg(is_avg), .p_in(pl_in), .p_first(pcnt == 0),
                         .cnt(pl_cnt), .p_upd(pl_v), .p_clr(pl_wl),
                         .acc_wd(l_acc[g*32 +: 32]), .act_wd(l_act[g*8 +: 8]),
                         .y(y_out[g*32 +: 32]), .rc(acc_rdc[g*32 +: 32]), .r_max(r_max),
                         .r_accum(r_accum), .acc_wdc(acc_wdc[g*32 +: 32]));
        end
    endgenerate
    always @* begin
        act_ra = v_on && vop == `AN_VOP_WIDEN ? vptr_c : a_row_c * R;
        act_we = 0; act_wa = 0; act_wm = 0;
        act_wd = {{((WA-C)*8){1'b0}}, l_act};
        acc_ra = 0; acc_rb = 0; acc_we = 0; acc_wa = 0; acc_wm = 0;
        acc_wd = l_acc;
        acc_rc = r_row * WC;
        acc_wc = r_row * WC;
        acc_wec = r_valid;
        acc_wmc = {WC{1'b1}};
        if (v_on && vop == `AN_VOP_ADD && vn != 0) begin
            acc_rb = (`AN_VEC_SRC(ci) + (`AN_VEC_BCAST(ci) ? 32'd0 : cyc)) * WC;
            acc_ra = (`AN_VEC_DST(ci) + cyc) * WC;
            acc_we = 1; acc_wa = acc_ra; acc_wm = {WC{1'b1}};
        end else if (v_on && vop == `AN_VOP_REQUANT && vn != 0) begin
            acc_rb = `AN_VEC_PRM(ci) * WC;
            acc_ra = ((`AN_VEC_WR8(ci) ? `AN_VEC_SRC(ci) : `AN_VEC_DST(ci)) + cyc) * WC;
            // the row read S cycles ago: its result, at its delayed address
            if (`AN_VEC_WR8(ci)) begin // the int8 result straight into the activation rows
                act_we = bk_v; act_wa = bk_a[ACT_ABITS-1:0];
                act_wm = {{(WA-C){1'b0}}, {C{1'b1}}};
            end else begin
                acc_we = bk_v; acc_wa = bk_a[ACC_ABITS-1:0]; acc_wm = {WC{1'b1}};
            end
        end else if (v_on && vop == `AN_VOP_WIDEN && vn != 0) begin
            acc_we = 1; acc_wa = (`AN_VEC_DST(ci) + cyc) * WC; acc_wm = {WC{1'b1}};
        end else if (v_on && vop == `AN_VOP_WRITE && vn != 0) begin
            acc_ra = (`AN_VEC_SRC(ci) + cyc) * WC;
            act_we = 1; act_wa = vptr_c; act_wm = {{(WA-C){1'b0}}, {C{1'b1}}};
        end else if (v_on && is_pool && !no_cells) begin
            // a cell: the accumulator row, or with wr8 its requantization
            // (the window is updated with the cell that leaves the delay line)
            acc_ra = cell_row * WC;
            acc_rb = `AN_VEC_PRM(ci) * WC;
            if (pwr8) begin // the window's int8 result into the activation rows
                act_we = bk_v && bk_wl; act_wa = bk_a[ACT_ABITS-1:0];
                act_wm = {{(WA-C){1'b0}}, {C{1'b1}}};
            end else begin
                acc_we = win_last; acc_wm = {WC{1'b1}};
                acc_wa = (`AN_VEC_DST(ci) + py * `AN_VEC_OW(ci) + px) * WC;
            end
        end
    end

    // ---------------- the instruction's last cycle ----------------
    reg lst;
    always @* begin
        lst = 1'b1; // SYNC, FINISH, empty VEC
        case (op)
        `AN_OP_LOAD: lst = dma_last;
        `AN_OP_HOST: lst = host_ack;
        `AN_OP_VEC:
            if (is_pool) lst = no_cells || pool_last;
            else lst = vn == 0 || cyc == vn - 1;
        default: ;
        endcase
    end
    // a VEC that requantizes rows ends when its last row leaves the delay line
    wire last = active && (rq_use && rq_rows ? bk_last && bk_v : lst);
    assign host_req = active && op == `AN_OP_HOST;
    assign host_idx = `AN_HOST_HOST(ci);

    integer j;
    always @(posedge clk) begin
        if (rst) begin
            on <= 0; on_n <= 1; on_d <= 0; ld_ci <= 1; l_pwr8 <= 0; vb <= 0; fin <= 0; cyc <= 0;
            q_cnt <= 0; wp_cnt <= 0; ar_cnt <= 0; bk0_cnt <= 0; bk1_cnt <= 0; dr_cnt <= 0;
            q_ok <= 1; wp_ok <= 1; ar_ok <= 1; bk0_ok <= 1; bk1_ok <= 1; dr_ok <= 1;
            npre <= 0; cur_bank <= 0; head_cnt <= 0; tail_cnt <= 0;
            p_on <= 0; p_row <= 0; g_on <= 0; g_cnt <= 0;
            f_head <= 0; f_tail <= 0; f_cnt <= 0;
            ii <= 0; py <= 0; px <= 0; ky <= 0; kx <= 0; pcnt <= 0; pcnt1 <= 1;
            fe_done <= 0; dl_v <= 0;
            for (j = 0; j < LAT; j = j + 1) rp[j] <= 0;
        end else begin
            on_d <= active && !last;
            ld_ci <= !active || last;
            if (ld_ci) ci_r <= insn;
            if (go_oth) begin
                vb <= go_vb;
                if (in_op == `AN_OP_FINISH) fin <= 1;
            end
            if (active) begin
                on <= !last;
                on_n <= last;
                l_pwr8 <= !last && pwr8;
                cyc <= last ? 32'd0 : cyc + 1;
            end
            // PRELOAD
            if (go_pre) begin
                npre <= !npre;
                cur_bank <= npre;
                p_base <= `AN_PRELOAD_WGT(insn);
            end
            if (p_we) begin // (from the register, or 0 in a PRELOAD's first cycle)
                p_row <= go_pre ? 32'd1 : p_row + 1;
                p_on <= go_pre ? 1 < R : p_row + 1 < R;
            end
            // GEMM issue
            if (go_gemm) begin
                gi_r <= insn;
                g_t <= gemm_t;
            end
            q_cnt <= q_nx; q_ok <= q_okn;
            wp_cnt <= wp_nx; wp_ok <= wp_okn;
            ar_cnt <= ar_nx; ar_ok <= ar_okn;
            bk0_cnt <= bk0_nx; bk0_ok <= bk0_okn;
            bk1_cnt <= bk1_nx; bk1_ok <= bk1_okn;
            dr_cnt <= dr_nx; dr_ok <= dr_okn;
            rp[0] <= {issue, `AN_GEMM_MAX(gi), `AN_GEMM_ACCUMULATE(gi), c_row_c[ACC_ABITS-1:0]};
            for (j = 1; j < LAT; j = j + 1) rp[j] <= rp[j-1];
            if (issue) begin
                g_cnt <= go_gemm ? 32'd1 : g_cnt + 1;
                g_on <= go_gemm ? 32'd1 < gemm_t : g_cnt + 1 < g_t;
                if (ii_c + 1 == n_inner) begin
                    ii <= 0;
                    a_ob <= a_ob_c + `AN_GEMM_ACT_OUTER(gi);
                    a_row <= a_ob_c + `AN_GEMM_ACT_OUTER(gi);
                    c_ob <= c_ob_c + `AN_GEMM_ACC_OUTER(gi);
                    c_row <= c_ob_c + `AN_GEMM_ACC_OUTER(gi);
                end else begin
                    ii <= ii_c + 1;
                    a_ob <= a_ob_c;
                    a_row <= a_row_c + `AN_GEMM_ACT_INNER(gi);
                    c_ob <= c_ob_c;
                    c_row <= c_row_c + `AN_GEMM_ACC_INNER(gi);
                end
            end
            // completions
            if (f_push) begin
                f_dl[f_tail] <= rel_new - tail_cnt;
                f_np[f_tail] <= np_new;
                f_nn[f_tail] <= nn_new;
                f_tail <= f_tail == FD[FB-1:0] - 1'b1 ? {FB{1'b0}} : f_tail + 1'b1;
            end
            if (f_merge) begin
                f_np[f_last] <= f_np[f_last] + np_new;
                f_nn[f_last] <= f_nn[f_last] + nn_new;
            end
            if (f_emit) f_head <= f_head == FD[FB-1:0] - 1'b1 ? {FB{1'b0}} : f_head + 1'b1;
            f_cnt <= f_cnt + (f_push ? 1 : 0) - (f_emit ? 1 : 0);
            if (f_emit) head_cnt <= f_cnt == 1 ? rel_new - 1 : f_dl[f_hn];
            else if (f_cnt == 0) head_cnt <= rel_new - 1;
            else head_cnt <= head_cnt - 1;
            tail_cnt <= f_push ? rel_new - 1 : dn(tail_cnt);
            // vector rows
            if (active && op == `AN_OP_VEC && !is_pool)
                vptr <= vptr_step;
            else if (fe && pwr8 && !no_cells)
                vptr <= win_last ? vptr_step : vptr_c;
            // the requantization delay line; the front end's end
            dl_v <= {dl_v[S-2:0], fe_v};
            dl_last <= {dl_last[S-2:0], fe_last};
            dl_in <= {dl_in[S-2:0], cell_in};
            dl_wl <= {dl_wl[S-2:0], win_last};
            dl_a[0] <= fe_a;
            for (j = 1; j < S; j = j + 1) dl_a[j] <= dl_a[j-1];
            if (last) fe_done <= 0;
            else if (fe_v && fe_last) fe_done <= 1;
            // pools: the window's value (the cell of this cycle, or with wr8
            // the one leaving the delay line)
            if (pl_v) begin
                pcnt <= pl_wl ? 17'd0 : pl_cnt;
                pcnt1 <= pl_wl ? 17'd1 : pl_in ? pcnt1 + 1 : pcnt1;
            end
            // pools: the window walk
            if (fe && op == `AN_OP_VEC && is_pool && !no_cells) begin
                cy_r <= ny; cx_r <= nx;
                cin_r <= in_grid(ny, nx, pgh, pgw);
                if (win_last) begin
                    kx <= 0; ky <= 0;
                    if (px + 1 == `AN_VEC_OW(ci)) begin
                        px <= 0;
                        py <= pool_last ? 12'd0 : py + 1;
                        by_r <= by_c + psh; bx_r <= `AN_VEC_OX(ci);
                    end else begin
                        px <= px + 1;
                        by_r <= by_c; bx_r <= bx_c + psw;
                    end
                end else begin
                    by_r <= by_c; bx_r <= bx_c;
                    if (kx + 1 == `AN_VEC_KW(ci)) begin
                        kx <= 0; ky <= ky + 1;
                    end else begin
                        kx <= kx + 1;
                    end
                end
            end
        end
    end
endmodule
