module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst = 1'b1, en = 1'b0;
    wire [7:0] q;

    lfsr8 dut (.clk(clk), .rst(rst), .en(en), .q(q));

    localparam [7:0] TAPS = 8'b1011_1000;   // bits 7,5,4,3

    integer errors = 0;
    integer i;
    integer seed = 3;
    reg [7:0] s;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        s = 8'h00;
        for (i = 0; i < 600; i = i + 1) begin
            @(negedge clk);
            if (i < 2) begin
                rst = 1'b1; en = 1'b1;
            end else if (i < 300) begin
                rst = 1'b0; en = 1'b1;               // free running: 298 steps
            end else begin
                rst = ({$random(seed)} % 97) == 0;
                en  = ({$random(seed)} % 3) != 0;
            end
            @(posedge clk);
            if (rst)
                s = 8'hA5;
            else if (en)
                s = (s << 1) | {7'd0, ^(s & TAPS)};
            #1;
            if (q !== s) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: rst=%b en=%b q=%h expected %h", i, rst, en, q, s);
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
