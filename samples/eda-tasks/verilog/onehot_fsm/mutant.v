module onehot_fsm (
    input            clk,
    input            rst_n,
    input            go,
    input            stop,
    output reg [3:0] state
);
    localparam IDLE  = 4'b0001,
               RUN   = 4'b0010,
               PAUSE = 4'b0100,
               DONE  = 4'b1000;

    reg [3:0] next;

    always @(*) begin
        case (state)
            IDLE:    next = go ? RUN : IDLE;
            RUN:     if (stop) next = DONE;
                     else if (!go) next = PAUSE;
                     else next = RUN;
            PAUSE:   if (go) next = RUN;
                     else if (stop) next = DONE;
                     else next = PAUSE;
            DONE:    next = IDLE;
            default: next = IDLE;
        endcase
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n)
            state <= IDLE;
        else
            state <= next;
    end
endmodule
