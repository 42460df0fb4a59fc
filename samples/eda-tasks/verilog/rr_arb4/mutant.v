module rr_arb4 (
    input            clk,
    input            rst,
    input      [3:0] req,
    output reg [3:0] grant
);
    reg [1:0] last;          // index of the most recent grant
    reg [1:0] cand;
    reg [1:0] win;
    reg       found;
    integer   k;

    always @(*) begin
        found = 1'b0;
        win   = last;
        for (k = 0; k < 4; k = k + 1) begin
            cand = last + k[1:0];
            if (!found && req[cand]) begin
                found = 1'b1;
                win   = cand;
            end
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            grant <= 4'b0000;
            last  <= 2'd3;
        end else if (found) begin
            grant <= 4'b0001 << win;
            last  <= win;
        end else begin
            grant <= 4'b0000;
        end
    end
endmodule
