// Event counter with a debug capture register that has no fanout
module evt_counter (
  input             clk,
  input             rst,
  input             valid,
  input      [7:0]  data,
  output reg [11:0] count,
  output reg        hit
);
  reg [7:0] dbg_last;   // last accepted byte, probed in the lab: must survive synthesis
  reg [7:0] shadow;     // leftover from an old revision: may be removed
  always @(posedge clk) begin
    if (rst) begin
      count    <= 12'd0;
      hit      <= 1'b0;
      dbg_last <= 8'd0;
    end else if (valid) begin
      count    <= count + 12'd1;
      hit      <= (data == 8'hA5);
      dbg_last <= data;
    end
    shadow <= data ^ count[7:0];
  end
endmodule
