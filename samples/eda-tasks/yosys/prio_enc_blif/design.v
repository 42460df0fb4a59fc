// 8-input priority encoder: the highest set request bit wins
module prio_enc8 (
  input      [7:0] req,
  input            en,
  output reg [2:0] idx,
  output           valid
);
  integer i;
  always @* begin
    idx = 3'd0;
    for (i = 0; i < 8; i = i + 1)
      if (req[i]) idx = i[2:0];
  end
  assign valid = en & (|req);
endmodule
