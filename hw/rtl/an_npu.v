// an_npu: the asicnn accelerator (docs/hw.md). Every number comes from the
// generated header an_params.vh (`asicnn hw gen`): the chip configuration and
// the instruction fields of include/asicnn/isa.h.
//
//   insn port  --fetch-->  load / compute / store queues (an_fifo, in order)
//   dependency-token counters (load<->compute<->store, 4 channels)
//   three engines, running concurrently, each on the head of its queue:
//     load    an_dma (LOAD into act / wgt) on DRAM channel dl_*
//     compute PRELOAD and GEMM on the systolic array (an_array), the vector
//             unit (add, an_requant, widen, write, max/avg pooling), LOAD into
//             acc (an_dma on channel dc_*), HOST (handed to the host), SYNC,
//             FINISH
//     store   an_dma (STORE from act) on DRAM channel ds_*
//   act / wgt / acc buffers: an_sram.
//
// Cycle convention (docs/timing.md): an engine starts an instruction in the
// cycle its queue head is there, its tokens are there (counters, registered)
// and the FIFOs it pushes have room (counting the tokens of instructions
// started but not ended); that cycle is the instruction's first. Tokens are
// popped at the clock edge ending the first cycle and pushed at the edge
// ending the last; the load and store queues start the next one in the
// cycle after its last, or, when both move DRAM data and it writes no
// padding, on their second engine once its requests are out (an_dma2); the
// compute engine pipelines PRELOAD and GEMM (an_compute). Durations are docs/timing.md's closed forms exactly.
//
// Ports: the host feeds instructions in program order (insn_valid/ready,
// 256 bits, word 0 in bits 0..63). Each DRAM channel takes a request (a
// BPC-byte beat: aligned address, byte mask, a tag, store data) per cycle and
// answers each, in order, dram_latency cycles later with its mask and tag
// (and read data), as an AXI read channel returns its ID and user bits. host_req asks the host to run host operator host_idx on DRAM;
// host_ack ends it. done rises once FINISH has run and every queue and
// engine is idle.
`default_nettype none
`include "an_params.vh"
`include "an_decode.vh"
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
    parameter TBITS = `AN_TOKEN_BITS,
    parameter BPC = `AN_DRAM_BPC,
    parameter BURST = `AN_DRAM_BURST
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             insn_valid,
    input  wire [255:0]     insn_data,
    output wire             insn_ready,
    // DRAM channel of the load queue (reads)
    output wire             dl_rq_valid,
    output wire [31:0]      dl_rq_addr,
    output wire [BPC-1:0]   dl_rq_mask,
    output wire [31:0]      dl_rq_tag,
    input  wire             dl_rs_valid,
    input  wire [BPC-1:0]   dl_rs_mask,
    input  wire [31:0]      dl_rs_tag,
    input  wire [BPC*8-1:0] dl_rs_data,
    // DRAM channel of the compute queue (reads into acc)
    output wire             dc_rq_valid,
    output wire [31:0]      dc_rq_addr,
    output wire [BPC-1:0]   dc_rq_mask,
    output wire [31:0]      dc_rq_tag,
    input  wire             dc_rs_valid,
    input  wire [BPC-1:0]   dc_rs_mask,
    input  wire [31:0]      dc_rs_tag,
    input  wire [BPC*8-1:0] dc_rs_data,
    // DRAM channel of the store queue (writes)
    output wire             ds_rq_valid,
    output wire [31:0]      ds_rq_addr,
    output wire [BPC-1:0]   ds_rq_mask,
    output wire [BPC*8-1:0] ds_rq_data,
    input  wire             ds_rs_valid,
    output wire             host_req,
    output wire [15:0]      host_idx,
    input  wire             host_ack,
    output wire             done,
    output reg  [31:0]      insn_count
);
    localparam WA = R > C ? R : C; // activation port bytes
    localparam WC = 4 * C;         // accumulator row bytes
    localparam LAB = ACT_ABITS > WGT_ABITS ? ACT_ABITS : WGT_ABITS;

    // ---------------- fetch, decode and queues ----------------
    // An instruction taken from the port spends AN_DECODE_STAGES cycles in
    // an_decode (docs/timing.md: it can start that + 1 after its dispatch at the
    // earliest); its queue counts it from its dispatch, so the port takes an
    // instruction when its queue, counting those on their way, has room.
    localparam QW = 256 + `AN_DEC_W;
    wire [3:0] in_op = `AN_ANY_OP(insn_data);
    wire [1:0] in_q = in_op == `AN_OP_STORE ? `AN_QUEUE_STORE
                    : (in_op == `AN_OP_LOAD && `AN_DMA_BUF(insn_data) != `AN_BUF_ACC) ? `AN_QUEUE_LOAD
                    : `AN_QUEUE_COMPUTE;
    wire [QBITS-1:0] cnt0, cnt1, cnt2;
    wire [QW-1:0] qh0, qh1, qh2;
    wire [255:0] head0 = qh0[255:0], head1 = qh1[255:0], head2 = qh2[255:0];
    wire go0, go1, go2;
    // instructions of each queue in it or on their way to it
    reg [QBITS:0] held0, held1, held2;
    wire full0 = held0 == QDEPTH, full1 = held1 == QDEPTH, full2 = held2 == QDEPTH;
    // a full queue takes an instruction in the cycle its head starts
    // (docs/timing.md: fetch waits for the start of the instruction
    // insn_depth places ahead, not for the cycle after)
    assign insn_ready = in_q == 2'd0 ? !full0 || go0 : in_q == 2'd1 ? !full1 || go1
                      : !full2 || go2;
    wire fetch = insn_valid && insn_ready;
    always @(posedge clk) begin
        if (rst) begin
            held0 <= 0; held1 <= 0; held2 <= 0;
        end else begin
            held0 <= held0 + (fetch && in_q == 2'd0 ? 1'b1 : 1'b0) - (go0 ? 1'b1 : 1'b0);
            held1 <= held1 + (fetch && in_q == 2'd1 ? 1'b1 : 1'b0) - (go1 ? 1'b1 : 1'b0);
            held2 <= held2 + (fetch && in_q == 2'd2 ? 1'b1 : 1'b0) - (go2 ? 1'b1 : 1'b0);
        end
    end
    wire dv;
    wire [1:0] dq;
    wire [255:0] di;
    wire [`AN_DEC_W-1:0] dd;
    an_decode #(LAB, ACT_ABITS, ACC_ABITS) decode (
        .clk(clk), .rst(rst), .in_valid(fetch), .in_q(in_q), .in_insn(insn_data),
        .out_valid(dv), .out_q(dq), .out_insn(di), .out_dec(dd));
    an_fifo #(QW, QDEPTH, QBITS) q_load (clk, rst, dv && dq == 2'd0, {dd, di}, go0, qh0, cnt0);
    an_fifo #(QW, QDEPTH, QBITS) q_comp (clk, rst, dv && dq == 2'd1, {dd, di}, go1, qh1, cnt1);
    an_fifo #(QW, QDEPTH, QBITS) q_store(clk, rst, dv && dq == 2'd2, {dd, di}, go2, qh2, cnt2);

    // ---------------- dependency tokens ----------------
    // channels: 0 load->compute, 1 compute->load, 2 compute->store, 3 store->compute
    reg [TBITS-1:0] tok0, tok1, tok2, tok3;
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
                      input [TBITS-1:0] t2, input [TBITS-1:0] t3, input [TBITS-1:0] r0,
                      input [TBITS-1:0] r1, input [TBITS-1:0] r2, input [TBITS-1:0] r3);
        reg [3:0] p, u;
        begin
            p = pops_of(q, dep);
            u = pushes_of(q, dep);
            ready_of = !(p[0] && t0 == 0) && !(p[1] && t1 == 0) && !(p[2] && t2 == 0) &&
                       !(p[3] && t3 == 0) && !(u[0] && r0 == TDEPTH) && !(u[1] && r1 == TDEPTH) &&
                       !(u[2] && r2 == TDEPTH) && !(u[3] && r3 == TDEPTH);
        end
    endfunction
    // tok: tokens there to pop; res: slots taken, counting the tokens of
    // instructions that have started but not yet ended (the FIFO room test)
    reg [TBITS-1:0] res0, res1, res2, res3;
    wire busy0, busy1, busy2, last0, last2, ready0, ready1, ready2;
    assign go0 = ready0 && cnt0 != 0 &&
                 ready_of(2'd0, `AN_ANY_DEP(head0), tok0, tok1, tok2, tok3, res0, res1, res2, res3);
    assign go1 = ready1 && cnt1 != 0 &&
                 ready_of(2'd1, `AN_ANY_DEP(head1), tok0, tok1, tok2, tok3, res0, res1, res2, res3);
    assign go2 = ready2 && cnt2 != 0 &&
                 ready_of(2'd2, `AN_ANY_DEP(head2), tok0, tok1, tok2, tok3, res0, res1, res2, res3);
    // the load and store engines hold each instruction's dep flags until its
    // last cycle (ldep*); the compute engine counts its own pushes (in-order
    // completion)
    wire [3:0] ldep0, ldep2;
    wire [7:0] cpush_prev, cpush_next;
    wire [3:0] pop = (go0 ? pops_of(2'd0, `AN_ANY_DEP(head0)) : 4'd0) |
                     (go1 ? pops_of(2'd1, `AN_ANY_DEP(head1)) : 4'd0) |
                     (go2 ? pops_of(2'd2, `AN_ANY_DEP(head2)) : 4'd0);
    wire [3:0] take = (go0 ? pushes_of(2'd0, `AN_ANY_DEP(head0)) : 4'd0) |
                      (go1 ? pushes_of(2'd1, `AN_ANY_DEP(head1)) : 4'd0) |
                      (go2 ? pushes_of(2'd2, `AN_ANY_DEP(head2)) : 4'd0);
    wire [3:0] push = (last0 ? pushes_of(2'd0, ldep0) : 4'd0) |
                      (last2 ? pushes_of(2'd2, ldep2) : 4'd0);
    always @(posedge clk) begin
        if (rst) begin
            tok0 <= 0; tok1 <= 0; tok2 <= 0; tok3 <= 0; insn_count <= 0;
            res0 <= 0; res1 <= 0; res2 <= 0; res3 <= 0;
        end else begin
            tok0 <= tok0 + push[0] - pop[0];
            tok1 <= tok1 + cpush_prev[TBITS-1:0] - pop[1];
            tok2 <= tok2 + cpush_next[TBITS-1:0] - pop[2];
            tok3 <= tok3 + push[3] - pop[3];
            res0 <= res0 + take[0] - pop[0];
            res1 <= res1 + take[1] - pop[1];
            res2 <= res2 + take[2] - pop[2];
            res3 <= res3 + take[3] - pop[3];
            // (the three sums from the register alone, go picks one)
            case ({1'b0, go0} + {1'b0, go1} + {1'b0, go2})
            2'd0: insn_count <= insn_count;
            2'd1: insn_count <= insn_count + 32'd1;
            2'd2: insn_count <= insn_count + 32'd2;
            default: insn_count <= insn_count + 32'd3;
            endcase
        end
    end

    // ---------------- memories ----------------
    wire [ACT_ABITS-1:0] act_ra, act_wa;
    wire [WA*8-1:0] act_rd;
    wire [WA*8-1:0] act_wd;
    wire [WA-1:0] act_wm;
    wire act_we;
    wire [WGT_ABITS-1:0] wgt_ra;
    wire [C*8-1:0] wgt_rd;
    wire [ACC_ABITS-1:0] acc_ra, acc_rb, acc_wa;
    wire [WC*8-1:0] acc_rd, acc_wd;
    wire [3*WC*8-1:0] acc_rdb;
    wire [WC-1:0] acc_wm;
    wire acc_we;
    wire [ACC_ABITS-1:0] acc_rc, acc_wc;   // port C: the array's results
    wire [WC*8-1:0] acc_rdc, acc_wdc;
    wire [WC-1:0] acc_wmc;
    wire acc_wec;
    // DMA ports: the load engine writes act or wgt, the store engine reads act
    wire ld_we, cd_we;
    wire [LAB-1:0] ld_a;
    wire [ACC_ABITS-1:0] cd_a;
    wire [BURST*8-1:0] ld_wd, cd_wd;
    wire [BURST-1:0] ld_wm, cd_wm;
    wire [ACT_ABITS-1:0] st_a;
    wire [BPC*8-1:0] st_rd;
    wire [1:0] ld_buf;                     // the buffer of the load writing now
    an_sram #(ACT_BYTES, ACT_ABITS, WA, 1, BURST, BPC) act_mem (
        .clk(clk), .ra(act_ra), .rd(act_rd), .rb({ACT_ABITS{1'b0}}), .rdb(),
        .rc({ACT_ABITS{1'b0}}), .rdc(), .wec(1'b0), .wc({ACT_ABITS{1'b0}}), .wdc({(WA*8){1'b0}}),
        .wmc({WA{1'b0}}), .we(act_we), .wa(act_wa), .wd(act_wd), .wm(act_wm),
        .lwe(ld_we && ld_buf == `AN_BUF_ACT), .lwa(ld_a[ACT_ABITS-1:0]), .lwd(ld_wd), .lwm(ld_wm),
        .lra(st_a), .lrd(st_rd));
    an_sram #(WGT_BYTES, WGT_ABITS, C, 1, BURST, 1) wgt_mem (
        .clk(clk), .ra(wgt_ra), .rd(wgt_rd), .rb({WGT_ABITS{1'b0}}), .rdb(),
        .rc({WGT_ABITS{1'b0}}), .rdc(), .wec(1'b0), .wc({WGT_ABITS{1'b0}}), .wdc({(C*8){1'b0}}),
        .wmc({C{1'b0}}), .we(1'b0), .wa({WGT_ABITS{1'b0}}), .wd({(C*8){1'b0}}), .wm({C{1'b0}}),
        .lwe(ld_we && ld_buf == `AN_BUF_WGT), .lwa(ld_a[WGT_ABITS-1:0]), .lwd(ld_wd), .lwm(ld_wm),
        .lra({WGT_ABITS{1'b0}}), .lrd());
    an_sram #(ACC_BYTES, ACC_ABITS, WC, 3 * WC, BURST, 1) acc_mem (
        .clk(clk), .ra(acc_ra), .rd(acc_rd), .rb(acc_rb), .rdb(acc_rdb),
        .rc(acc_rc), .rdc(acc_rdc), .wec(acc_wec), .wc(acc_wc), .wdc(acc_wdc), .wmc(acc_wmc),
        .we(acc_we), .wa(acc_wa), .wd(acc_wd), .wm(acc_wm),
        .lwe(cd_we), .lwa(cd_a), .lwd(cd_wd), .lwm(cd_wm), .lra({ACC_ABITS{1'b0}}), .lrd());

    // ---------------- load and store engines ----------------
    // two engines each (an_dma2), which take their queue's instructions in turn
    wire [5:0] ld_lk, ld_sk, st_lk; // keys: {dep flags, buffer}
    assign ldep0 = ld_lk[5:2], ldep2 = st_lk[5:2], ld_buf = ld_sk[1:0];
    an_dma2 #(BPC, BURST, 0, LAB) dma_load (
        .clk(clk), .rst(rst), .go(go0), .insn(head0), .dec(qh0[QW-1:256]),
        .key({`AN_ANY_DEP(head0), `AN_DMA_BUF(head0)}), .ready(ready0), .busy(busy0), .last(last0),
        .last_key(ld_lk), .s_key(ld_sk),
        .rq_valid(dl_rq_valid), .rq_addr(dl_rq_addr), .rq_mask(dl_rq_mask), .rq_tag(dl_rq_tag),
        .rq_wdata(), .rs_valid(dl_rs_valid), .rs_mask(dl_rs_mask), .rs_tag(dl_rs_tag),
        .rs_rdata(dl_rs_data), .s_we(ld_we), .s_addr(ld_a), .s_wdata(ld_wd), .s_wmask(ld_wm),
        .s_rdata({(BPC*8){1'b0}}));
    an_dma2 #(BPC, BURST, 1, ACT_ABITS) dma_store (
        .clk(clk), .rst(rst), .go(go2), .insn(head2), .dec(qh2[QW-1:256]),
        .key({`AN_ANY_DEP(head2), 2'b00}), .ready(ready2), .busy(busy2), .last(last2),
        .last_key(st_lk), .s_key(),
        .rq_valid(ds_rq_valid), .rq_addr(ds_rq_addr), .rq_mask(ds_rq_mask), .rq_tag(),
        .rq_wdata(ds_rq_data), .rs_valid(ds_rs_valid), .rs_mask({BPC{1'b0}}), .rs_tag(32'd0),
        .rs_rdata({(BPC*8){1'b0}}), .s_we(), .s_addr(st_a), .s_wdata(), .s_wmask(),
        .s_rdata(st_rd));

    // ---------------- compute engine ----------------
    wire fin;
    an_compute #(R, C, ACT_ABITS, WGT_ABITS, ACC_ABITS, BPC, BURST) compute (
        .clk(clk), .rst(rst), .go(go1), .go_load(go1 && `AN_ANY_OP(head1) == `AN_OP_LOAD),
        .insn(head1), .dec(qh1[QW-1:256]), .ready(ready1), .busy(busy1),
        .push_prev(cpush_prev), .push_next(cpush_next),
        .act_ra(act_ra), .act_rd(act_rd), .act_we(act_we), .act_wa(act_wa), .act_wd(act_wd),
        .act_wm(act_wm), .wgt_ra(wgt_ra), .wgt_rd(wgt_rd),
        .acc_ra(acc_ra), .acc_rd(acc_rd), .acc_rb(acc_rb), .acc_rdb(acc_rdb), .acc_we(acc_we),
        .acc_wa(acc_wa), .acc_wd(acc_wd), .acc_wm(acc_wm), .acc_rc(acc_rc), .acc_rdc(acc_rdc),
        .acc_wec(acc_wec), .acc_wc(acc_wc), .acc_wdc(acc_wdc), .acc_wmc(acc_wmc),
        .cd_we(cd_we), .cd_a(cd_a), .cd_wd(cd_wd), .cd_wm(cd_wm),
        .dc_rq_valid(dc_rq_valid), .dc_rq_addr(dc_rq_addr), .dc_rq_mask(dc_rq_mask),
        .dc_rq_tag(dc_rq_tag), .dc_rs_valid(dc_rs_valid), .dc_rs_mask(dc_rs_mask),
        .dc_rs_tag(dc_rs_tag), .dc_rs_data(dc_rs_data),
        .host_req(host_req), .host_idx(host_idx), .host_ack(host_ack), .fin(fin));
    assign done = fin && held0 == 0 && held1 == 0 && held2 == 0 && !busy0 && !busy1 && !busy2;
endmodule
