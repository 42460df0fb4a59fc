module tb;
    reg  [7:0] in;
    reg  [2:0] amt;
    wire [7:0] out;
    reg  [7:0] e;
    integer i, k, errors;

    barrel_rot8 dut (.in(in), .amt(amt), .out(out));

    initial begin
        errors = 0;
        for (i = 0; i < 2048; i = i + 1) begin
            {amt, in} = i[10:0];
            // model: place every bit at its rotated position
            for (k = 0; k < 8; k = k + 1)
                e[(k + amt) % 8] = in[k];
            #1;
            if (out !== e) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL in=%b amt=%0d out=%b expected=%b", in, amt, out, e);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
