module pwm8 (
    input        clk,
    input        rst,
    input  [7:0] duty,
    output       pwm
);
    reg [7:0] cnt;

    always @(posedge clk) begin
        if (rst)
            cnt <= 8'd0;
        else
            cnt <= cnt + 8'd1;
    end

    assign pwm = (cnt < duty);
endmodule
