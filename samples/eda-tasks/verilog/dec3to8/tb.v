module tb;
    reg  [2:0] a;
    reg        en;
    wire [7:0] y;
    reg  [7:0] exp_y;
    integer i, k, errors;

    dec3to8 dut (.a(a), .en(en), .y(y));

    initial begin
        errors = 0;
        for (i = 0; i < 16; i = i + 1) begin
            {en, a} = i[3:0];
            for (k = 0; k < 8; k = k + 1)
                exp_y[k] = en && (a == k);
            #1;
            if (y !== exp_y) begin
                errors = errors + 1;
                $display("FAIL en=%b a=%0d y=%b expected=%b", en, a, y, exp_y);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
