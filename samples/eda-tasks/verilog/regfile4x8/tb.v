module tb;
    reg clk = 1'b0;
    always #10 clk = ~clk;   // long high phase leaves room for the read sweep

    reg        rst = 1'b1, we = 1'b0;
    reg  [1:0] waddr = 2'd0, raddr1 = 2'd0, raddr2 = 2'd0;
    reg  [7:0] wdata = 8'd0;
    wire [7:0] rdata1, rdata2;

    regfile4x8 dut (.clk(clk), .rst(rst), .we(we), .waddr(waddr), .wdata(wdata),
                    .raddr1(raddr1), .rdata1(rdata1), .raddr2(raddr2), .rdata2(rdata2));

    reg [31:0] shadow;   // the four registers packed: register a is shadow[8*a +: 8]
    integer errors = 0;
    integer i, r;
    integer seed = 48;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    task check_reads(input [8*12-1:0] when);
        begin
            if (rdata1 !== shadow[8*raddr1 +: 8] || rdata2 !== shadow[8*raddr2 +: 8]) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL %0s cycle %0d: raddr1=%0d rdata1=%h exp %h, raddr2=%0d rdata2=%h exp %h",
                             when, i, raddr1, rdata1, shadow[8*raddr1 +: 8],
                             raddr2, rdata2, shadow[8*raddr2 +: 8]);
            end
        end
    endtask

    initial begin
        shadow = 32'd0;
        for (i = 0; i < 800; i = i + 1) begin
            @(negedge clk);
            if (i < 2) begin
                rst = 1'b1; we = 1'b1; waddr = i; wdata = 8'hEE;    // write during reset
            end else begin
                rst = (i > 20) && (({$random(seed)} % 40) == 0);
                we  = (({$random(seed)} % 3) != 0) || rst;
                waddr = $random(seed);
                wdata = $random(seed);
            end
            // reads: often the register being written, to catch a bypass
            raddr1 = (({$random(seed)} % 3) == 0) ? waddr : $random(seed);
            raddr2 = $random(seed);
            #2 check_reads("before edge");
            @(posedge clk);
            if (rst) begin
                shadow = 32'd0;
            end else if (we) begin
                shadow[8*waddr +: 8] = wdata;
            end
            #1 check_reads("after edge");
            // sweep both ports over all addresses in the high phase
            for (r = 0; r < 4; r = r + 1) begin
                raddr1 = r; raddr2 = 3 - r;
                #1 check_reads("sweep");
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
