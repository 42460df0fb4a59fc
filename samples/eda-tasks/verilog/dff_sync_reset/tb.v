module tb;
    reg        clk;
    reg        rst, en;
    reg  [7:0] d;
    wire [7:0] q;
    reg  [7:0] model;
    reg        known;
    integer cyc, seed, errors;

    dff_sync_reset dut (.clk(clk), .rst(rst), .en(en), .d(d), .q(q));

    initial clk = 1'b0;
    always #5 clk = ~clk;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    task compare;
        input [8*12-1:0] where;
        begin
            if (known && q !== model) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d (%0s): rst=%b en=%b d=%h q=%h expected=%h",
                             cyc, where, rst, en, d, q, model);
            end
        end
    endtask

    initial begin
        errors = 0;
        seed = 32'h0BAD_5EED;
        known = 1'b0;
        model = 8'h00;
        rst = 1'b1; en = 1'b0; d = 8'h5A;
        for (cyc = 0; cyc < 400; cyc = cyc + 1) begin
            @(negedge clk);
            compare("mid-cycle");
            // new inputs half a period before the rising edge
            if (cyc < 2)
                rst = 1'b1;
            else
                rst = (($random(seed) & 15) == 0);
            en = (($random(seed) & 3) != 0);
            d  = $random(seed);
            #2;
            compare("after input");
            @(posedge clk);
            if (rst) begin
                model = 8'h00;
                known = 1'b1;
            end else if (en) begin
                model = d;
            end
            #1;
            compare("after edge");
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
