module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst = 1'b1, wr_en = 1'b0, rd_en = 1'b0;
    reg  [7:0] din = 8'd0;
    wire [7:0] dout;
    wire       full, empty;
    wire [3:0] count;

    sync_fifo dut (.clk(clk), .rst(rst), .wr_en(wr_en), .din(din), .rd_en(rd_en),
                   .dout(dout), .full(full), .empty(empty), .count(count));

    // model: array kept packed at the front, element 0 is the oldest
    reg [7:0] q [0:7];
    integer   qn;
    reg [7:0] exp_dout;
    integer   errors = 0;
    integer   i, k, mode, seed = 99;
    integer   n_full = 0, n_empty = 0, n_both = 0;
    reg       acc_wr, acc_rd;
    reg [7:0] popped;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        qn = 0; exp_dout = 8'd0; mode = 0;
        for (i = 0; i < 1200; i = i + 1) begin
            @(negedge clk);
            if (i % 60 == 0) mode = {$random(seed)} % 3;  // 0: fill, 1: drain, 2: mixed
            rst = (i < 2) || (i > 10 && ({$random(seed)} % 300) == 0);
            din = $random(seed);
            case (mode)
                0: begin wr_en = ({$random(seed)} % 8) != 0; rd_en = ({$random(seed)} % 4) == 0; end
                1: begin wr_en = ({$random(seed)} % 4) == 0; rd_en = ({$random(seed)} % 8) != 0; end
                default: begin wr_en = $random(seed); rd_en = $random(seed); end
            endcase
            @(posedge clk);
            if (rst) begin
                qn = 0; exp_dout = 8'd0;
            end else begin
                acc_wr = wr_en && (qn < 8);
                acc_rd = rd_en && (qn > 0);
                if (qn == 8 && wr_en) n_full = n_full + 1;
                if (qn == 0 && rd_en) n_empty = n_empty + 1;
                if (acc_wr && acc_rd) n_both = n_both + 1;
                if (acc_rd) begin
                    popped = q[0];
                    for (k = 0; k < 7; k = k + 1) q[k] = q[k + 1];
                    qn = qn - 1;
                    exp_dout = popped;
                end
                if (acc_wr) begin
                    q[qn] = din;
                    qn = qn + 1;
                end
            end
            #1;
            if (dout !== exp_dout || count !== qn[3:0] || full !== (qn == 8) || empty !== (qn == 0)) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: wr=%b rd=%b dout=%h count=%0d full=%b empty=%b expected dout=%h count=%0d",
                             i, wr_en, rd_en, dout, count, full, empty, exp_dout, qn);
            end
        end
        if (n_full < 5 || n_empty < 5 || n_both < 5) begin
            errors = errors + 1;
            $display("FAIL testbench coverage too low (full %0d, empty %0d, both %0d)", n_full, n_empty, n_both);
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
