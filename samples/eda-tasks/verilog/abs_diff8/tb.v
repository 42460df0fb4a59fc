module tb;
    reg  [7:0] a, b;
    wire [7:0] d;
    integer i, v, errors;

    abs_diff8 dut (.a(a), .b(b), .d(d));

    initial begin
        errors = 0;
        for (i = 0; i < 65536; i = i + 1) begin
            {a, b} = i[15:0];
            // model: signed integer difference, negated when negative
            v = a;
            v = v - b;
            if (v < 0) v = -v;
            #1;
            if (d !== v) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL a=%0d b=%0d d=%0d expected=%0d", a, b, d, v);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
