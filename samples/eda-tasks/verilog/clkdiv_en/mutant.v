module clkdiv_en (
    input      clk,
    input      rst,
    output reg tick
);
    reg [2:0] cnt;

    always @(posedge clk) begin
        if (rst) begin
            cnt  <= 3'd0;
            tick <= 1'b0;
        end else begin
            cnt  <= (cnt == 3'd5) ? 3'd0 : cnt + 3'd1;
            tick <= (cnt == 3'd3);
        end
    end
endmodule
