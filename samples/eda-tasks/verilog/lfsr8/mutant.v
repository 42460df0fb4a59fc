module lfsr8 (
    input            clk,
    input            rst,
    input            en,
    output reg [7:0] q
);
    wire fb = q[7] ^ q[6] ^ q[5] ^ q[4];

    always @(posedge clk) begin
        if (rst)
            q <= 8'hA5;
        else if (en)
            q <= {q[6:0], fb};
    end
endmodule
