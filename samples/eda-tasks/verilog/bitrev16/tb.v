module tb;
    reg  [15:0] in;
    wire [15:0] out;
    reg  [7:0]  t, e;
    reg  [7:0]  rev8 [0:255];
    reg  [15:0] exp_out;
    integer i, k, errors;

    bitrev16 dut (.in(in), .out(out));

    initial begin
        errors = 0;
        // model: byte reversal table (shift bits out of the bottom of t into the bottom of e)
        for (i = 0; i < 256; i = i + 1) begin
            t = i[7:0];
            e = 8'd0;
            for (k = 0; k < 8; k = k + 1) begin
                e = {e[6:0], t[0]};
                t = t >> 1;
            end
            rev8[i] = e;
        end
        for (i = 0; i < 65536; i = i + 1) begin
            in = i[15:0];
            exp_out = {rev8[in[7:0]], rev8[in[15:8]]};
            #1;
            if (out !== exp_out) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL in=%h out=%h expected=%h", in, out, exp_out);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
