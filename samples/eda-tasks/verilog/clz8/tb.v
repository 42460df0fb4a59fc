module tb;
    reg  [7:0] in;
    wire [3:0] count;
    reg  [7:0] t;
    integer i, n, errors;

    clz8 dut (.in(in), .count(count));

    initial begin
        errors = 0;
        for (i = 0; i < 256; i = i + 1) begin
            in = i[7:0];
            // model: shift left until the top bit is 1 (at most 8 times)
            t = in;
            n = 0;
            while (n < 8 && t[7] == 1'b0) begin
                t = t << 1;
                n = n + 1;
            end
            #1;
            if (count !== n) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL in=%b count=%0d expected=%0d", in, count, n);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
