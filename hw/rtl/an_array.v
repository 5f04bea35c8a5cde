// an_array: the weight-stationary systolic array, R rows (reduction) by C
// columns (output channels) of int8 x int8 -> int32 PEs.
//
// Weight load: hold w_load for R cycles, one tile row per cycle on w_in (C
// bytes), row R-1 first; rows shift down, so after R cycles PE (r, c) holds
// W[r][c].
// Compute: one activation vector a_in (R bytes, byte r = row r) per cycle
// with a_valid. Row r's byte is delayed r cycles (input skew), travels right
// one PE per cycle; partial sums travel down one PE per cycle (registered,
// except in the bottom row, whose adder feeds the output directly); column
// c's sum leaves the bottom row and is delayed C-1-c cycles (output deskew).
// So y_out = a . W (int32, wrapping) arrives with y_valid exactly
// LAT = R + C - 2 cycles after its a_in: a GEMM of T rows takes T + R + C - 2
// cycles (docs/timing.md). Needs R + C >= 3. Inter-PE nets are
// generate-scoped (no net arrays).
`default_nettype none
module an_pe (
    input  wire               clk,
    input  wire               w_load,
    input  wire signed [7:0]  w_in,
    output reg  signed [7:0]  w,
    input  wire signed [7:0]  a_in,
    output reg  signed [7:0]  a_out,
    input  wire signed [31:0] p_in,
    output reg  signed [31:0] p_out,  // registered: to the PE below
    output wire signed [31:0] p_sum   // combinational: the bottom row's output
);
    assign p_sum = p_in + a_in * w;
    always @(posedge clk) begin
        if (w_load) w <= w_in;
        a_out <= a_in;
        p_out <= p_sum;
    end
endmodule

module an_array #(
    parameter R = 4,
    parameter C = 4
) (
    input  wire           clk,
    input  wire           rst,
    input  wire           w_load,
    input  wire [C*8-1:0] w_in,
    input  wire           a_valid,
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
            if (r == 0) begin : g_noskew
                assign a_skew = a_in[7:0];
            end else begin : g_skew
                reg [7:0] sk [0:r-1];
                integer s;
                always @(posedge clk) begin
                    sk[0] <= a_in[r*8 +: 8];
                    for (s = 1; s < r; s = s + 1) sk[s] <= sk[s-1];
                end
                assign a_skew = sk[r-1];
            end
            for (c = 0; c < C; c = c + 1) begin : g_col
                wire signed [7:0] w_o, a_o;
                wire signed [31:0] p_o, p_s;
                wire signed [7:0] w_i, a_i;
                wire signed [31:0] p_i;
                if (r == 0) begin : g_top
                    assign w_i = w_in[c*8 +: 8];
                    assign p_i = 32'sd0;
                end else begin : g_mid
                    assign w_i = g_row[r-1].g_col[c].w_o;
                    assign p_i = g_row[r-1].g_col[c].p_o;
                end
                if (c == 0) begin : g_left
                    assign a_i = a_skew;
                end else begin : g_right
                    assign a_i = g_row[r].g_col[c-1].a_o;
                end
                an_pe pe (.clk(clk), .w_load(w_load), .w_in(w_i), .w(w_o), .a_in(a_i),
                          .a_out(a_o), .p_in(p_i), .p_out(p_o), .p_sum(p_s));
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
