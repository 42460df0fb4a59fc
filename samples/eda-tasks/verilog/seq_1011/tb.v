module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg  rst = 1'b1, din = 1'b0;
    wire detect;

    seq_1011 dut (.clk(clk), .rst(rst), .din(din), .detect(detect));

    integer errors = 0;
    integer n_match = 0;
    integer i;
    integer seed = 1011;
    reg [3:0] last4;      // last four samples since reset, newest in bit 0
    integer   nbits;      // samples since reset (saturates)
    reg       expect_det;
    reg [6:0] pat;        // directed pattern 1011011 played from bit 6 down
    integer   pat_pos;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        last4 = 4'd0; nbits = 0; expect_det = 1'b0;
        pat = 7'b1011011; pat_pos = -1;
        for (i = 0; i < 900; i = i + 1) begin
            @(negedge clk);
            if (i < 2) begin
                rst = 1'b1; din = 1'b1;
            end else begin
                rst = (i > 10) && (({$random(seed)} % 120) == 0);
                if (pat_pos < 0 && ({$random(seed)} % 25) == 0) pat_pos = 6;
                if (pat_pos >= 0) begin
                    din = pat[pat_pos];
                    pat_pos = pat_pos - 1;
                end else begin
                    din = $random(seed);
                end
            end
            @(posedge clk);
            if (rst) begin
                nbits = 0; last4 = 4'd0;
            end else begin
                last4 = {last4[2:0], din};
                if (nbits < 4) nbits = nbits + 1;
            end
            expect_det = (nbits == 4) && (last4 == 4'b1011);
            if (expect_det) n_match = n_match + 1;
            #1;
            if (detect !== expect_det) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: din=%b detect=%b expected %b", i, din, detect, expect_det);
            end
        end
        if (n_match < 20) begin
            errors = errors + 1;
            $display("FAIL testbench produced too few matches (%0d)", n_match);
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
