// 6-bit Gray-code counter with synchronous reset and count enable
module gray_cnt (
  input        clk,
  input        rst,
  input        en,
  output [5:0] gray
);
  reg  [5:0] bin;
  wire [5:0] bin_next = bin + 6'd1;
  always @(posedge clk)
    if (rst)     bin <= 6'd0;
    else if (en) bin <= bin_next;
  assign gray = bin ^ (bin >> 1);
endmodule
