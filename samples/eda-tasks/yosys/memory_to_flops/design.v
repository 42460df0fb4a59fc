// 4 x 8 register file: one synchronous write port, two asynchronous read ports
module regfile4x8 (
  input        clk,
  input        we,
  input  [1:0] waddr,
  input  [7:0] wdata,
  input  [1:0] raddr_a,
  input  [1:0] raddr_b,
  output [7:0] rdata_a,
  output [7:0] rdata_b
);
  reg [7:0] regs [0:3];
  always @(posedge clk)
    if (we) regs[waddr] <= wdata;
  assign rdata_a = regs[raddr_a];
  assign rdata_b = regs[raddr_b];
endmodule
