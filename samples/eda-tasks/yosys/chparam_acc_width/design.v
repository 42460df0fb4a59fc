// Saturating accumulator; the data width is a parameter
module sat_add #(parameter W = 8) (
  input  [W-1:0] a,
  input  [W-1:0] b,
  output [W-1:0] y
);
  wire [W:0] s = a + b;
  assign y = s[W] ? {W{1'b1}} : s[W-1:0];
endmodule

module sat_acc #(parameter WIDTH = 8) (
  input                  clk,
  input                  clr,
  input                  en,
  input      [WIDTH-1:0] din,
  output reg [WIDTH-1:0] acc
);
  wire [WIDTH-1:0] nxt;
  sat_add #(.W(WIDTH)) u_add (.a(acc), .b(din), .y(nxt));
  always @(posedge clk)
    if (clr)     acc <= {WIDTH{1'b0}};
    else if (en) acc <= nxt;
endmodule
