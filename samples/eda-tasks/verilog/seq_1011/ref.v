module seq_1011 (
    input      clk,
    input      rst,
    input      din,
    output reg detect
);
    localparam S_IDLE = 3'd0,   // nothing useful seen
               S_1    = 3'd1,   // seen 1
               S_10   = 3'd2,   // seen 10
               S_101  = 3'd3,   // seen 101
               S_1011 = 3'd4;   // seen 1011 (match)

    reg [2:0] state, next;

    always @(*) begin
        case (state)
            S_IDLE: next = din ? S_1    : S_IDLE;
            S_1:    next = din ? S_1    : S_10;
            S_10:   next = din ? S_101  : S_IDLE;
            S_101:  next = din ? S_1011 : S_10;
            S_1011: next = din ? S_1    : S_10;
            default: next = S_IDLE;
        endcase
    end

    always @(posedge clk) begin
        if (rst)
            state <= S_IDLE;
        else
            state <= next;
    end

    always @(*) detect = (state == S_1011);
endmodule
