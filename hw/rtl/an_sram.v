// an_sram: the behavioural SRAM behind every on-chip buffer (activation,
// weight, accumulator). Byte addressed, one read and one write port, each
// W bytes wide at any byte address; writes take a byte mask. Reads are
// combinational (a register-file-style macro): the data of raddr is there in
// the same cycle. Bytes past the end read as 0 and are never written. This
// is the one place a memory is described; synthesis black-boxes it
// (hw/synth) and an SRAM compiler's macro would take its place.
`default_nettype none
module an_sram #(
    parameter BYTES = 4096,
    parameter ABITS = 12,
    parameter W = 4
) (
    input  wire             clk,
    input  wire [ABITS-1:0] raddr,
    output reg  [W*8-1:0]   rdata,
    input  wire             we,
    input  wire [ABITS-1:0] waddr,
    input  wire [W*8-1:0]   wdata,
    input  wire [W-1:0]     wmask
);
    reg [7:0] mem [0:BYTES-1];
    integer i;
    always @* begin
        for (i = 0; i < W; i = i + 1)
            rdata[i*8 +: 8] = ({1'b0, raddr} + i < BYTES) ? mem[raddr + i] : 8'd0;
    end
    always @(posedge clk) begin
        if (we)
            for (i = 0; i < W; i = i + 1)
                if (wmask[i] && {1'b0, waddr} + i < BYTES) mem[waddr + i] <= wdata[i*8 +: 8];
    end
endmodule
