module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst = 1'b1;
    wire [2:0] light;

    traffic_fsm dut (.clk(clk), .rst(rst), .light(light));

    integer errors = 0;
    integer i;
    integer n;          // cycle number since the last reset edge
    integer phase;
    reg [2:0] expect_light;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        n = 0;
        for (i = 0; i < 400; i = i + 1) begin
            @(negedge clk);
            // reset at the start, then at a few irregular points
            rst = (i < 2) || (i == 61) || (i == 150) || (i == 151) || (i == 233);
            @(posedge clk);
            if (rst) n = 0;
            else     n = n + 1;
            phase = n % 11;
            if (phase < 5)      expect_light = 3'b001;
            else if (phase < 7) expect_light = 3'b010;
            else                expect_light = 3'b100;
            #1;
            if (light !== expect_light) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d (n=%0d): light=%b expected %b", i, n, light, expect_light);
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
