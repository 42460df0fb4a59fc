module counter_load (
    input            clk,
    input            rst,
    input            en,
    input            load,
    input      [7:0] d,
    output reg [7:0] q
);
    always @(posedge clk) begin
        if (rst)
            q <= 8'd0;
        else if (en) begin
            if (load)
                q <= d;
            else
                q <= q + 8'd1;
        end
    end
endmodule
