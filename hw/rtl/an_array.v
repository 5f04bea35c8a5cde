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

module an_array #(
    parameter R = 4,
    parameter C = 4
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
                an_pe pe (.clk(clk), .w_we(w_we[r]), .w_bank(w_bank[r]), .w_in(w_in[c*8 +: 8]),
                          .a_in(a_i), .ab_in(ab_i), .a_out(a_o), .ab_out(ab_o), .p_in(p_i),
                          .p_out(p_o), .p_sum(p_s));
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
