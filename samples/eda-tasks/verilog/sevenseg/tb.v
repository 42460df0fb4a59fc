module tb;
    reg  [3:0] hex;
    wire [6:0] seg;
    reg  [6:0] e;
    integer i, s, errors;

    sevenseg dut (.hex(hex), .seg(seg));

    // model: for each segment, the list of digits on which it is dark
    function dark;
        input integer segno;
        input [3:0] h;
        begin
            case (segno)
                0: dark = (h == 4'h1 || h == 4'h4 || h == 4'hB || h == 4'hD);                          // a
                1: dark = (h == 4'h5 || h == 4'h6 || h == 4'hB || h == 4'hC || h == 4'hE || h == 4'hF); // b
                2: dark = (h == 4'h2 || h == 4'hC || h == 4'hE || h == 4'hF);                          // c
                3: dark = (h == 4'h1 || h == 4'h4 || h == 4'h7 || h == 4'hA || h == 4'hF);             // d
                4: dark = (h == 4'h1 || h == 4'h3 || h == 4'h4 || h == 4'h5 || h == 4'h7 || h == 4'h9); // e
                5: dark = (h == 4'h1 || h == 4'h2 || h == 4'h3 || h == 4'h7 || h == 4'hD);             // f
                default: dark = (h == 4'h0 || h == 4'h1 || h == 4'h7 || h == 4'hC);                    // g
            endcase
        end
    endfunction

    initial begin
        errors = 0;
        for (i = 0; i < 16; i = i + 1) begin
            hex = i[3:0];
            for (s = 0; s < 7; s = s + 1)
                e[s] = dark(s, hex);   // active low: dark segment = 1
            #1;
            if (seg !== e) begin
                errors = errors + 1;
                $display("FAIL hex=%h seg(gfedcba)=%b expected=%b", hex, seg, e);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
