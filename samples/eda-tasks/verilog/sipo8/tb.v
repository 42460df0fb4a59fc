module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst = 1'b1, en = 1'b0, din = 1'b0;
    wire [7:0] dout;
    wire       valid;

    sipo8 dut (.clk(clk), .rst(rst), .en(en), .din(din), .dout(dout), .valid(valid));

    integer errors = 0;
    integer i;
    integer seed = 808;
    integer got = 0;         // bits collected for the current byte
    integer nbytes = 0;
    reg [7:0] partial;       // bits collected so far, first bit ends up in bit 7
    reg [7:0] exp_dout;
    reg       exp_valid;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        partial = 8'd0; exp_dout = 8'd0; exp_valid = 1'b0;
        for (i = 0; i < 900; i = i + 1) begin
            @(negedge clk);
            rst = (i < 2) || (i > 30 && ({$random(seed)} % 150) == 0);
            en  = (i < 200) ? 1'b1 : (({$random(seed)} % 4) != 0);
            din = $random(seed);
            @(posedge clk);
            exp_valid = 1'b0;
            if (rst) begin
                got = 0; partial = 8'd0; exp_dout = 8'd0;
            end else if (en) begin
                partial[7 - got] = din;
                got = got + 1;
                if (got == 8) begin
                    exp_dout = partial;
                    exp_valid = 1'b1;
                    nbytes = nbytes + 1;
                    got = 0;
                    partial = 8'd0;
                end
            end
            #1;
            if (dout !== exp_dout || valid !== exp_valid) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: dout=%h valid=%b expected %h %b",
                             i, dout, valid, exp_dout, exp_valid);
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
