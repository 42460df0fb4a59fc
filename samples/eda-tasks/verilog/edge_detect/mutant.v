module edge_detect (
    input      clk,
    input      rst,
    input      din,
    output reg rise,
    output reg fall
);
    reg prev;

    always @(posedge clk) begin
        if (rst)
            prev <= 1'b0;
        else
            prev <= din;
    end

    always @(*) begin
        rise = din & ~prev;
        fall = ~din & prev;
    end
endmodule
