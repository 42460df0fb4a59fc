// 8-bit registered ALU with a zero flag
module alu8 (
  input            clk,
  input      [1:0] op,
  input      [7:0] a,
  input      [7:0] b,
  output reg [7:0] y,
  output reg       zero
);
  reg [7:0] r;
  always @* begin
    case (op)
      2'd0:    r = a + b;
      2'd1:    r = a - b;
      2'd2:    r = a & b;
      default: r = a ^ b;
    endcase
  end
  always @(posedge clk) begin
    y    <= r;
    zero <= (r == 8'd0);
  end
endmodule
