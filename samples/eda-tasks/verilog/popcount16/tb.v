module tb;
    reg  [15:0] in;
    wire [4:0]  count;
    reg  [7:0]  t;
    integer     byte_cnt [0:255];
    integer i, n, errors;

    popcount16 dut (.in(in), .count(count));

    initial begin
        errors = 0;
        // model: per-byte counts (clear the lowest set bit until nothing is left)
        for (i = 0; i < 256; i = i + 1) begin
            t = i[7:0];
            n = 0;
            while (t != 8'd0) begin
                t = t & (t - 8'd1);
                n = n + 1;
            end
            byte_cnt[i] = n;
        end
        for (i = 0; i < 65536; i = i + 1) begin
            in = i[15:0];
            n = byte_cnt[in[15:8]] + byte_cnt[in[7:0]];
            #1;
            if (count !== n) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL in=%b count=%0d expected=%0d", in, count, n);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
