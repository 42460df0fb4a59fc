module tb;
    reg  [7:0] a, b;
    reg        cin;
    wire [7:0] sum;
    wire       cout;
    integer i, total, errors;

    add8_carry dut (.a(a), .b(b), .cin(cin), .sum(sum), .cout(cout));

    initial begin
        errors = 0;
        // exhaustive: all 2^17 combinations of a, b, cin
        for (i = 0; i < 131072; i = i + 1) begin
            {cin, a, b} = i[16:0];
            total = a;
            total = total + b;
            total = total + cin;
            #1;
            if (sum !== total % 256 || cout !== (total >= 256)) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL a=%0d b=%0d cin=%b sum=%0d cout=%b expected sum=%0d cout=%0d",
                             a, b, cin, sum, cout, total % 256, total >= 256);
            end
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
