module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst = 1'b1;
    reg  [7:0] duty = 8'd0;
    wire       pwm;

    pwm8 dut (.clk(clk), .rst(rst), .duty(duty), .pwm(pwm));

    integer errors = 0;
    integer i, j;
    integer seed = 8;
    integer phase_ctr;   // model of the counter, kept as an integer
    reg [7:0] held [0:7];

    initial begin
        #200000;
        $display("FAIL timeout");
        $finish;
    end

    task check(input integer cyc);
        reg expect_pwm;
        begin
            expect_pwm = (phase_ctr % 256) < duty;
            if (pwm !== expect_pwm) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: cnt=%0d duty=%0d pwm=%b expected %b",
                             cyc, phase_ctr % 256, duty, pwm, expect_pwm);
            end
        end
    endtask

    initial begin
        held[0] = 8'd0;   held[1] = 8'd1;   held[2] = 8'd128; held[3] = 8'd255;
        held[4] = 8'd37;  held[5] = 8'd200; held[6] = 8'd254; held[7] = 8'd77;
        phase_ctr = 0;
        // reset
        @(negedge clk); rst = 1'b1;
        @(posedge clk); phase_ctr = 0;
        @(negedge clk); rst = 1'b0;
        i = 0;
        // each held duty value for a little more than one full period
        for (j = 0; j < 8; j = j + 1) begin
            duty = held[j];
            repeat (260) begin
                #1 check(i);
                @(posedge clk); phase_ctr = phase_ctr + 1;
                #1 check(i);
                @(negedge clk);
                i = i + 1;
            end
        end
        // duty changing every cycle, plus an occasional reset
        repeat (600) begin
            duty = $random(seed);
            rst = ({$random(seed)} % 150) == 0;
            #1 check(i);
            @(posedge clk); phase_ctr = rst ? 0 : phase_ctr + 1;
            #1 check(i);
            @(negedge clk);
            i = i + 1;
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
