module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg        rst, en, load;
    reg  [7:0] d;
    wire [7:0] q;

    counter_load dut (.clk(clk), .rst(rst), .en(en), .load(load), .d(d), .q(q));

    integer errors = 0;
    integer i;
    integer seed = 11;
    reg [7:0] model;

    initial begin
        #100000;
        $display("FAIL timeout");
        $finish;
    end

    initial begin
        rst = 1'b1; en = 1'b0; load = 1'b0; d = 8'd0; model = 8'd0;
        for (i = 0; i < 700; i = i + 1) begin
            @(negedge clk);
            if (i == 0) begin
                rst = 1'b1; load = 1'b0; en = 1'b0; d = 8'd0;
            end else if (i == 1) begin
                rst = 1'b0; load = 1'b1; en = 1'b0; d = 8'd252;   // load without en
            end else if (i < 9) begin
                rst = 1'b0; load = 1'b0; en = 1'b1; d = $random(seed); // wrap 255 -> 0
            end else begin
                rst  = ({$random(seed)} % 50) == 0;
                load = ({$random(seed)} % 9) == 0;
                en   = ({$random(seed)} % 4) != 0;
                d    = $random(seed);
            end
            @(posedge clk);
            // reference behaviour
            case ({rst, load, en})
                3'b000: model = model;
                3'b001: model = model + 8'd1;
                3'b010, 3'b011: model = d;
                default: model = 8'h00;
            endcase
            #1;
            if (q !== model) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL cycle %0d: rst=%b load=%b en=%b d=%h q=%h expected %h",
                             i, rst, load, en, d, q, model);
            end
        end
        if (errors == 0)
            $display("PASS");
        else
            $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
