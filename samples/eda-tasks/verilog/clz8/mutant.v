module clz8 (
    input  [7:0] in,
    output reg [3:0] count
);
    integer i;
    always @(*) begin
        count = 4'd0;
        for (i = 7; i >= 0; i = i - 1)
            if (in[i] == 1'b0)
                count = count + 4'd1;
    end
endmodule
