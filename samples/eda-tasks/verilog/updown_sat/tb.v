module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst_n = 1'b0;
    reg        en = 1'b0, up = 1'b0;
    wire [3:0] cnt;

    updown_sat dut (.clk(clk), .rst_n(rst_n), .en(en), .up(up), .cnt(cnt));

    integer errors = 0;
    integer i;
    integer seed = 5;
    integer run_len = 0;
    integer model = 0;   // integer model, clamped to 0..15

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    task check(input [8*24-1:0] where);
        begin
            if (cnt !== model[3:0]) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL %0s cycle %0d: cnt=%0d expected %0d", where, i, cnt, model);
            end
        end
    endtask

    initial begin
        // reset held over two rising edges
        @(posedge clk); #1 check("reset");
        @(posedge clk); #1 check("reset");
        @(negedge clk); rst_n = 1'b1;
        for (i = 0; i < 800; i = i + 1) begin
            @(negedge clk);
            if (run_len == 0) begin
                up = $random(seed);
                run_len = 1 + {$random(seed)} % 24;  // long runs reach the limits
            end
            run_len = run_len - 1;
            en = ({$random(seed)} % 5) != 0;
            if (i > 20 && ({$random(seed)} % 45) == 0) begin
                // asynchronous reset pulse in the middle of the low clock phase
                #1 rst_n = 1'b0;
                #1 model = 0;
                check("async reset");
                #1 rst_n = 1'b1;
                #1 check("after async reset");
            end
            @(posedge clk);
            if (en) begin
                if (up) model = (model + 1 > 15) ? 15 : model + 1;
                else    model = (model - 1 < 0) ? 0 : model - 1;
            end
            #1 check("edge");
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
