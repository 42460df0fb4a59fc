module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg               rst = 1'b1, en = 1'b0;
    reg  signed [7:0] din = 8'sd0;
    wire signed [7:0] acc;

    acc_sat dut (.clk(clk), .rst(rst), .en(en), .din(din), .acc(acc));

    integer errors = 0;
    integer i, mode;
    integer seed = 127;
    integer m;                 // model accumulator as a plain integer
    integer n_hi = 0, n_lo = 0;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        m = 0; mode = 0;
        for (i = 0; i < 1000; i = i + 1) begin
            @(negedge clk);
            if (i % 40 == 0) mode = {$random(seed)} % 4;
            rst = (i < 2) || (i > 10 && ({$random(seed)} % 200) == 0);
            en  = ({$random(seed)} % 6) != 0;
            case (mode)
                0: din = {$random(seed)} % 128;              // 0 .. 127: drives toward +127
                1: din = -({$random(seed)} % 129);           // -128 .. 0: drives toward -128
                2: din = $random(seed);                      // anything
                default: din = ({$random(seed)} % 7) - 3;    // small steps near the rails
            endcase
            @(posedge clk);
            if (rst)
                m = 0;
            else if (en) begin
                m = m + din;
                if (m > 127)  begin m = 127;  n_hi = n_hi + 1; end
                if (m < -128) begin m = -128; n_lo = n_lo + 1; end
            end
            #1;
            if (acc !== m[7:0]) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: din=%0d acc=%0d expected %0d", i, din, acc, m);
            end
        end
        if (n_hi < 5 || n_lo < 5) begin
            errors = errors + 1;
            $display("FAIL testbench saturation coverage too low (%0d, %0d)", n_hi, n_lo);
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
