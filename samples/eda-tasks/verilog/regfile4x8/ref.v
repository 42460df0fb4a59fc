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
    reg [7:0] r0, r1, r2, r3;

    always @(posedge clk) begin
        if (rst) begin
            r0 <= 8'd0;
            r1 <= 8'd0;
            r2 <= 8'd0;
            r3 <= 8'd0;
        end else if (we) begin
            case (waddr)
                2'd0: r0 <= wdata;
                2'd1: r1 <= wdata;
                2'd2: r2 <= wdata;
                2'd3: r3 <= wdata;
            endcase
        end
    end

    assign rdata1 = (raddr1 == 2'd0) ? r0 :
                    (raddr1 == 2'd1) ? r1 :
                    (raddr1 == 2'd2) ? r2 : r3;
    assign rdata2 = (raddr2 == 2'd0) ? r0 :
                    (raddr2 == 2'd1) ? r1 :
                    (raddr2 == 2'd2) ? r2 : r3;
endmodule
