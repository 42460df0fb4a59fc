module tb;
    reg  [3:0] bin, gray;
    wire [3:0] gray_out, bin_out;
    reg  [3:0] seq [0:15];   // seq[n] = Gray code of n, built by reflection
    reg  [3:0] e_gray, e_bin;
    integer i, j, k, n, errors;

    bin2gray4_gray2bin dut (.bin(bin), .gray(gray), .gray_out(gray_out), .bin_out(bin_out));

    initial begin
        errors = 0;
        // model: build the reflected code: the upper half is the lower half mirrored with a new top bit
        seq[0] = 4'b0000;
        n = 1;
        for (k = 0; k < 4; k = k + 1) begin
            for (i = 0; i < n; i = i + 1)
                seq[n + i] = seq[n - 1 - i] | (4'b0001 << k);
            n = n * 2;
        end
        for (i = 0; i < 16; i = i + 1) begin
            for (j = 0; j < 16; j = j + 1) begin
                bin  = i[3:0];
                gray = j[3:0];
                e_gray = seq[i];
                e_bin = 4'bxxxx;
                for (k = 0; k < 16; k = k + 1)
                    if (seq[k] == gray) e_bin = k[3:0];
                #1;
                if (gray_out !== e_gray || bin_out !== e_bin) begin
                    errors = errors + 1;
                    if (errors <= 10)
                        $display("FAIL bin=%b gray=%b gray_out=%b bin_out=%b expected gray_out=%b bin_out=%b",
                                 bin, gray, gray_out, bin_out, e_gray, e_bin);
                end
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
