// an_requant: one lane of the vector unit's requantization, pipelined,
// bit-exact with gemmlowp / TFLite (docs/quantization.md):
//   s   = clamp(shift, -31, 30)
//   v   = sat32((x + bias) << max(s, 0))
//   h   = SaturatingRoundingDoublingHighMul(v, m)
//   q   = RoundingDivideByPOT(h, max(-s, 0))
//   y   = q + zp, then clamped to [lo, hi] (clamp) or saturated to int32.
// x, bias (added when bias_en), m and shift are taken in a cycle; y is the
// register of the last of AN_REQUANT_STAGES = 6 stages, valid that many
// cycles later (docs/timing.md: a VEC that requantizes takes as many cycles
// more):
//   0  the operands registered (the bias masked by bias_en, the shift
//      clamped into left and right shift counts), so that no path runs from
//      the SRAM's read port or the control into the lane's arithmetic
//   1  the bias add, the left shift and saturation: v
//   2  the 32 x 32 product as two 32 x 16 partial products
//   3  their sum with the rounding nudge: the high half and its rounding
//   4  SRDHM's result h, shifted right, and RDBPOT's rounding bit
//   5  the rounding increment, the zero point, clamp or saturation
// zp, clamp, lo and hi are used in stage 5 only: they must hold from the
// first operand's cycle until the last result (an instruction's fields).
`default_nettype none
`include "an_params.vh"
module an_requant (
    input  wire               clk,
    input  wire signed [31:0] x,
    input  wire signed [31:0] bias,
    input  wire               bias_en,
    input  wire signed [31:0] m,
    input  wire signed [31:0] shift,
    input  wire signed [7:0]  zp,
    input  wire               clamp,
    input  wire signed [7:0]  lo,
    input  wire signed [7:0]  hi,
    output reg  signed [31:0] y
);
    // the machine model's AN_REQUANT_STAGES (include/asicnn/arch.h) is this
    // module's register stages: a mismatch does not elaborate
    generate
        if (`AN_REQUANT_STAGES != 6) begin : g_stages_differ
            an_requant_has_6_stages mismatch ();
        end
    endgenerate

    // ---- stage 0: the operands; left = max(s, 0), right = max(-s, 0) ----
    reg signed [31:0] s;
    always @* s = shift < -32'sd31 ? -32'sd31 : shift > 32'sd30 ? 32'sd30 : shift;
    reg signed [31:0] x0, b0, m0;
    reg [4:0] left, right;
    always @(posedge clk) begin
        x0 <= x;
        b0 <= bias_en ? bias : 32'sd0;
        m0 <= m;
        left <= s > 0 ? s[4:0] : 5'd0;
        right <= s > 0 ? 5'd0 : (-s);
    end

    // ---- stage 1: v = sat32((x + bias) << left) ----
    // (the add as two 16-bit halves, the upper one for both carries: the
    // flow maps adders as ripple carry)
    reg signed [31:0] xb;
    reg [16:0] xlo;
    reg [15:0] xhi0, xhi1;
    reg signed [63:0] xl;
    always @* begin
        xlo = {1'b0, x0[15:0]} + {1'b0, b0[15:0]};
        xhi0 = x0[31:16] + b0[31:16];
        xhi1 = x0[31:16] + b0[31:16] + 16'd1;
        xb = {xlo[16] ? xhi1 : xhi0, xlo[15:0]};
        xl = {{32{xb[31]}}, xb} <<< left;
    end
    reg signed [31:0] v1, m1;
    reg [4:0] r1;
    always @(posedge clk) begin
        // saturated when the bits shifted out are not all the sign
        v1 <= xl[63:31] != {33{xb[31]}} ? (xb[31] ? 32'sh80000000 : 32'sh7fffffff) : xl[31:0];
        m1 <= m0;
        r1 <= right;
    end

    // ---- stage 2: v m = hi 2^16 + lo (32 x 16 each), its sign, the special case ----
    reg signed [47:0] plo2, phi2;
    reg neg2, sat2;
    reg [4:0] r2;
    always @(posedge clk) begin
        plo2 <= v1 * $signed({1'b0, m1[15:0]});
        phi2 <= v1 * $signed(m1[31:16]);
        neg2 <= v1 != 0 && m1 != 0 && (v1[31] ^ m1[31]);
        sat2 <= v1 == 32'sh80000000 && m1 == 32'sh80000000;
        r2 <= r1;
    end

    // ---- stage 3: t = v m + nudge; h = t / 2^31 truncated toward zero ----
    wire signed [63:0] t3 = {{16{phi2[47]}}, phi2} * 64'sd65536 + {{16{plo2[47]}}, plo2} +
                            (neg2 ? 64'sd1 - 64'sd1073741824 : 64'sd1073741824);
    reg [31:0] th3;  // t >>> 31, low 32 bits
    reg up3, sat3;   // add 1 (t negative, not a multiple of 2^31)
    reg [4:0] r3;
    always @(posedge clk) begin
        th3 <= t3[62:31];
        up3 <= t3[63] && t3[30:0] != 0;
        sat3 <= sat2;
        r3 <= r2;
    end

    // ---- stage 4: h; RDBPOT: floor(h / 2^right) and its rounding bit ----
    // (th3 + up3 bit by bit: bit i flips when up3 and the bits below are all
    // ones; the rounding bit, rem > (mask >> 1) + (h < 0) with rem = h & mask
    // and mask = 2^right - 1: bit right - 1 of h, and for a negative h a one
    // below it; the flow would map the add and the compare as ripple chains)
    reg signed [31:0] h4;
    reg [31:0] below4;
    reg rnd4;
    integer i;
    always @* begin
        for (i = 0; i < 32; i = i + 1)
            h4[i] = th3[i] ^ (up3 && (th3 | (32'hffffffff << i)) == 32'hffffffff);
        if (sat3) h4 = 32'sh7fffffff;
        below4 = ~(32'hffffffff << r3) >> 1;  // the bits below bit right - 1
        rnd4 = r3 != 0 && h4[r3 - 5'd1] && (!h4[31] || (h4 & below4) != 0);
    end
    reg signed [31:0] hs5;
    reg rnd5;
    always @(posedge clk) begin
        hs5 <= h4 >>> r3;
        rnd5 <= rnd4;
    end

    // ---- stage 5: q + zp, clamp or saturate ----
    reg signed [33:0] z;
    always @* z = {{2{hs5[31]}}, hs5} + {{26{zp[7]}}, zp} + (rnd5 ? 34'sd1 : 34'sd0);
    always @(posedge clk)
        if (clamp)
            y <= z < lo ? {{24{lo[7]}}, lo} : z > hi ? {{24{hi[7]}}, hi} : z[31:0];
        else
            y <= z > 34'sd2147483647 ? 32'sh7fffffff : z < -34'sd2147483648 ? 32'sh80000000
                                                                            : z[31:0];
endmodule
