module tb;
    reg  [7:0] d0, d1, d2, d3;
    reg  [1:0] sel;
    wire [7:0] y;
    reg  [7:0] exp_y;
    reg  [7:0] bank [0:3];
    integer i, errors, seed;

    mux4 dut (.d0(d0), .d1(d1), .d2(d2), .d3(d3), .sel(sel), .y(y));

    initial begin
        errors = 0;
        seed = 32'h1234_5678;
        for (i = 0; i < 600; i = i + 1) begin
            d0 = $random(seed);
            d1 = $random(seed);
            d2 = $random(seed);
            d3 = $random(seed);
            sel = i[1:0];
            bank[0] = d0; bank[1] = d1; bank[2] = d2; bank[3] = d3;
            exp_y = bank[sel];
            #1;
            if (y !== exp_y) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL sel=%0d d0=%h d1=%h d2=%h d3=%h y=%h expected=%h",
                             sel, d0, d1, d2, d3, y, exp_y);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
