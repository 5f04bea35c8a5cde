// an_requant: one lane of the vector unit's requantization, combinational,
// bit-exact with gemmlowp / TFLite (docs/quantization.md):
//   s   = clamp(shift, -31, 30)
//   v   = sat32(x << max(s, 0))
//   h   = SaturatingRoundingDoublingHighMul(v, m)
//   q   = RoundingDivideByPOT(h, max(-s, 0))
//   y   = q + zp, then clamped to [lo, hi] (clamp) or saturated to int32.
`default_nettype none
module an_requant (
    input  wire signed [31:0] x,
    input  wire signed [31:0] m,
    input  wire signed [31:0] shift,
    input  wire signed [7:0]  zp,
    input  wire               clamp,
    input  wire signed [7:0]  lo,
    input  wire signed [7:0]  hi,
    output reg  signed [31:0] y
);
    reg signed [31:0] s;
    reg [4:0] left, right;
    reg signed [63:0] xl, ab, t, hq;
    reg signed [31:0] v, h, q, mask, rem, thr;
    reg signed [33:0] z;
    always @* begin
        s = shift < -32'sd31 ? -32'sd31 : shift > 32'sd30 ? 32'sd30 : shift;
        left = s > 0 ? s[4:0] : 5'd0;
        right = s > 0 ? 5'd0 : (-s);
        xl = {{32{x[31]}}, x} <<< left;
        v = xl > 64'sd2147483647 ? 32'sh7fffffff : xl < -64'sd2147483648 ? 32'sh80000000 : xl[31:0];
        // SRDHM: (v*m + nudge) / 2^31, truncating toward zero
        ab = v * m; // 32 x 32 signed (sign-extended in the 64-bit context)
        t = ab + (ab >= 0 ? 64'sd1073741824 : 64'sd1 - 64'sd1073741824);
        hq = t >= 0 ? (t >>> 31) : ((t + 64'sd2147483647) >>> 31);
        h = (v == 32'sh80000000 && m == 32'sh80000000) ? 32'sh7fffffff : hq[31:0];
        // RDBPOT: floor(h / 2^right) + (rem > (mask >> 1) + (h < 0))
        mask = (32'sd1 <<< right) - 32'sd1;
        rem = h & mask;
        thr = (mask >>> 1) + (h < 0 ? 32'sd1 : 32'sd0);
        q = right == 0 ? h : (h >>> right) + (rem > thr ? 32'sd1 : 32'sd0);
        z = {{2{q[31]}}, q} + {{26{zp[7]}}, zp};
        if (clamp)
            y = z < lo ? {{24{lo[7]}}, lo} : z > hi ? {{24{hi[7]}}, hi} : z[31:0];
        else
            y = z > 34'sd2147483647 ? 32'sh7fffffff : z < -34'sd2147483648 ? 32'sh80000000 : z[31:0];
    end
endmodule
