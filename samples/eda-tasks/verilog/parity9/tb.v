module tb;
    reg  [7:0] data;
    reg  [8:0] rx;
    wire       par, err;
    reg        odd_tbl [0:511];   // odd_tbl[v] = 1 when v has an odd number of 1s
    integer i, j, k, ones, errors;
    reg e_par, e_err;

    parity9 dut (.data(data), .rx(rx), .par(par), .err(err));

    initial begin
        errors = 0;
        // model: count the 1s of every 9-bit value once
        for (i = 0; i < 512; i = i + 1) begin
            ones = 0;
            for (k = 0; k < 9; k = k + 1) ones = ones + ((i >> k) & 1);
            odd_tbl[i] = (ones % 2 == 1);
        end
        // exhaustive over all 2^17 combinations of data and rx
        for (i = 0; i < 256; i = i + 1) begin
            data = i[7:0];
            e_par = odd_tbl[i];          // add a 1 when data has an odd count
            for (j = 0; j < 512; j = j + 1) begin
                rx = j[8:0];
                e_err = odd_tbl[j];
                #1;
                if (par !== e_par || err !== e_err) begin
                    errors = errors + 1;
                    if (errors <= 10)
                        $display("FAIL data=%b rx=%b par=%b err=%b expected par=%b err=%b",
                                 data, rx, par, err, e_par, e_err);
                end
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
