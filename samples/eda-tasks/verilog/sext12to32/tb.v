module tb;
    reg  [11:0] in;
    wire [31:0] out;
    integer i, v, errors;
    reg [31:0] e;

    sext12to32 dut (.in(in), .out(out));

    initial begin
        errors = 0;
        for (i = 0; i < 4096; i = i + 1) begin
            in = i[11:0];
            // model: numeric value in -2048..2047, then its 32-bit pattern
            v = (i >= 2048) ? i - 4096 : i;
            e = v;
            #1;
            if (out !== e) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL in=%h out=%h expected=%h", in, out, e);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
