// an_fifo: a first-word-fall-through FIFO (instruction queues). dout is the
// head while count > 0; push and pop may happen in the same cycle.
`default_nettype none
module an_fifo #(
    parameter WIDTH = 256,
    parameter DEPTH = 8,
    parameter CBITS = 4
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             push,
    input  wire [WIDTH-1:0] din,
    input  wire             pop,
    output wire [WIDTH-1:0] dout,
    output reg  [CBITS-1:0] count
);
    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [CBITS-1:0] rd, wr;
    assign dout = mem[rd];
    always @(posedge clk) begin
        if (rst) begin
            rd <= 0;
            wr <= 0;
            count <= 0;
        end else begin
            if (push) begin
                mem[wr] <= din;
                wr <= (wr == DEPTH - 1) ? 0 : wr + 1'b1;
            end
            if (pop) rd <= (rd == DEPTH - 1) ? 0 : rd + 1'b1;
            count <= count + (push ? 1'b1 : 1'b0) - (pop ? 1'b1 : 1'b0);
        end
    end
endmodule
