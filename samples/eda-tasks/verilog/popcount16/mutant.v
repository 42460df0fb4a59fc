module popcount16 (
    input  [15:0] in,
    output [4:0] count
);
    reg [3:0] acc;
    integer i;
    always @(*) begin
        acc = 4'd0;
        for (i = 0; i < 16; i = i + 1)
            acc = acc + in[i];
    end
    assign count = acc;
endmodule
