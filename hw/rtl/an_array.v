// an_array: the weight-stationary systolic array, R rows (reduction) by C
// columns (output channels) of int8 x int8 -> int32 PEs.
//
// Two weight banks per PE, so a tile loads while the other computes. Weight
// load: w_we[r] writes the C bytes on w_in into bank w_bank[r] of PE row r
// (one row a cycle, each row's enable and bank its own net so that none
// fans out to the whole array); a PRELOAD writes row r in its cycle r (top
// row first), just ahead of the activations that use it.
// Compute: one activation vector a_in (R bytes, byte r = row r) per cycle
// with a_valid, and the bank a_bank it multiplies. Row r's byte (and its bank
// bit) is delayed r cycles (input skew), travels right one PE per cycle;
// partial sums travel down one PE per cycle (registered, except in the bottom
// row, whose adder feeds the output directly); column c's sum leaves the
// bottom row and is delayed C-1-c cycles (output deskew). So y_out = a . W
// (int32, wrapping) arrives with y_valid exactly LAT = R + C - 2 cycles after
// its a_in (docs/timing.md). Needs R + C >= 3. Inter-PE nets are
// generate-scoped (no net arrays).
//
// PACK = 1 (the FPGA build: `define AN_DSP_PACK, set by hw/synth/xc7.ys)
// computes the two PEs of each column pair (2k, 2k+1) of a row with one
// multiplier (an_pe_pair), two int8 products per DSP48E1 as in Xilinx's
// WP486; the same bits in the same cycles as PACK = 0 (the ASIC array), for
// every int8 weight and activation. An odd last column stays a plain PE.
// DSP_MAX (with PACK; `define AN_ARRAY_DSP) caps the array's DSP
// multipliers (one a pair, one a PE of an odd last column; 0: no cap): the
// LUT_PAIRS = (that count - DSP_MAX) last pairs, row-major (bottom rows,
// right side), are two PEs with LUT multipliers instead, leaving the rest of
// the chip its DSP48E1 (hw/synth/xc7.ys sets the cap for the XC7Z020).
// (Last, so a plain PE never sits above a pair: a pair's column 2k+1 sums run
// a cycle ahead of a plain PE's and are put back in step by p_out1.)
`default_nettype none
module an_pe (
    input  wire               clk,
    input  wire               w_we,     // write w_in into bank w_bank
    input  wire               w_bank,
    input  wire signed [7:0]  w_in,
    input  wire signed [7:0]  a_in,
    input  wire               ab_in,    // the bank a_in multiplies
    output reg  signed [7:0]  a_out,
    output reg                ab_out,
    input  wire signed [31:0] p_in,
    output reg  signed [31:0] p_out,  // registered: to the PE below
    output wire signed [31:0] p_sum   // combinational: the bottom row's output
);
    reg signed [7:0] w0, w1;
    assign p_sum = p_in + a_in * (ab_in ? w1 : w0);
    always @(posedge clk) begin
        if (w_we && !w_bank) w0 <= w_in;
        if (w_we && w_bank) w1 <= w_in;
        a_out <= a_in;
        ab_out <= ab_in;
        p_out <= p_sum;
    end
endmodule

// an_pe_lut: an_pe with its multiply in LUTs (the FPGA array's pairs past
// its DSP cap, an_array DSP_MAX); same ports, same cycles, same bits.
module an_pe_lut (
    input  wire               clk,
    input  wire               w_we,     // write w_in into bank w_bank
    input  wire               w_bank,
    input  wire signed [7:0]  w_in,
    input  wire signed [7:0]  a_in,
    input  wire               ab_in,    // the bank a_in multiplies
    output reg  signed [7:0]  a_out,
    output reg                ab_out,
    input  wire signed [31:0] p_in,
    output reg  signed [31:0] p_out,  // registered: to the PE below
    output wire signed [31:0] p_sum   // combinational: the bottom row's output
);
    reg signed [7:0] w0, w1;
    // a * w as radix-4 Booth: a's digits d in {-2..2} (bits 2i+1, 2i, 2i-1),
    // each partial product |d| w (w or 2w, 10 bits) inverted when d < 0, the
    // +1 of those negations added as one bit at each digit's position. Written
    // without '*', so synthesis cannot put it in a DSP; exact for every pair
    // of int8 (hw/tb/an_array_pack_tb.v compares it with a * w).
    function signed [15:0] mul8_booth(input signed [7:0] x, input signed [7:0] y);
        integer i;
        reg [2:0] g;
        reg [9:0] pp;
        reg [15:0] acc, negs;
        begin
            acc = 16'd0;
            negs = 16'd0;
            for (i = 0; i < 4; i = i + 1) begin
                g = {x[2*i+1], x[2*i], i == 0 ? 1'b0 : x[2*i-1]};
                pp = (g == 3'd1 || g == 3'd2 || g == 3'd5 || g == 3'd6) ? {{2{y[7]}}, y} :
                     (g == 3'd3 || g == 3'd4) ? {y[7], y, 1'b0} : 10'd0;
                if (g[2] && g != 3'd7) begin
                    pp = ~pp;
                    negs = negs | (16'd1 << (2 * i));
                end
                acc = acc + ({{6{pp[9]}}, pp} << (2 * i));
            end
            mul8_booth = acc + negs;
        end
    endfunction
    assign p_sum = p_in + mul8_booth(a_in, ab_in ? w1 : w0);
    always @(posedge clk) begin
        if (w_we && !w_bank) w0 <= w_in;
        if (w_we && w_bank) w1 <= w_in;
        a_out <= a_in;
        ab_out <= ab_in;
        p_out <= p_sum;
    end
endmodule

// an_pe_pair: the PEs of columns 2k (0) and 2k+1 (1) of one row with one
// multiplier between them (a DSP48E1 on the FPGA), the same sums in the same
// cycles at the array's outputs as two an_pe.
//
// The activation a that PE 0 multiplies in cycle t is the one PE 1
// multiplies in cycle t + 1 (it reaches PE 1 through the a register between
// them), with the same bank bit; a bank's weights stay put while any
// activation still uses them (docs/timing.md), so both products can be
// formed in cycle t from one multiply of a (the B port) by the packed
// weights w1 * 2^16 + w0 (25 bits signed: the A port; Xilinx WP486):
//   a * w1 * 2^16 + a * w0, with |a * w0| <= 2^14 in the low 16 bits.
// The shift is 16: WP486's 18 needs a 27-bit port, and 17 holds only
// weights above -128 (w1 = -128, w0 < 0 would need 26 bits).
//
// PE 1's partial sum S1 therefore runs one cycle ahead of PE 0's position
// through the pair's column, beside PE 0's (both meet the same activation
// row in the same cycle), and accumulates in the multiplier's 48-bit
// post-adder as S1 * 2^16 plus the low product. It travels between rows as
// q = {U, b} with S1 = U + b (mod 2^32): the adder's sum P = S1 * 2^16 + L,
// L in [-2^15, 2^15), gives U = P[47:16] and b = P[15] (L < 0 borrowed one
// from U). The next row adds q as C = {U, b repeated 16 times}, which is
// S1 * 2^16 - b, so its low part is L = a * w0 - b: PE 0 adds it back
// (p_sum0 = p_in0 + L + b, b as the carry in). Only the bottom row forms S1
// = U + b, from its q register, in cycle t + 1: the cycle PE 1's p_sum has it.
// A bank stores {w1 - (w0 < 0), w0} (9 + 8 bits), the packed operand's
// upper and lower parts, computed when the row is written (both weights of a
// pair arrive in the same cycle), so no adder sits before the multiplier.
// PE 0's sums are SW bits wide (the array's rows start from 0, so a sum of
// R products never passes 2^14 R: SW = 16 + ceil(log2 R) holds it exactly),
// sign-extended at the ports: PE 0's adder is the pair's only LUT adder.
module an_pe_pair #(
    parameter SW = 32
) (
    input  wire               clk,
    input  wire               w_we,     // write w_in0, w_in1 into bank w_bank
    input  wire               w_bank,
    input  wire signed [7:0]  w_in0,
    input  wire signed [7:0]  w_in1,
    input  wire signed [7:0]  a_in,     // PE 0's activation
    input  wire               ab_in,
    output reg  signed [7:0]  a_mid,    // PE 0's a_out = PE 1's a_in
    output reg                ab_mid,
    output reg  signed [7:0]  a_out,    // PE 1's a_out
    output reg                ab_out,
    input  wire signed [31:0] p_in0,    // PE 0's partial sum from above (SW bits used)
    input  wire        [32:0] q_in,     // PE 1's from above, one cycle early: {U, b}
    output wire signed [31:0] p_out0,
    output reg         [32:0] q_out,
    output reg  signed [31:0] p_out1,   // PE 1's p_out (for a plain PE below)
    output wire signed [31:0] p_sum0,   // PE 0's sum in cycle t
    output wire signed [31:0] p_sum1    // PE 1's sum in cycle t + 1
);
    reg [16:0] k0, k1;                   // bank 0, 1: {w1 - (w0 < 0), w0}
    wire [16:0] kin = {{w_in1[7], w_in1} - {8'd0, w_in0[7]}, w_in0};
    wire [16:0] k = ab_in ? k1 : k0;
    wire signed [24:0] wpk = {k[16:8], {8{k[7]}}, k[7:0]}; // w1 * 2^16 + w0
    wire signed [47:0] cq = {q_in[32:1], {16{q_in[0]}}};    // S1 * 2^16 - b
    wire signed [47:0] prod = cq + a_in * wpk;               // S1' * 2^16 + L
    // (all operands signed: each is sign-extended to SW bits, the sums to 32)
    wire signed [SW-1:0] s0 = $signed(p_in0[SW-1:0]) + $signed(prod[15:0]) +
                              $signed({1'b0, q_in[0]});
    reg signed [SW-1:0] s0_r;
    assign p_sum0 = s0;
    assign p_out0 = s0_r;
    assign p_sum1 = q_out[32:1] + {31'd0, q_out[0]};
    always @(posedge clk) begin
        if (w_we && !w_bank) k0 <= kin;
        if (w_we && w_bank) k1 <= kin;
        a_mid <= a_in;
        ab_mid <= ab_in;
        a_out <= a_mid;
        ab_out <= ab_mid;
        s0_r <= s0;
        q_out <= {prod[47:16], prod[15]};
        p_out1 <= p_sum1;
    end
endmodule

`ifdef AN_DSP_PACK
`define AN_ARRAY_PACK 1
`else
`define AN_ARRAY_PACK 0
`endif
`ifdef AN_ARRAY_DSP
`define AN_ARRAY_DSP_MAX `AN_ARRAY_DSP
`else
`define AN_ARRAY_DSP_MAX 0
`endif

module an_array #(
    parameter R = 4,
    parameter C = 4,
    parameter PACK = `AN_ARRAY_PACK,   // 1: column pairs share a multiplier (an_pe_pair)
    parameter DSP_MAX = `AN_ARRAY_DSP_MAX, // with PACK: the array's DSP multipliers, at most
    // with PACK: pairs in LUT multipliers (those past DSP_MAX, all pairs at most)
    parameter LUT_PAIRS = DSP_MAX == 0 || R * (C / 2) + R * (C % 2) <= DSP_MAX ? 0 :
                          R * (C % 2) >= DSP_MAX ? R * (C / 2) :
                          R * (C / 2) + R * (C % 2) - DSP_MAX
) (
    input  wire           clk,
    input  wire           rst,
    input  wire [R-1:0]   w_we,
    input  wire [R-1:0]   w_bank,
    input  wire [C*8-1:0] w_in,
    input  wire           a_valid,
    input  wire           a_bank,
    input  wire [R*8-1:0] a_in,
    output wire           y_valid,
    output wire [C*32-1:0] y_out
);
    localparam LAT = R + C - 2;
    // bits of a signed sum of n int8 x int8 products (at most 2^14 n in size)
    function integer sum_bits(input integer n);
        integer b;
        begin
            sum_bits = 16;
            for (b = 1; b < n && sum_bits < 32; b = b * 2) sum_bits = sum_bits + 1;
        end
    endfunction
    localparam SW = sum_bits(R);
    localparam LUT_FROM = R * (C / 2) - LUT_PAIRS; // the first pair in LUTs
    reg [LAT-1:0] vpipe;
    wire [LAT:0] vnext = {vpipe, a_valid};
    always @(posedge clk) vpipe <= rst ? {LAT{1'b0}} : vnext[LAT-1:0];
    assign y_valid = vpipe[LAT-1];

    genvar r, c, k;
    generate
        for (r = 0; r < R; r = r + 1) begin : g_row
            // input skew: row r's byte waits r cycles (a register chain)
            wire [7:0] a_skew;
            wire ab_skew;

            if (r == 0) begin : g_noskew
                assign a_skew = a_in[7:0];
                assign ab_skew = a_bank;
            end else begin : g_skew
                reg [8:0] sk [0:r-1]; // {bank, byte}
                integer s;
                always @(posedge clk) begin
                    sk[0] <= {a_bank, a_in[r*8 +: 8]};
                    for (s = 1; s < r; s = s + 1) sk[s] <= sk[s-1];
                end
                assign a_skew = sk[r-1][7:0];
                assign ab_skew = sk[r-1][8];
            end
            for (c = 0; c < C; c = c + 1) begin : g_col
                wire signed [7:0] a_o, a_i;
                wire ab_o, ab_i;
                wire signed [31:0] p_o, p_s, p_i;
                if (r == 0) begin : g_top
                    assign p_i = 32'sd0;
                end else begin : g_mid
                    assign p_i = g_row[r-1].g_col[c].p_o;
                end
                if (c == 0) begin : g_left
                    assign a_i = a_skew;
                    assign ab_i = ab_skew;
                end else begin : g_right
                    assign a_i = g_row[r].g_col[c-1].a_o;
                    assign ab_i = g_row[r].g_col[c-1].ab_o;
                end
                // the plain PE, always there (its instance path is the ASIC's); in a
                // pair's columns its outputs go unused and synthesis removes it
                wire signed [7:0] pa_o;
                wire pab_o;
                wire signed [31:0] pp_o, pp_s;
                an_pe pe (.clk(clk), .w_we(w_we[r]), .w_bank(w_bank[r]), .w_in(w_in[c*8 +: 8]),
                          .a_in(a_i), .ab_in(ab_i), .a_out(pa_o), .ab_out(pab_o), .p_in(p_i),
                          .p_out(pp_o), .p_sum(pp_s));
                if (PACK && c % 2 == 0 && c + 1 < C && r * (C / 2) + c / 2 < LUT_FROM)
                begin : g_pair
                    // columns c and c + 1; column c + 1 takes its outputs from here,
                    // its partial sums go down as q (an_pe_pair)
                    wire signed [7:0] a_o1;
                    wire ab_o1;
                    wire signed [31:0] p_s1, p_o1;
                    wire [32:0] q_o, q_i;
                    if (r == 0) begin : g_top1
                        assign q_i = 33'd0;
                    end else begin : g_mid1
                        assign q_i = g_row[r-1].g_col[c].g_pair.q_o;
                    end
                    an_pe_pair #(.SW(SW)) pp (.clk(clk), .w_we(w_we[r]), .w_bank(w_bank[r]),
                                             .w_in0(w_in[c*8 +: 8]), .w_in1(w_in[(c+1)*8 +: 8]),
                                             .a_in(a_i), .ab_in(ab_i), .a_mid(a_o), .ab_mid(ab_o),
                                             .a_out(a_o1), .ab_out(ab_o1), .p_in0(p_i), .q_in(q_i),
                                             .p_out0(p_o), .q_out(q_o), .p_out1(p_o1),
                                             .p_sum0(p_s), .p_sum1(p_s1));
                end else if (PACK && c % 2 == 1 && r * (C / 2) + c / 2 < LUT_FROM)
                begin : g_pair1
                    assign a_o = g_row[r].g_col[c-1].g_pair.a_o1;
                    assign ab_o = g_row[r].g_col[c-1].g_pair.ab_o1;
                    assign p_o = g_row[r].g_col[c-1].g_pair.p_o1; // for a plain PE below
                    assign p_s = g_row[r].g_col[c-1].g_pair.p_s1;
                end else if (PACK && c / 2 < C / 2) begin : g_lut // a pair past the DSP cap
                    an_pe_lut pl (.clk(clk), .w_we(w_we[r]), .w_bank(w_bank[r]),
                                  .w_in(w_in[c*8 +: 8]), .a_in(a_i), .ab_in(ab_i), .a_out(a_o),
                                  .ab_out(ab_o), .p_in(p_i), .p_out(p_o), .p_sum(p_s));
                end else begin : g_pe
                    assign a_o = pa_o;
                    assign ab_o = pab_o;
                    assign p_o = pp_o;
                    assign p_s = pp_s;
                end
            end
        end
        // output deskew: column c waits C-1-c more cycles
        for (c = 0; c < C; c = c + 1) begin : g_out
            if (c == C - 1) begin : g_nodesk
                assign y_out[c*32 +: 32] = g_row[R-1].g_col[c].p_s;
            end else begin : g_desk
                reg [31:0] dk [0:C-2-c];
                integer s;
                always @(posedge clk) begin
                    dk[0] <= g_row[R-1].g_col[c].p_s;
                    for (s = 1; s < C - 1 - c; s = s + 1) dk[s] <= dk[s-1];
                end
                assign y_out[c*32 +: 32] = dk[C-2-c];
            end
        end
    endgenerate
endmodule
