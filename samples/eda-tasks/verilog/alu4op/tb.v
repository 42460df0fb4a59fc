module tb;
    reg  [7:0] a, b;
    reg  [1:0] op;
    wire [7:0] y;
    wire       zero;
    integer i, k, r, seed, errors;
    reg [7:0] e;

    alu4op dut (.a(a), .b(b), .op(op), .y(y), .zero(zero));

    task check;
        begin
            // model: integer arithmetic then reduce mod 256; bitwise ops bit by bit
            case (op)
                2'd0: r = (a + 0) + (b + 0);
                2'd1: r = (a + 0) - (b + 0) + 256;
                default: r = 0;
            endcase
            if (op == 2'd2 || op == 2'd3)
                for (k = 0; k < 8; k = k + 1)
                    r = r + ((op == 2'd2 ? (a[k] && b[k]) : (a[k] != b[k])) << k);
            e = r % 256;
            #1;
            if (y !== e || zero !== (r % 256 == 0)) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("FAIL op=%b a=%h b=%h y=%h zero=%b expected y=%h zero=%b",
                             op, a, b, y, zero, e, (r % 256 == 0));
            end
        end
    endtask

    initial begin
        errors = 0;
        seed = 32'h00C0_FFEE;
        // directed corners for every op
        for (i = 0; i < 64; i = i + 1) begin
            op = i[1:0];
            case (i[5:2])
                4'd0: begin a = 8'h00; b = 8'h00; end
                4'd1: begin a = 8'hFF; b = 8'h01; end
                4'd2: begin a = 8'h01; b = 8'hFF; end
                4'd3: begin a = 8'h80; b = 8'h80; end
                4'd4: begin a = 8'h55; b = 8'h55; end
                4'd5: begin a = 8'hAA; b = 8'h55; end
                4'd6: begin a = 8'h00; b = 8'h01; end
                4'd7: begin a = 8'h7F; b = 8'hFF; end
                4'd8: begin a = 8'h10; b = 8'hF0; end
                4'd9: begin a = 8'hFF; b = 8'hFF; end
                4'd10: begin a = 8'h3C; b = 8'hC3; end
                4'd11: begin a = 8'h01; b = 8'h00; end
                4'd12: begin a = 8'h00; b = 8'hFF; end
                4'd13: begin a = 8'h9A; b = 8'h9A; end
                4'd14: begin a = 8'hF0; b = 8'h0F; end
                default: begin a = 8'h40; b = 8'hC0; end
            endcase
            check;
        end
        // random vectors, all ops in turn
        for (i = 0; i < 2000; i = i + 1) begin
            op = i[1:0];
            a = $random(seed);
            b = $random(seed);
            if (i % 16 == 5) b = a;   // make zero results frequent
            check;
        end
        if (errors == 0) $display("PASS");
        else $display("FAIL %0d mismatches", errors);
        $finish;
    end
endmodule
