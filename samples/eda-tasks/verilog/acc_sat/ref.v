module acc_sat (
    input                   clk,
    input                   rst,
    input                   en,
    input  signed     [7:0] din,
    output reg signed [7:0] acc
);
    // 9-bit sum cannot overflow
    wire signed [8:0] sum = {acc[7], acc} + {din[7], din};

    always @(posedge clk) begin
        if (rst)
            acc <= 8'sd0;
        else if (en) begin
            if (sum[8] != sum[7])
                acc <= sum[8] ? 8'sh80 : 8'sh7F;   // negative overflow : positive overflow
            else
                acc <= sum[7:0];
        end
    end
endmodule
