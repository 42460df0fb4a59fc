// Two-level adder tree with a registered result
module add_w #(parameter W = 8) (
  input  [W-1:0] a,
  input  [W-1:0] b,
  output [W:0]   s
);
  assign s = a + b;
endmodule

module pipe_reg #(parameter W = 10) (
  input              clk,
  input              rst,
  input      [W-1:0] d,
  output reg [W-1:0] q
);
  always @(posedge clk)
    if (rst) q <= {W{1'b0}};
    else     q <= d;
endmodule

module sum4 (
  input        clk,
  input        rst,
  input  [7:0] x0,
  input  [7:0] x1,
  input  [7:0] x2,
  input  [7:0] x3,
  output [9:0] total
);
  wire [8:0] s01, s23;
  wire [9:0] s;
  add_w #(.W(8)) u_a01 (.a(x0),  .b(x1),  .s(s01));
  add_w #(.W(8)) u_a23 (.a(x2),  .b(x3),  .s(s23));
  add_w #(.W(9)) u_fin (.a(s01), .b(s23), .s(s));
  pipe_reg #(.W(10)) u_q (.clk(clk), .rst(rst), .d(s), .q(total));
endmodule
