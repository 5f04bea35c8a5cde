// an_npu: the asicnn accelerator (docs/hw.md). Every number comes from the
// generated header an_params.vh (`asicnn hw gen`): the chip configuration and
// the instruction fields of include/asicnn/isa.h.
//
//   insn port  --fetch-->  load / compute / store queues (an_fifo, in order)
//   dependency-token counters (load<->compute<->store, 4 channels)
//   engine: runs the head of a ready queue to completion, one instruction at
//           a time: DMA (DRAM <-> SRAM, zero-point padding), PRELOAD and GEMM
//           on the systolic array (an_array), the vector unit (add, an_requant,
//           widen, write, max/avg pooling), HOST (handed to the host), FINISH.
//   act / wgt / acc buffers: an_sram.
//
// Ports: the host feeds instructions in program order (insn_valid/ready,
// 256 bits, word 0 in bits 0..63). The DRAM port moves one byte per request:
// dram_req holds until dram_ack; the read data comes with the ack. host_req
// asks the host to run host operator host_idx on DRAM; host_ack ends it.
// done rises once FINISH has run and every queue is empty.
`default_nettype none
`include "an_params.vh"
module an_npu #(
    parameter R = `AN_ROWS,
    parameter C = `AN_COLS,
    parameter ACT_BYTES = `AN_ACT_BYTES,
    parameter WGT_BYTES = `AN_WGT_BYTES,
    parameter ACC_BYTES = `AN_ACC_BYTES,
    parameter ACT_ABITS = `AN_ACT_ABITS,
    parameter WGT_ABITS = `AN_WGT_ABITS,
    parameter ACC_ABITS = `AN_ACC_ABITS,
    parameter QDEPTH = `AN_INSN_DEPTH,
    parameter QBITS = `AN_INSN_DBITS,
    parameter TDEPTH = `AN_TOKEN_DEPTH,
    parameter TBITS = `AN_TOKEN_BITS
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         insn_valid,
    input  wire [255:0] insn_data,
    output wire         insn_ready,
    output reg          dram_req,
    output reg          dram_we,
    output reg  [31:0]  dram_addr,
    output reg  [7:0]   dram_wdata,
    input  wire         dram_ack,
    input  wire [7:0]   dram_rdata,
    output wire         host_req,
    output wire [15:0]  host_idx,
    input  wire         host_ack,
    output wire         done,
    output reg  [31:0]  insn_count
);
    localparam WA = R > C ? R : C; // activation port bytes
    localparam WC = 4 * C;         // accumulator row bytes

    // ---------------- fetch and queues ----------------
    wire [3:0] in_op = `AN_ANY_OP(insn_data);
    wire [1:0] in_q = in_op == `AN_OP_STORE ? `AN_QUEUE_STORE
                    : (in_op == `AN_OP_LOAD && `AN_DMA_BUF(insn_data) != `AN_BUF_ACC) ? `AN_QUEUE_LOAD
                    : `AN_QUEUE_COMPUTE;
    wire [QBITS-1:0] cnt0, cnt1, cnt2;
    wire [255:0] head0, head1, head2;
    wire full0 = cnt0 == QDEPTH, full1 = cnt1 == QDEPTH, full2 = cnt2 == QDEPTH;
    wire [2:0] qpop;
    // a full queue takes an instruction in the cycle its head is dispatched
    // (docs/timing.md: fetch waits for the start of the instruction
    // insn_depth places ahead, not for the cycle after)
    assign insn_ready = in_q == 2'd0 ? !full0 || qpop[0] : in_q == 2'd1 ? !full1 || qpop[1]
                      : !full2 || qpop[2];
    wire fetch = insn_valid && insn_ready;
    an_fifo #(256, QDEPTH, QBITS) q_load (clk, rst, fetch && in_q == 2'd0, insn_data, qpop[0], head0, cnt0);
    an_fifo #(256, QDEPTH, QBITS) q_comp (clk, rst, fetch && in_q == 2'd1, insn_data, qpop[1], head1, cnt1);
    an_fifo #(256, QDEPTH, QBITS) q_store(clk, rst, fetch && in_q == 2'd2, insn_data, qpop[2], head2, cnt2);

    // ---------------- dependency tokens ----------------
    // channels: 0 load->compute, 1 compute->load, 2 compute->store, 3 store->compute
    reg [TBITS-1:0] tok0, tok1, tok2, tok3;
    // pops[ch] / pushes[ch] of an instruction with flags dep on queue q
    function [3:0] pops_of(input [1:0] q, input [3:0] dep);
        pops_of = q == 2'd0 ? {2'b00, dep[`AN_DEP_POP_NEXT], 1'b0}
                : q == 2'd1 ? {dep[`AN_DEP_POP_NEXT], 2'b00, dep[`AN_DEP_POP_PREV]}
                : {1'b0, dep[`AN_DEP_POP_PREV], 2'b00};
    endfunction
    function [3:0] pushes_of(input [1:0] q, input [3:0] dep);
        pushes_of = q == 2'd0 ? {3'b000, dep[`AN_DEP_PUSH_NEXT]}
                  : q == 2'd1 ? {1'b0, dep[`AN_DEP_PUSH_NEXT], dep[`AN_DEP_PUSH_PREV], 1'b0}
                  : {dep[`AN_DEP_PUSH_PREV], 3'b000};
    endfunction
    function ready_of(input [1:0] q, input [3:0] dep, input [TBITS-1:0] t0, input [TBITS-1:0] t1,
                      input [TBITS-1:0] t2, input [TBITS-1:0] t3);
        reg [3:0] p, u;
        begin
            p = pops_of(q, dep);
            u = pushes_of(q, dep);
            ready_of = !(p[0] && t0 == 0) && !(p[1] && t1 == 0) && !(p[2] && t2 == 0) &&
                       !(p[3] && t3 == 0) && !(u[0] && t0 == TDEPTH) && !(u[1] && t1 == TDEPTH) &&
                       !(u[2] && t2 == TDEPTH) && !(u[3] && t3 == TDEPTH);
        end
    endfunction
    wire rdy0 = cnt0 != 0 && ready_of(2'd0, `AN_ANY_DEP(head0), tok0, tok1, tok2, tok3);
    wire rdy1 = cnt1 != 0 && ready_of(2'd1, `AN_ANY_DEP(head1), tok0, tok1, tok2, tok3);
    wire rdy2 = cnt2 != 0 && ready_of(2'd2, `AN_ANY_DEP(head2), tok0, tok1, tok2, tok3);
    wire [1:0] pick = rdy0 ? 2'd0 : rdy1 ? 2'd1 : 2'd2;
    wire [255:0] head = pick == 2'd0 ? head0 : pick == 2'd1 ? head1 : head2;
    wire [3:0] hpops = pops_of(pick, `AN_ANY_DEP(head));

    // ---------------- the current instruction ----------------
    reg [255:0] ci;
    reg [1:0] cq;
    wire [3:0] op = `AN_ANY_OP(ci);
    wire [3:0] cpush = pushes_of(cq, `AN_ANY_DEP(ci));
    wire is_store = op == `AN_OP_STORE;
    wire [1:0] dbuf = `AN_DMA_BUF(ci);
    wire [31:0] pad_top = `AN_DMA_PAD_TOP(ci), pad_left = `AN_DMA_PAD_LEFT(ci);
    wire [31:0] ysize = `AN_DMA_YSIZE(ci), xsize = `AN_DMA_XSIZE(ci);
    wire [31:0] xbytes = `AN_DMA_XBYTES(ci), pitch = `AN_DMA_PITCH(ci);
    wire [31:0] gh = pad_top + ysize + `AN_DMA_PAD_BOTTOM(ci);
    wire [31:0] gw = pad_left + xsize + `AN_DMA_PAD_RIGHT(ci);
    wire [7:0] pad_value = `AN_DMA_PAD_VALUE(ci);
    wire [3:0] vop = `AN_VEC_VOP(ci);
    wire [15:0] vn = `AN_VEC_N(ci);
    wire is_avg = vop == `AN_VOP_AVGPOOL;

    localparam S_IDLE = 5'd0, S_DMA = 5'd1, S_TAIL = 5'd2, S_PRE = 5'd3, S_GEMM = 5'd4,
               S_ADD_A = 5'd5, S_ADD_B = 5'd6, S_RQ_M = 5'd7, S_RQ_S = 5'd8, S_RQ = 5'd9,
               S_WIDEN = 5'd10, S_WRITE = 5'd11, S_POOL = 5'd12, S_DIV = 5'd13, S_POUT = 5'd14,
               S_HOST = 5'd15, S_END = 5'd16;
    reg [4:0] st;
    wire dispatch = st == S_IDLE && (rdy0 || rdy1 || rdy2);
    assign qpop = {dispatch && pick == 2'd2, dispatch && pick == 2'd1, dispatch && pick == 2'd0};
    reg fin;
    assign done = fin && st == S_IDLE && cnt0 == 0 && cnt1 == 0 && cnt2 == 0;
    assign host_req = st == S_HOST;
    assign host_idx = `AN_HOST_HOST(ci);

    // ---------------- memories ----------------
    reg  [ACT_ABITS-1:0] act_ra, act_wa;
    wire [WA*8-1:0] act_rd;
    reg  [WA*8-1:0] act_wd;
    reg  [WA-1:0] act_wm;
    reg  act_we;
    reg  [WGT_ABITS-1:0] wgt_ra, wgt_wa;
    wire [C*8-1:0] wgt_rd;
    reg  wgt_we;
    reg  [ACC_ABITS-1:0] acc_ra, acc_wa;
    wire [WC*8-1:0] acc_rd;
    reg  [WC*8-1:0] acc_wd;
    reg  [WC-1:0] acc_wm;
    reg  acc_we;
    reg  [7:0] dma_byte;
    an_sram #(ACT_BYTES, ACT_ABITS, WA) act_mem (clk, act_ra, act_rd, act_we, act_wa, act_wd, act_wm);
    an_sram #(WGT_BYTES, WGT_ABITS, C) wgt_mem (clk, wgt_ra, wgt_rd, wgt_we, wgt_wa, {C{dma_byte}},
                                                {{(C-1){1'b0}}, 1'b1});
    an_sram #(ACC_BYTES, ACC_ABITS, WC) acc_mem (clk, acc_ra, acc_rd, acc_we, acc_wa, acc_wd, acc_wm);

    // ---------------- the array ----------------
    wire a_valid;
    wire y_valid;
    wire [C*32-1:0] y_out;
    an_array #(R, C) array (.clk(clk), .rst(rst), .w_load(st == S_PRE), .w_in(wgt_rd),
                            .a_valid(a_valid), .a_in(act_rd[R*8-1:0]), .y_valid(y_valid),
                            .y_out(y_out));

    // ---------------- engine registers ----------------
    reg [31:0] gy, gx, k, at, rowaddr, eaddr;      // DMA walk
    reg [15:0] io, ii, ro, ri;                      // GEMM issue / retire loops
    reg [31:0] a_ob, a_row, c_ob, c_row;
    reg issue_done;
    reg [15:0] vi;                                  // VEC row
    reg [31:0] vptr;
    reg [WC*8-1:0] vtmp, vmul, vsh;                 // ADD source, REQUANT rows
    reg [11:0] py, px;                              // pools
    reg [7:0] ky, kx;
    reg [16:0] pcnt;
    reg [5:0] dk;

    wire dma_data = gy >= pad_top && gy < pad_top + ysize && gx >= pad_left && gx < pad_left + xsize;
    wire dma_byte_data = dma_data && k < xbytes;
    wire dma_ack = dram_req && dram_ack;

    // GEMM
    wire [15:0] n_outer = `AN_GEMM_N_OUTER(ci), n_inner = `AN_GEMM_N_INNER(ci);
    assign a_valid = st == S_GEMM && !issue_done;

    // pools: the window cell of (py, px, ky, kx)
    wire signed [31:0] cell_y = $signed({20'd0, py}) * $signed({24'd0, `AN_VEC_SH(ci)}) +
                                `AN_VEC_OY(ci) + $signed({24'd0, ky});
    wire signed [31:0] cell_x = $signed({20'd0, px}) * $signed({24'd0, `AN_VEC_SW(ci)}) +
                                `AN_VEC_OX(ci) + $signed({24'd0, kx});
    wire [11:0] pgh = `AN_VEC_GH(ci), pgw = `AN_VEC_GW(ci);
    wire cell_in = cell_y >= 0 && cell_y < $signed({20'd0, pgh}) && cell_x >= 0 &&
                   cell_x < $signed({20'd0, pgw});
    wire [31:0] cell_row = `AN_VEC_SRC(ci) + cell_y * pgw + cell_x;
    wire win_empty = `AN_VEC_KH(ci) == 0 || `AN_VEC_KW(ci) == 0;
    wire win_last = kx == `AN_VEC_KW(ci) - 1 && ky == `AN_VEC_KH(ci) - 1;

    // per-lane vector datapath
    reg signed [47:0] psum [0:C-1];  // pool max or sum
    reg [47:0] dnum [0:C-1];         // avg: |sum| + count/2, shifted out into the quotient
    reg [16:0] drem [0:C-1];
    reg [47:0] dquo [0:C-1];
    reg [C-1:0] dneg;
    wire [C*32-1:0] rq_out;
    genvar g;
    generate
        for (g = 0; g < C; g = g + 1) begin : g_lane
            an_requant rq (.x(acc_rd[g*32 +: 32]), .m(vmul[g*32 +: 32]), .shift(vsh[g*32 +: 32]),
                           .zp(`AN_VEC_ZP(ci)), .clamp(`AN_VEC_CLAMP(ci)), .lo(`AN_VEC_LO(ci)),
                           .hi(`AN_VEC_HI(ci)), .y(rq_out[g*32 +: 32]));
        end
    endgenerate

    // ---------------- memory ports (combinational from the state) ----------------
    integer c;
    reg signed [31:0] lane, lane2;
    reg signed [47:0] q48;
    always @* begin
        act_ra = 0; act_we = 0; act_wa = 0; act_wd = 0; act_wm = 0;
        wgt_ra = 0; wgt_we = 0; wgt_wa = 0;
        acc_ra = 0; acc_we = 0; acc_wa = 0; acc_wd = 0; acc_wm = 0;
        dma_byte = dma_byte_data ? dram_rdata : pad_value;
        lane = 0; lane2 = 0; q48 = 0;
        case (st)
        S_DMA, S_TAIL: begin
            act_ra = at + k + (dram_req ? 32'd1 : 32'd0); // STORE: the byte of the next request
            if (!is_store && (st == S_TAIL ? k < `AN_DMA_PAD_TAIL(ci)
                              : gy < gh && gw != 0 && (dma_byte_data ? dma_ack : k < pitch))) begin
                if (dbuf == `AN_BUF_ACT) begin
                    act_we = 1; act_wa = at + k; act_wd = {WA{dma_byte}}; act_wm = 1;
                end else if (dbuf == `AN_BUF_WGT) begin
                    wgt_we = 1; wgt_wa = at + k;
                end else begin
                    acc_we = 1; acc_wa = at + k; acc_wd = {WC{dma_byte}}; acc_wm = 1;
                end
            end
        end
        S_PRE: wgt_ra = (`AN_PRELOAD_WGT(ci) + R - 1 - k) * C;
        S_GEMM: begin
            act_ra = a_row * R;
            acc_ra = c_row * WC;
            acc_wa = c_row * WC;
            acc_we = y_valid;
            acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1)
                acc_wd[c*32 +: 32] = (`AN_GEMM_ACCUMULATE(ci) ? acc_rd[c*32 +: 32] : 32'd0) +
                                     y_out[c*32 +: 32];
        end
        S_ADD_A: acc_ra = (`AN_VEC_SRC(ci) + (`AN_VEC_BCAST(ci) ? 16'd0 : vi)) * WC;
        S_ADD_B: begin
            acc_ra = (`AN_VEC_DST(ci) + vi) * WC;
            acc_we = 1; acc_wa = acc_ra; acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1)
                acc_wd[c*32 +: 32] = acc_rd[c*32 +: 32] + vtmp[c*32 +: 32];
        end
        S_RQ_M: acc_ra = `AN_VEC_PRM(ci) * WC;
        S_RQ_S: acc_ra = (`AN_VEC_PRM(ci) + 1) * WC;
        S_RQ: begin
            acc_ra = (`AN_VEC_DST(ci) + vi) * WC;
            acc_we = 1; acc_wa = acc_ra; acc_wm = {WC{1'b1}}; acc_wd = rq_out;
        end
        S_WIDEN: begin
            act_ra = vptr;
            acc_we = 1; acc_wa = (`AN_VEC_DST(ci) + vi) * WC; acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1) begin
                lane = $signed(act_rd[c*8 +: 8]) - `AN_VEC_ZP(ci);
                acc_wd[c*32 +: 32] = lane <<< `AN_VEC_SHIFT(ci);
            end
        end
        S_WRITE: begin
            acc_ra = (`AN_VEC_SRC(ci) + vi) * WC;
            act_we = 1; act_wa = vptr; act_wm = {{(WA-C){1'b0}}, {C{1'b1}}};
            for (c = 0; c < C; c = c + 1) begin
                lane = acc_rd[c*32 +: 32];
                act_wd[c*8 +: 8] = lane < -128 ? 8'h80 : lane > 127 ? 8'h7f : lane[7:0];
            end
        end
        S_POOL: acc_ra = cell_row * WC;
        S_POUT: begin
            acc_we = 1; acc_wa = (`AN_VEC_DST(ci) + py * `AN_VEC_OW(ci) + px) * WC;
            acc_wm = {WC{1'b1}};
            for (c = 0; c < C; c = c + 1) begin
                if (pcnt == 0) lane2 = 0;
                else if (!is_avg) lane2 = psum[c][31:0];
                else begin
                    q48 = dneg[c] ? -$signed(dquo[c]) : $signed(dquo[c]);
                    lane2 = q48 < -128 ? -32'sd128 : q48 > 127 ? 32'sd127 : q48[31:0];
                end
                acc_wd[c*32 +: 32] = lane2;
            end
        end
        default: ;
        endcase
    end

    // ---------------- the engine ----------------
    // An instruction ends in its last work cycle: its tokens are pushed at
    // that clock edge and the engine dispatches again in the next cycle.
    task end_insn;
        begin
            tok0 <= tok0 + cpush[0];
            tok1 <= tok1 + cpush[1];
            tok2 <= tok2 + cpush[2];
            tok3 <= tok3 + cpush[3];
            st <= S_IDLE;
        end
    endtask
    integer j;
    reg [47:0] mag;
    reg [16:0] rem2;
    always @(posedge clk) begin
        if (rst) begin
            st <= S_IDLE; fin <= 0; insn_count <= 0;
            tok0 <= 0; tok1 <= 0; tok2 <= 0; tok3 <= 0;
            dram_req <= 0; dram_we <= 0; dram_addr <= 0; dram_wdata <= 0;
        end else begin
            case (st)
            S_IDLE: if (rdy0 || rdy1 || rdy2) begin
                ci <= head; cq <= pick;
                insn_count <= insn_count + 1;
                tok0 <= tok0 - hpops[0];
                tok1 <= tok1 - hpops[1];
                tok2 <= tok2 - hpops[2];
                tok3 <= tok3 - hpops[3];
                gy <= 0; gx <= 0; k <= 0;
                at <= `AN_DMA_SRAM(head); rowaddr <= `AN_DMA_DRAM(head); eaddr <= `AN_DMA_DRAM(head);
                io <= 0; ii <= 0; ro <= 0; ri <= 0;
                a_ob <= `AN_GEMM_ACT(head); a_row <= `AN_GEMM_ACT(head);
                c_ob <= `AN_GEMM_ACC(head); c_row <= `AN_GEMM_ACC(head);
                issue_done <= 0;
                vi <= 0; py <= 0; px <= 0; ky <= 0; kx <= 0; pcnt <= 0;
                vptr <= `AN_VEC_VOP(head) == `AN_VOP_WRITE ? `AN_VEC_DST(head) : `AN_VEC_SRC(head);
                for (j = 0; j < C; j = j + 1) psum[j] <= 0;
                case (`AN_ANY_OP(head))
                `AN_OP_LOAD, `AN_OP_STORE: st <= S_DMA;
                `AN_OP_PRELOAD: st <= S_PRE;
                `AN_OP_GEMM: st <= (`AN_GEMM_N_OUTER(head) == 0 || `AN_GEMM_N_INNER(head) == 0)
                                   ? S_END : S_GEMM;
                `AN_OP_VEC:
                    case (`AN_VEC_VOP(head))
                    `AN_VOP_ADD: st <= `AN_VEC_N(head) == 0 ? S_END : S_ADD_A;
                    `AN_VOP_REQUANT: st <= `AN_VEC_N(head) == 0 ? S_END : S_RQ_M;
                    `AN_VOP_WIDEN: st <= `AN_VEC_N(head) == 0 ? S_END : S_WIDEN;
                    `AN_VOP_WRITE: st <= `AN_VEC_N(head) == 0 ? S_END : S_WRITE;
                    default: st <= (`AN_VEC_OH(head) == 0 || `AN_VEC_OW(head) == 0) ? S_END : S_POOL;
                    endcase
                `AN_OP_HOST: st <= S_HOST;
                `AN_OP_FINISH: begin fin <= 1; st <= S_END; end
                default: st <= S_END; // SYNC
                endcase
            end
            S_DMA: begin
                if (gy >= gh || gw == 0) begin
                    k <= 0;
                    st <= S_TAIL;
                end else if (dma_byte_data) begin
                    if (!dram_req) begin
                        dram_req <= 1; dram_we <= is_store;
                        dram_addr <= eaddr + k; dram_wdata <= act_rd[7:0];
                    end else if (dram_ack) begin
                        // the element's next byte goes out in the next cycle
                        dram_req <= k + 1 < xbytes;
                        dram_addr <= eaddr + k + 1; dram_wdata <= act_rd[7:0];
                        k <= k + 1;
                    end
                end else if (k < pitch && !is_store) begin
                    k <= k + 1;
                end else begin
                    k <= 0;
                    at <= at + pitch;
                    if (gx + 1 >= gw) begin
                        gx <= 0;
                        gy <= gy + 1;
                        if (gy >= pad_top && gy < pad_top + ysize) begin
                            rowaddr <= rowaddr + `AN_DMA_DRAM_YSTRIDE(ci);
                            eaddr <= rowaddr + `AN_DMA_DRAM_YSTRIDE(ci);
                        end else
                            eaddr <= rowaddr;
                    end else begin
                        gx <= gx + 1;
                        if (dma_data) eaddr <= eaddr + `AN_DMA_DRAM_XSTRIDE(ci);
                    end
                end
            end
            S_TAIL: if (k + 1 >= `AN_DMA_PAD_TAIL(ci) || is_store) end_insn; else k <= k + 1;
            S_PRE: if (k == R - 1) end_insn; else k <= k + 1;
            S_GEMM: begin
                if (!issue_done) begin
                    if (ii + 1 == n_inner) begin
                        ii <= 0; io <= io + 1;
                        a_ob <= a_ob + `AN_GEMM_ACT_OUTER(ci);
                        a_row <= a_ob + `AN_GEMM_ACT_OUTER(ci);
                        if (io + 1 == n_outer) issue_done <= 1;
                    end else begin
                        ii <= ii + 1;
                        a_row <= a_row + `AN_GEMM_ACT_INNER(ci);
                    end
                end
                if (y_valid) begin
                    if (ri + 1 == n_inner) begin
                        ri <= 0; ro <= ro + 1;
                        c_ob <= c_ob + `AN_GEMM_ACC_OUTER(ci);
                        c_row <= c_ob + `AN_GEMM_ACC_OUTER(ci);
                        if (ro + 1 == n_outer) end_insn;
                    end else begin
                        ri <= ri + 1;
                        c_row <= c_row + `AN_GEMM_ACC_INNER(ci);
                    end
                end
            end
            S_ADD_A: begin vtmp <= acc_rd; st <= S_ADD_B; end
            S_ADD_B: begin vi <= vi + 1; if (vi + 1 == vn) end_insn; else st <= S_ADD_A; end
            S_RQ_M: begin vmul <= acc_rd; st <= S_RQ_S; end
            S_RQ_S: begin vsh <= acc_rd; st <= S_RQ; end
            S_RQ, S_WIDEN, S_WRITE: begin
                vi <= vi + 1;
                vptr <= vptr + `AN_VEC_VPITCH(ci);
                if (vi + 1 == vn) end_insn;
            end
            S_POOL: begin
                if (!win_empty && cell_in) begin
                    pcnt <= pcnt + 1;
                    for (j = 0; j < C; j = j + 1)
                        if (is_avg) psum[j] <= psum[j] + $signed(acc_rd[j*32 +: 32]);
                        else if (pcnt == 0 || $signed(acc_rd[j*32 +: 32]) > psum[j])
                            psum[j] <= $signed(acc_rd[j*32 +: 32]);
                end
                if (win_empty || win_last) begin
                    kx <= 0; ky <= 0; dk <= 0;
                    st <= is_avg ? S_DIV : S_POUT;
                end else if (kx + 1 == `AN_VEC_KW(ci)) begin
                    kx <= 0; ky <= ky + 1;
                end else
                    kx <= kx + 1;
            end
            S_DIV: begin // restoring division, one quotient bit per cycle, all lanes
                for (j = 0; j < C; j = j + 1) begin
                    if (dk == 0) begin
                        mag = psum[j] < 0 ? -psum[j] : psum[j];
                        dnum[j] <= mag + (pcnt >> 1);
                        dneg[j] <= psum[j] < 0;
                        drem[j] <= 0;
                        dquo[j] <= 0;
                    end else begin
                        rem2 = {drem[j][15:0], dnum[j][47]};
                        dnum[j] <= dnum[j] << 1;
                        if (rem2 >= pcnt) begin
                            drem[j] <= rem2 - pcnt;
                            dquo[j] <= {dquo[j][46:0], 1'b1};
                        end else begin
                            drem[j] <= rem2;
                            dquo[j] <= {dquo[j][46:0], 1'b0};
                        end
                    end
                end
                dk <= dk + 1;
                if (dk == 48) st <= S_POUT;
            end
            S_POUT: begin
                pcnt <= 0;
                for (j = 0; j < C; j = j + 1) psum[j] <= 0;
                if (px + 1 == `AN_VEC_OW(ci)) begin
                    px <= 0; py <= py + 1;
                    if (py + 1 == `AN_VEC_OH(ci)) end_insn; else st <= S_POOL;
                end else begin
                    px <= px + 1;
                    st <= S_POOL;
                end
            end
            S_HOST: if (host_ack) end_insn;
            default: begin // S_END: push tokens
                tok0 <= tok0 + cpush[0];
                tok1 <= tok1 + cpush[1];
                tok2 <= tok2 + cpush[2];
                tok3 <= tok3 + cpush[3];
                st <= S_IDLE;
            end
            endcase
        end
    end
endmodule
