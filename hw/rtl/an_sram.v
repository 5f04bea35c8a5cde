// an_sram: the behavioural SRAM behind every on-chip buffer (activation,
// weight, accumulator). Byte addressed, bytes past the end read as 0 and are
// never written. Reads are combinational (a register-file-style macro): the
// data of an address is there in the same cycle. Ports:
//   A  read W bytes at ra, and write W bytes at wa under a byte mask
//      (the compute queue: array, vector unit)
//   B  read W2 bytes at rb (the vector unit's second operand)
//   C  read W bytes at rc, and write W bytes at wc under a byte mask (the
//      array's results, so that a VEC can run beside the array; tied off
//      on the buffers that need no third port)
//   DMA  write NLW bytes at lwa under a byte mask, read NLR bytes at lra;
//        these addresses wrap around the address space (a DMA beat's byte 0
//        may lie before the buffer's first byte, masked off)
// Writes of different ports to the same byte in one cycle never happen (the
// dependency tokens order every producer and consumer). This is the one place
// a memory is described; synthesis black-boxes it (hw/synth) and a memory
// compiler's banked macro would take its place.
`default_nettype none
module an_sram #(
    parameter BYTES = 4096,
    parameter ABITS = 12,
    parameter W = 4,
    parameter W2 = 4,
    parameter NLW = 1,
    parameter NLR = 1
) (
    input  wire               clk,
    input  wire [ABITS-1:0]   ra,
    output reg  [W*8-1:0]     rd,
    input  wire [ABITS-1:0]   rb,
    output reg  [W2*8-1:0]    rdb,
    input  wire [ABITS-1:0]   rc,
    output reg  [W*8-1:0]     rdc,
    input  wire               wec,
    input  wire [ABITS-1:0]   wc,
    input  wire [W*8-1:0]     wdc,
    input  wire [W-1:0]       wmc,
    input  wire               we,
    input  wire [ABITS-1:0]   wa,
    input  wire [W*8-1:0]     wd,
    input  wire [W-1:0]       wm,
    input  wire               lwe,
    input  wire [ABITS-1:0]   lwa,
    input  wire [NLW*8-1:0]   lwd,
    input  wire [NLW-1:0]     lwm,
    input  wire [ABITS-1:0]   lra,
    output reg  [NLR*8-1:0]   lrd
);
    reg [7:0] mem [0:BYTES-1];
    reg [ABITS-1:0] lr, lw;
    integer i;
    always @* begin
        for (i = 0; i < W; i = i + 1)
            rd[i*8 +: 8] = ({1'b0, ra} + i < BYTES) ? mem[ra + i] : 8'd0;
        for (i = 0; i < W2; i = i + 1)
            rdb[i*8 +: 8] = ({1'b0, rb} + i < BYTES) ? mem[rb + i] : 8'd0;
        for (i = 0; i < W; i = i + 1)
            rdc[i*8 +: 8] = ({1'b0, rc} + i < BYTES) ? mem[rc + i] : 8'd0;
        for (i = 0; i < NLR; i = i + 1) begin
            lr = lra + i;
            lrd[i*8 +: 8] = ({1'b0, lr} < BYTES) ? mem[lr] : 8'd0;
        end
    end
    always @(posedge clk) begin
        if (we)
            for (i = 0; i < W; i = i + 1)
                if (wm[i] && {1'b0, wa} + i < BYTES) mem[wa + i] <= wd[i*8 +: 8];
        if (wec)
            for (i = 0; i < W; i = i + 1)
                if (wmc[i] && {1'b0, wc} + i < BYTES) mem[wc + i] <= wdc[i*8 +: 8];
        if (lwe)
            for (i = 0; i < NLW; i = i + 1) begin
                lw = lwa + i;
                if (lwm[i] && {1'b0, lw} < BYTES) mem[lw] <= lwd[i*8 +: 8];
            end
    end
endmodule
