module uart_tx #(
    parameter CLKS_PER_BIT = 8
) (
    input            clk,
    input            rst,
    input            start,
    input      [7:0] data,
    output reg       tx,
    output reg       busy
);
    reg [15:0] clk_cnt;   // cycles spent in the current bit
    reg [3:0]  bit_idx;   // frame bit being sent: 0 start, 1..8 data, 9 stop
    reg [8:0]  shifter;   // remaining bits to send after the current one

    always @(posedge clk) begin
        if (rst) begin
            tx      <= 1'b1;
            busy    <= 1'b0;
            clk_cnt <= 16'd0;
            bit_idx <= 4'd0;
            shifter <= 9'h1FF;
        end else if (!busy) begin
            tx <= 1'b1;
            if (start) begin
                busy    <= 1'b1;
                tx      <= 1'b0;            // start bit
                shifter <= {1'b1, data};    // stop bit above the data bits
                clk_cnt <= 16'd0;
                bit_idx <= 4'd0;
            end
        end else begin
            if (clk_cnt == CLKS_PER_BIT) begin
                clk_cnt <= 16'd0;
                if (bit_idx == 4'd9) begin
                    busy <= 1'b0;
                    tx   <= 1'b1;
                end else begin
                    bit_idx <= bit_idx + 4'd1;
                    tx      <= shifter[0];
                    shifter <= {1'b1, shifter[8:1]};
                end
            end else begin
                clk_cnt <= clk_cnt + 16'd1;
            end
        end
    end
endmodule
