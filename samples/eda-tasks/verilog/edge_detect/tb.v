module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg  rst = 1'b1, din = 1'b0;
    wire rise, fall;

    edge_detect dut (.clk(clk), .rst(rst), .din(din), .rise(rise), .fall(fall));

    integer errors = 0;
    integer i;
    integer seed = 21;
    // model: history of din samples since reset
    reg [1:0] hist;       // hist[0] = latest sample, hist[1] = sample before it
    reg       have_prev;  // at least one sample since reset
    reg       exp_rise, exp_fall;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        hist = 2'b00; have_prev = 1'b0; exp_rise = 1'b0; exp_fall = 1'b0;
        for (i = 0; i < 600; i = i + 1) begin
            @(negedge clk);
            if (i < 2) begin
                rst = 1'b1; din = 1'b1;
            end else if (i == 2) begin
                rst = 1'b0; din = 1'b1;          // first sample after reset is 1
            end else begin
                rst = ({$random(seed)} % 60) == 0;
                if (({$random(seed)} % 3) == 0) din = ~din;
            end
            // outputs are registered: a new din must not show before the next edge
            #1;
            if (rise !== exp_rise || fall !== exp_fall) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d (before edge): din=%b rise=%b fall=%b expected %b %b",
                             i, din, rise, fall, exp_rise, exp_fall);
            end
            @(posedge clk);
            if (rst) begin
                have_prev = 1'b0; hist = 2'b00;
                exp_rise = 1'b0; exp_fall = 1'b0;
            end else begin
                hist = {hist[0], din};
                if (!have_prev) hist[1] = 1'b0;
                have_prev = 1'b1;
                exp_rise = (hist == 2'b01);
                exp_fall = (hist == 2'b10);
            end
            #1;
            if (rise !== exp_rise || fall !== exp_fall) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: din=%b rise=%b fall=%b expected %b %b",
                             i, din, rise, fall, exp_rise, exp_fall);
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
