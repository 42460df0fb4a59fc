// Receive path: descrambler -> CRC-16 checker, plus a byte counter
module descrambler (
  input            clk,
  input            rst,
  input            en,
  input      [7:0] din,
  output     [7:0] dout
);
  reg [6:0] lfsr;
  assign dout = din ^ {lfsr[6:0], lfsr[6] ^ lfsr[3]};
  always @(posedge clk)
    if (rst)     lfsr <= 7'h7f;
    else if (en) lfsr <= {lfsr[5:0], lfsr[6] ^ lfsr[5]};
endmodule

module crc16_unit (
  input             clk,
  input             rst,
  input             en,
  input      [7:0]  d,
  output reg [15:0] crc
);
  reg [15:0] c;
  integer i;
  always @* begin
    c = crc ^ {d, 8'h00};
    for (i = 0; i < 8; i = i + 1)
      c = c[15] ? ((c << 1) ^ 16'h1021) : (c << 1);
  end
  always @(posedge clk)
    if (rst)     crc <= 16'hffff;
    else if (en) crc <= c;
endmodule

module byte_count (
  input            clk,
  input            rst,
  input            en,
  output reg [9:0] n
);
  always @(posedge clk)
    if (rst)     n <= 10'd0;
    else if (en) n <= n + 10'd1;
endmodule

module rx_path (
  input         clk,
  input         rst,
  input         valid,
  input  [7:0]  rx_byte,
  output [7:0]  data,
  output [15:0] crc,
  output [9:0]  nbytes,
  output        crc_ok
);
  descrambler u_dscr (.clk(clk), .rst(rst), .en(valid), .din(rx_byte), .dout(data));
  crc16_unit  u_crc  (.clk(clk), .rst(rst), .en(valid), .d(data), .crc(crc));
  byte_count  u_cnt  (.clk(clk), .rst(rst), .en(valid), .n(nbytes));
  assign crc_ok = (crc == 16'h0000);
endmodule
