module edge_detect (
    input      clk,
    input      rst,
    input      din,
    output reg rise,
    output reg fall
);
    reg prev;

    always @(posedge clk) begin
        if (rst) begin
            prev <= 1'b0;
            rise <= 1'b0;
            fall <= 1'b0;
        end else begin
            rise <= din & ~prev;
            fall <= ~din & prev;
            prev <= din;
        end
    end
endmodule
