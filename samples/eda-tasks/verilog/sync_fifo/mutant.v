module sync_fifo (
    input            clk,
    input            rst,
    input            wr_en,
    input      [7:0] din,
    input            rd_en,
    output reg [7:0] dout,
    output           full,
    output           empty,
    output     [3:0] count
);
    reg [7:0] mem [0:7];
    reg [2:0] wr_ptr, rd_ptr;
    reg [3:0] cnt;

    assign count = cnt;
    assign empty = (cnt == 4'd0);
    assign full  = (cnt == 4'd8);

    wire do_wr = wr_en && !full;
    wire do_rd = rd_en && !empty;

    always @(posedge clk) begin
        if (rst) begin
            wr_ptr <= 3'd0;
            rd_ptr <= 3'd0;
            cnt    <= 4'd0;
            dout   <= 8'd0;
        end else begin
            if (do_wr) begin
                mem[wr_ptr] <= din;
                wr_ptr <= wr_ptr + 3'd1;
            end
            if (do_rd) begin
                dout   <= mem[rd_ptr];
                rd_ptr <= rd_ptr + 3'd1;
            end
            if (do_wr)
                cnt <= cnt + 4'd1;
            else if (do_rd)
                cnt <= cnt - 4'd1;
        end
    end
endmodule
