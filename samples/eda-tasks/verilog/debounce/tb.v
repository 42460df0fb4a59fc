module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg  rst = 1'b1, din = 1'b0;
    wire dout;

    debounce dut (.clk(clk), .rst(rst), .din(din), .dout(dout));

    integer errors = 0;
    integer i;
    integer seed = 4444;
    integer seg_left = 0;
    // model: last four samples of din since the last change of dout (or reset)
    reg [3:0] win;
    integer   valid_n;       // how many samples in win are meaningful
    reg       exp_out;
    integer   n_changes = 0;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        win = 4'd0; valid_n = 0; exp_out = 1'b0;
        for (i = 0; i < 1500; i = i + 1) begin
            @(negedge clk);
            rst = (i < 2) || (i > 20 && ({$random(seed)} % 250) == 0);
            if (seg_left == 0) begin
                din = ~din;
                seg_left = 1 + {$random(seed)} % 7;   // segments of 1..7 cycles
            end
            seg_left = seg_left - 1;
            @(posedge clk);
            if (rst) begin
                exp_out = 1'b0; valid_n = 0; win = 4'd0;
            end else begin
                win = {win[2:0], din};
                if (valid_n < 4) valid_n = valid_n + 1;
                // change after four consecutive samples that all differ from the output
                if (valid_n == 4 && win == {4{~exp_out}}) begin
                    exp_out = ~exp_out;
                    valid_n = 0;
                    n_changes = n_changes + 1;
                end
            end
            #1;
            if (dout !== exp_out) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: din=%b dout=%b expected %b", i, din, dout, exp_out);
            end
        end
        if (n_changes < 20) begin
            errors = errors + 1;
            $display("FAIL testbench coverage too low (%0d)", n_changes);
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
