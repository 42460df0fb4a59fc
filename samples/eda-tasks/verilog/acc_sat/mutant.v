module acc_sat (
    input                   clk,
    input                   rst,
    input                   en,
    input  signed     [7:0] din,
    output reg signed [7:0] acc
);
    wire [7:0] sum8 = acc + din;
    // overflow: both operands have the same sign and the result sign differs
    wire ovf = (acc[7] == din[7]) && (sum8[7] != acc[7]);

    always @(posedge clk) begin
        if (rst)
            acc <= 8'sd0;
        else if (en) begin
            if (ovf)
                acc <= sum8[7] ? 8'sh80 : 8'sh7F;
            else
                acc <= sum8;
        end
    end
endmodule
