// Loadable shift register plus a down counter; resets are synchronous, active high
module shift_ctl (
  input            clk,
  input            rst,
  input            en,
  input            load,
  input      [7:0] pdata,
  input            sin,
  output reg [7:0] sreg,
  output reg [3:0] cnt,
  output           done
);
  always @(posedge clk)
    if (rst)       sreg <= 8'h00;
    else if (load) sreg <= pdata;
    else if (en)   sreg <= {sreg[6:0], sin};

  always @(posedge clk)
    if (rst || load)        cnt <= 4'd8;
    else if (en && cnt != 0) cnt <= cnt - 4'd1;

  assign done = (cnt == 4'd0);
endmodule
