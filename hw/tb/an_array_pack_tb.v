// an_array_pack_tb: the FPGA array (an_array PACK = 1, two int8 products
// per multiplier, some pairs as LUT multipliers) against the ASIC array
// (PACK = 0) on random streams, cycle by cycle, for several shapes (odd
// column counts included). Each check
// feeds both arrays the same inputs: weight rows written into either bank,
// activations with their bank bit, gaps (a_valid low), bank switches, the
// extreme bytes -128 and 127 one time in four, and stretches of -128 only
// (the largest sums, R x 2^14: 256 cycles in 2048, weights rewritten row
// after row in the bank not streaming). A weight row's bank is
// rewritten only once every activation already sent with that bank has
// passed the row's last column (the rule docs/timing.md gives PRELOAD), so
// the arrays must agree on y_valid in every cycle and on every y_out that is
// valid. The C++ driver (an_array_pack_tb.cpp) clocks it until done and
// fails on any mismatch or when too few outputs were compared.
`default_nettype none
module an_array_pack_check #(
    parameter R = 4,
    parameter C = 4,
    parameter LP = 0,            // the FPGA array's LUT_PAIRS
    parameter [63:0] SEED = 64'd1,
    parameter CYCLES = 20000
) (
    input  wire        clk,
    input  wire        rst,
    output reg         done,
    output reg  [31:0] errors,
    output reg  [31:0] checked,
    output reg         peak      // an output reached R x 2^14, the largest sum
);
    reg a_valid, a_bank;
    reg [R-1:0] w_we, w_bank; // one row's enable at a time, as a PRELOAD writes
    reg [C*8-1:0] w_in;
    reg [R*8-1:0] a_in;
    wire yv0, yv1;
    wire [C*32-1:0] y0, y1;
    an_array #(.R(R), .C(C), .PACK(0)) asic (.clk(clk), .rst(rst), .w_we(w_we),
        .w_bank(w_bank), .w_in(w_in), .a_valid(a_valid), .a_bank(a_bank), .a_in(a_in),
        .y_valid(yv0), .y_out(y0));
    an_array #(.R(R), .C(C), .PACK(1), .LUT_PAIRS(LP)) fpga (.clk(clk), .rst(rst), .w_we(w_we),
        .w_bank(w_bank), .w_in(w_in), .a_valid(a_valid), .a_bank(a_bank), .a_in(a_in),
        .y_valid(yv1), .y_out(y1));

    function [63:0] xs(input [63:0] x); // xorshift64
        reg [63:0] t;
        begin
            t = x ^ (x << 13);
            t = t ^ (t >> 7);
            xs = t ^ (t << 17);
        end
    endfunction
    reg storm; // every byte -128
    function [7:0] pick(input [63:0] x); // a byte, -128 or 127 one time in four
        pick = storm ? 8'h80 : x[12:11] != 2'd0 ? x[7:0] : x[13] ? 8'h80 : 8'h7f;
    endfunction

    reg [63:0] s;
    reg cb, we, wb;
    integer n, i, wr, lu [0:2*R-1]; // lu: last cycle a (row, bank) weight is read
    always @(posedge clk) begin
        if (rst) begin
            s = SEED;
            n = 0;
            cb = 1'b0;
            storm = 1'b0;
            for (i = 0; i < 2 * R; i = i + 1) lu[i] = -1;
            done <= 1'b0;
            errors <= 32'd0;
            checked <= 32'd0;
            peak <= 1'b0;
            w_we <= {R{1'b0}};
            a_valid <= 1'b0;
        end else if (!done) begin
            // the arrays' outputs in the cycle this edge ends
            if (yv0 != yv1 || (yv0 && y0 != y1)) begin
                if (errors == 0)
                    $display("an_array_pack_tb: %0dx%0d differs in cycle %0d: valid %0d/%0d, y %h / %h",
                             R, C, n, yv0, yv1, y0, y1);
                errors <= errors + 32'd1;
            end
            if (yv0) checked <= checked + 32'd1;
            if (yv0 && y0[31:0] == R * 16384) peak <= 1'b1;
            // the inputs of cycle n + 1 (n counts the cycles after reset)
            n = n + 1;
            storm = n[10:8] == 3'd7;
            s = xs(s);
            if (s[9:5] == 5'd0) cb = !cb;
            a_valid <= n > 2 * R && s[2:0] != 3'd0;
            a_bank <= cb;
            if (n > 2 * R && s[2:0] != 3'd0)
                for (i = 0; i < R; i = i + 1)
                    if (lu[2*i+cb] < n + i + C - 1) lu[2*i+cb] = n + i + C - 1;
            for (i = 0; i < R; i = i + 1) begin
                s = xs(s);
                a_in[i*8 +: 8] <= pick(s);
            end
            s = xs(s);
            if (n <= 2 * R) begin // first every row of both banks
                wr = (n - 1) % R;
                wb = (n - 1) >= R;
                we = n >= 1;
            end else if (storm) begin // row after row of the bank not streaming
                wr = n % R;
                wb = !cb;
                we = lu[2*wr+wb] <= n;
            end else begin
                wr = s[39:32] % R;
                wb = s[40];
                we = s[43:41] < 3'd3 && lu[2*wr+wb] <= n;
            end
            for (i = 0; i < R; i = i + 1) w_we[i] <= we && i == wr;
            w_bank <= {R{wb}};
            for (i = 0; i < C; i = i + 1) begin
                s = xs(s);
                w_in[i*8 +: 8] <= pick(s);
            end
            if (n >= CYCLES) begin
                done <= 1'b1;
                if (!peak) $display("an_array_pack_tb: %0dx%0d never reached %0d", R, C, R * 16384);
            end
        end
    end
endmodule

module an_array_pack_tb (
    input  wire        clk,
    input  wire        rst,
    output wire        done,
    output wire [31:0] errors,
    output wire [31:0] checked,
    output wire        peaks     // every shape reached its largest sum
);
    wire [5:0] d, pk;
    wire [31:0] e [0:5];
    wire [31:0] k [0:5];
    an_array_pack_check #(.R(16), .C(16), .LP(8), .SEED(64'h9e3779b97f4a7c15)) c0 (
        .clk(clk), .rst(rst), .done(d[0]), .errors(e[0]), .checked(k[0]), .peak(pk[0]));
    an_array_pack_check #(.R(4), .C(4), .LP(3), .SEED(64'd2)) c1 (
        .clk(clk), .rst(rst), .done(d[1]), .errors(e[1]), .checked(k[1]), .peak(pk[1]));
    an_array_pack_check #(.R(3), .C(5), .LP(1), .SEED(64'd3)) c2 (
        .clk(clk), .rst(rst), .done(d[2]), .errors(e[2]), .checked(k[2]), .peak(pk[2]));
    an_array_pack_check #(.R(8), .C(16), .SEED(64'd4)) c3 (
        .clk(clk), .rst(rst), .done(d[3]), .errors(e[3]), .checked(k[3]), .peak(pk[3]));
    an_array_pack_check #(.R(1), .C(2), .SEED(64'd5)) c4 (
        .clk(clk), .rst(rst), .done(d[4]), .errors(e[4]), .checked(k[4]), .peak(pk[4]));
    an_array_pack_check #(.R(2), .C(3), .SEED(64'd6)) c5 (
        .clk(clk), .rst(rst), .done(d[5]), .errors(e[5]), .checked(k[5]), .peak(pk[5]));
    assign done = &d;
    assign peaks = &pk;
    assign errors = e[0] + e[1] + e[2] + e[3] + e[4] + e[5];
    assign checked = k[0] + k[1] + k[2] + k[3] + k[4] + k[5];
endmodule
