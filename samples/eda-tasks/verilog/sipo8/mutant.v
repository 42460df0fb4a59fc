module sipo8 (
    input            clk,
    input            rst,
    input            en,
    input            din,
    output reg [7:0] dout,
    output reg       valid
);
    reg [7:0] shreg;
    reg [2:0] nbits;

    always @(posedge clk) begin
        if (rst) begin
            shreg <= 8'd0;
            nbits <= 3'd0;
            dout  <= 8'd0;
            valid <= 1'b0;
        end else begin
            valid <= 1'b0;
            if (en) begin
                shreg <= {shreg[6:0], din};
                nbits <= nbits + 3'd1;        // wraps 7 -> 0
                if (nbits == 3'd7) begin
                    dout  <= shreg;
                    valid <= 1'b1;
                end
            end
        end
    end
endmodule
