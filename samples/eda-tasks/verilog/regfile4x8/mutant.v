module regfile4x8 (
    input        clk,
    input        rst,
    input        we,
    input  [1:0] waddr,
    input  [7:0] wdata,
    input  [1:0] raddr1,
    output [7:0] rdata1,
    input  [1:0] raddr2,
    output [7:0] rdata2
);
    reg [7:0] regs [0:3];
    integer k;

    always @(posedge clk) begin
        if (rst)
            for (k = 0; k < 4; k = k + 1)
                regs[k] <= 8'd0;
        if (we)
            regs[waddr] <= wdata;
    end

    assign rdata1 = regs[raddr1];
    assign rdata2 = regs[raddr2];
endmodule
