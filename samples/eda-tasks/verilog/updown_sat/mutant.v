module updown_sat (
    input            clk,
    input            rst_n,
    input            en,
    input            up,
    output reg [3:0] cnt
);
    always @(posedge clk) begin
        if (!rst_n)
            cnt <= 4'd0;
        else if (en) begin
            if (up) begin
                if (cnt != 4'd15)
                    cnt <= cnt + 4'd1;
            end else begin
                if (cnt != 4'd0)
                    cnt <= cnt - 4'd1;
            end
        end
    end
endmodule
