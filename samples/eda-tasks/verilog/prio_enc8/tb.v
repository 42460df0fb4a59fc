module tb;
    reg  [7:0] in;
    wire [2:0] idx;
    wire       valid;
    reg  [2:0] exp_idx;
    reg        exp_valid;
    reg  [7:0] t;
    integer i, errors;

    prio_enc8 dut (.in(in), .idx(idx), .valid(valid));

    initial begin
        errors = 0;
        for (i = 0; i < 256; i = i + 1) begin
            in = i[7:0];
            // model: shift right until one bit remains, counting the shifts
            exp_valid = (in != 8'd0);
            exp_idx = 3'd0;
            t = in >> 1;
            while (t != 8'd0) begin
                exp_idx = exp_idx + 3'd1;
                t = t >> 1;
            end
            #1;
            if (idx !== exp_idx || valid !== exp_valid) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL in=%b idx=%0d valid=%b expected idx=%0d valid=%b",
                             in, idx, valid, exp_idx, exp_valid);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
