module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst = 1'b1;
    reg  [3:0] req = 4'b0000;
    wire [3:0] grant;

    rr_arb4 dut (.clk(clk), .rst(rst), .req(req), .grant(grant));

    integer errors = 0;
    integer i, j;
    integer seed = 4;
    integer ptr;             // model: last granted index
    reg [7:0] twice;         // req repeated, rotated so the next candidate is bit 0
    reg [3:0] exp_grant;
    integer winner;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        ptr = 3; exp_grant = 4'b0000;
        for (i = 0; i < 1000; i = i + 1) begin
            @(negedge clk);
            rst = (i < 2) || (i > 20 && ({$random(seed)} % 150) == 0);
            if (i < 40)
                req = 4'b1111;                       // everyone requesting: strict rotation
            else if (({$random(seed)} % 5) == 0)
                req = 4'b0000;
            else
                req = $random(seed);
            // grant is registered: the new req must not show before the edge
            #1;
            if (grant !== exp_grant) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: grant changed without a clock edge (grant=%b expected %b)",
                             i, grant, exp_grant);
            end
            @(posedge clk);
            if (rst) begin
                ptr = 3; exp_grant = 4'b0000;
            end else begin
                twice = {req, req} >> ((ptr + 1) % 4);
                winner = -1;
                for (j = 3; j >= 0; j = j - 1)
                    if (twice[j]) winner = (ptr + 1 + j) % 4;   // lowest set bit wins
                if (winner < 0)
                    exp_grant = 4'b0000;
                else begin
                    exp_grant = 4'b0000;
                    exp_grant[winner] = 1'b1;
                    ptr = winner;
                end
            end
            #1;
            if (grant !== exp_grant) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: req=%b grant=%b expected %b", i, req, grant, exp_grant);
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
