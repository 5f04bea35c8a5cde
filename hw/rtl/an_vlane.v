// an_vlane: one column's lane of the compute engine's datapath (docs/hw.md):
// what the vector unit writes into the accumulator and activation rows for
// its column, the pool's window register, and the array's result added (or
// maxed) into its accumulator row. an_compute instantiates it C times and
// drives the selects below from its instruction; the lane holds no control,
// so a synthesis flow maps it once for all columns.
//
//   acc_wd  (acc_sel) 0: x + xb (VEC ADD)  1: rq (REQUANT into int32 rows)
//           2: (a8 - zp) <<< shift (WIDEN)  3: the pool's output
//   act_wd  (act_sel) 0: sat8(x) (WRITE)  1: sat8(rq) (REQUANT wr8)
//           2: the pool's output, low byte
//   the pool: the cell's value cv = pwr8 ? sat8(rq) : x; when the cell is
//           inside the grid (p_in) the window so far (psum: max or sum)
//           takes it; the output is 0 for a window without cells (cnt 0), the
//           average (rounded half away from zero, int8-saturated) or the max.
//           psum takes the new window at the clock edge when p_upd, 0 after
//           the window's last cell (p_clr).
//   acc_wdc the array's result y into the accumulator row read on port C:
//           r_max ? (r_accum && rc > y ? rc : y) : (r_accum ? rc : 0) + y
`default_nettype none
module an_vlane (
    input  wire               clk,
    input  wire               rst,
    input  wire signed [31:0] x,      // accumulator port A, this column
    input  wire signed [31:0] xb,     // accumulator port B, this column
    input  wire signed [31:0] rq,     // the requantization lane's result
    input  wire signed [7:0]  a8,     // the activation byte (WIDEN)
    input  wire signed [7:0]  zp,
    input  wire [4:0]         shift,
    input  wire [1:0]         acc_sel,
    input  wire [1:0]         act_sel,
    input  wire               pwr8,   // the pool's cells are requantized
    input  wire               is_avg,
    input  wire               p_in,   // the cell is inside the grid
    input  wire               p_first, // the window has no cell yet (pcnt 0)
    input  wire [16:0]        cnt,    // the window's cells with this one
    input  wire               p_upd,
    input  wire               p_clr,
    output reg  [31:0]        acc_wd,
    output reg  [7:0]         act_wd,
    input  wire signed [31:0] y,      // the array's result
    input  wire signed [31:0] rc,     // accumulator port C
    input  wire               r_max,
    input  wire               r_accum,
    output wire [31:0]        acc_wdc
);
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
    function [31:0] sat8(input signed [31:0] v);
        sat8 = v < -32'sd128 ? -32'sd128 : v > 32'sd127 ? 32'sd127 : v;
    endfunction

    // (a max window holds a sign-extended 32-bit cell from its first cell
    // on, so its compare needs the low 32 bits only)
    reg signed [47:0] psum, nsum;
    reg signed [31:0] cv, pool, wid;
    reg [31:0] s8x, s8r;
    always @* begin
        cv = pwr8 ? sat8(rq) : x;
        nsum = psum;
        if (p_in)
            nsum = is_avg ? psum + cv
                 : (p_first || cv > $signed(psum[31:0])) ? $signed({{16{cv[31]}}, cv}) : psum;
        pool = cnt == 0 ? 32'd0 : is_avg ? avg_of(nsum, cnt) : nsum[31:0];
        wid = $signed(a8) - zp;
        s8x = sat8(x);
        s8r = sat8(rq);
        case (acc_sel)
        2'd0: acc_wd = x + xb;
        2'd1: acc_wd = rq;
        2'd2: acc_wd = wid <<< shift;
        default: acc_wd = pool;
        endcase
        case (act_sel)
        2'd0: act_wd = s8x[7:0];
        2'd1: act_wd = s8r[7:0];
        default: act_wd = pool[7:0];
        endcase
    end
    always @(posedge clk)
        if (rst || (p_upd && p_clr)) psum <= 0;
        else if (p_upd) psum <= nsum;

    assign acc_wdc = r_max ? (r_accum && rc > y ? rc : y) : (r_accum ? rc : 32'd0) + y;
endmodule
