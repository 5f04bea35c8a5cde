// an_sram: the behavioural SRAM behind every on-chip buffer (activation,
// weight, accumulator). Byte addressed, bytes past the end read as 0 and are
// never written. Reads are combinational (a register-file-style macro): the
// data of an address is there in the same cycle. Ports:
//   A  read W bytes at ra, and write W bytes at wa under a byte mask
//      (the compute queue: array, vector unit)
//   B  read W2 bytes at rb (the vector unit's second operand)
//   DMA lanes: NLW byte writes and NLR byte reads, each lane at its own
//      address (the DMA engines scatter and gather; docs/hw.md)
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
    input  wire               we,
    input  wire [ABITS-1:0]   wa,
    input  wire [W*8-1:0]     wd,
    input  wire [W-1:0]       wm,
    input  wire [NLW-1:0]     lwe,
    input  wire [NLW*ABITS-1:0] lwa,
    input  wire [NLW*8-1:0]   lwd,
    input  wire [NLR*ABITS-1:0] lra,
    output reg  [NLR*8-1:0]   lrd
);
    reg [7:0] mem [0:BYTES-1];
    integer i;
    always @* begin
        for (i = 0; i < W; i = i + 1)
            rd[i*8 +: 8] = ({1'b0, ra} + i < BYTES) ? mem[ra + i] : 8'd0;
        for (i = 0; i < W2; i = i + 1)
            rdb[i*8 +: 8] = ({1'b0, rb} + i < BYTES) ? mem[rb + i] : 8'd0;
        for (i = 0; i < NLR; i = i + 1)
            lrd[i*8 +: 8] = ({1'b0, lra[i*ABITS +: ABITS]} < BYTES) ? mem[lra[i*ABITS +: ABITS]] : 8'd0;
    end
    always @(posedge clk) begin
        if (we)
            for (i = 0; i < W; i = i + 1)
                if (wm[i] && {1'b0, wa} + i < BYTES) mem[wa + i] <= wd[i*8 +: 8];
        for (i = 0; i < NLW; i = i + 1)
            if (lwe[i] && {1'b0, lwa[i*ABITS +: ABITS]} < BYTES)
                mem[lwa[i*ABITS +: ABITS]] <= lwd[i*8 +: 8];
    end
endmodule
