// Registered 8-bit magnitude comparator with a masked parity output
module cmp8_reg (
  input            clk,
  input      [7:0] a,
  input      [7:0] b,
  input      [7:0] mask,
  output reg       eq,
  output reg       gt,
  output reg       par
);
  always @(posedge clk) begin
    eq  <= (a == b);
    gt  <= (a > b);
    par <= ^((a ^ b) & mask);
  end
endmodule
