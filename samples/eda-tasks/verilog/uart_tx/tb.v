module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    localparam C = 5;   // CLKS_PER_BIT used for this test

    reg        rst = 1'b1, start = 1'b0;
    reg  [7:0] data = 8'd0;
    wire       tx, busy;

    uart_tx #(.CLKS_PER_BIT(C)) dut (.clk(clk), .rst(rst), .start(start), .data(data),
                                     .tx(tx), .busy(busy));

    integer errors = 0;
    integer i;
    integer seed = 9600;
    // model
    reg       m_busy;
    integer   k;           // edges since the frame's edge 0
    reg [9:0] frame;       // frame bits, bit 0 sent first
    reg       exp_tx;
    integer   n_frames = 0;

    initial begin
        #200000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        m_busy = 1'b0; k = 0; frame = 10'h3FF; exp_tx = 1'b1;
        for (i = 0; i < 2500; i = i + 1) begin
            @(negedge clk);
            rst   = (i < 2) || (i == 1234);        // one reset in the middle of a frame
            start = (i % 97 < 50) ? 1'b1 : ({$random(seed)} % 6 == 0);
            data  = $random(seed);                  // changes every cycle, also while busy
            @(posedge clk);
            if (rst) begin
                m_busy = 1'b0;
            end else if (!m_busy) begin
                if (start) begin
                    m_busy = 1'b1;
                    k = 0;
                    frame = {1'b1, data, 1'b0};
                    n_frames = n_frames + 1;
                end
            end else begin
                k = k + 1;
                if (k == 10 * C) m_busy = 1'b0;
            end
            exp_tx = m_busy ? frame[k / C] : 1'b1;
            #1;
            if (tx !== exp_tx || busy !== m_busy) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d (k=%0d): tx=%b busy=%b expected %b %b",
                             i, k, tx, busy, exp_tx, m_busy);
            end
        end
        if (n_frames < 20) begin
            errors = errors + 1;
            $display("FAIL testbench sent too few frames (%0d)", n_frames);
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
