module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg  rst = 1'b1;
    wire tick;

    clkdiv_en dut (.clk(clk), .rst(rst), .tick(tick));

    integer errors = 0;
    integer i;
    integer seed = 55;
    integer since_reset;     // n: cycle number after the last reset edge
    integer ticks = 0;
    reg     expect_tick;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        since_reset = 0;
        for (i = 0; i < 500; i = i + 1) begin
            @(negedge clk);
            rst = (i < 3) || (i > 40 && ({$random(seed)} % 70) == 0);
            @(posedge clk);
            since_reset = rst ? 0 : since_reset + 1;
            expect_tick = !rst && (since_reset % 5 == 4);
            if (expect_tick) ticks = ticks + 1;
            #1;
            if (tick !== expect_tick) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d (n=%0d): tick=%b expected %b", i, since_reset, tick, expect_tick);
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
