module debounce (
    input      clk,
    input      rst,
    input      din,
    output reg dout
);
    reg [1:0] cnt;   // edges so far with din != dout

    always @(posedge clk) begin
        if (rst) begin
            dout <= 1'b0;
            cnt  <= 2'd0;
        end else if (din == dout) begin
            cnt <= 2'd0;
        end else if (cnt == 2'd3) begin
            dout <= din;
            cnt  <= 2'd0;
        end else begin
            cnt <= cnt + 2'd1;
        end
    end
endmodule
