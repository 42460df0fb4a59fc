// 8-bit up/down counter with synchronous load and a terminal-count flag
module updown8 (
  input            clk,
  input            rst_n,   // synchronous, active low
  input            load,
  input            up,
  input      [7:0] din,
  output reg [7:0] count,
  output           tc
);
  always @(posedge clk)
    if (!rst_n)    count <= 8'd0;
    else if (load) count <= din;
    else if (up)   count <= count + 8'd1;
    else           count <= count - 8'd1;
  assign tc = up ? (count == 8'hff) : (count == 8'h00);
endmodule
