module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst_n = 1'b0, go = 1'b0, stop = 1'b0;
    wire [3:0] state;

    onehot_fsm dut (.clk(clk), .rst_n(rst_n), .go(go), .stop(stop), .state(state));

    // model state numbers: 0 IDLE, 1 RUN, 2 PAUSE, 3 DONE
    integer ms;
    integer errors = 0;
    integer i;
    integer seed = 2024;
    integer n_pause_both = 0;
    reg [3:0] exp_state;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    task check(input [8*16-1:0] when);
        begin
            exp_state = 4'b0001 << ms;
            if (state !== exp_state) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL %0s cycle %0d: go=%b stop=%b state=%b expected %b",
                             when, i, go, stop, state, exp_state);
            end
        end
    endtask

    initial begin
        ms = 0; i = -1;
        @(posedge clk); #1 check("reset");
        @(negedge clk); rst_n = 1'b1;
        for (i = 0; i < 1000; i = i + 1) begin
            @(negedge clk);
            go   = ({$random(seed)} % 3) != 0;
            stop = ({$random(seed)} % 4) == 0;
            if (i > 10 && ({$random(seed)} % 60) == 0) begin
                // asynchronous reset pulse between clock edges
                #1 rst_n = 1'b0;
                #1 ms = 0;
                check("async reset");
                #1 rst_n = 1'b1;
            end
            @(posedge clk);
            if (ms == 2 && go && stop) n_pause_both = n_pause_both + 1;
            case (ms)
                0: ms = go ? 1 : 0;
                1: ms = stop ? 3 : (go ? 1 : 2);
                2: ms = stop ? 3 : (go ? 1 : 2);
                default: ms = 0;
            endcase
            #1 check("edge");
        end
        if (n_pause_both < 3) begin
            errors = errors + 1;
            $display("FAIL testbench coverage too low (%0d)", n_pause_both);
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
