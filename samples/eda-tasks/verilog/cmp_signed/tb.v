module tb;
    reg  [7:0] a, b;
    wire       lt, eq, gt;
    integer i, va, vb, errors;
    reg e_lt, e_eq, e_gt;

    cmp_signed dut (.a(a), .b(b), .lt(lt), .eq(eq), .gt(gt));

    initial begin
        errors = 0;
        for (i = 0; i < 65536; i = i + 1) begin
            {a, b} = i[15:0];
            // model: convert to integers by hand (subtract 256 when the top bit is set)
            va = a; if (va > 127) va = va - 256;
            vb = b; if (vb > 127) vb = vb - 256;
            e_lt = (va < vb);
            e_eq = (va == vb);
            e_gt = (va > vb);
            #1;
            if (lt !== e_lt || eq !== e_eq || gt !== e_gt) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL a=%0d b=%0d lt/eq/gt=%b%b%b expected=%b%b%b",
                             va, vb, lt, eq, gt, e_lt, e_eq, e_gt);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
