module traffic_fsm (
    input            clk,
    input            rst,
    output reg [2:0] light
);
    localparam GREEN  = 3'b001,
               YELLOW = 3'b010,
               RED    = 3'b100;

    reg [2:0] timer;   // cycles already spent in the current phase

    always @(posedge clk) begin
        if (rst) begin
            light <= GREEN;
            timer <= 3'd0;
        end else begin
            case (light)
                GREEN:
                    if (timer == 3'd4) begin light <= YELLOW; timer <= 3'd0; end
                    else timer <= timer + 3'd1;
                YELLOW:
                    if (timer == 3'd1) begin light <= RED; timer <= 3'd0; end
                    else timer <= timer + 3'd1;
                RED:
                    if (timer == 3'd3) begin light <= GREEN; timer <= 3'd0; end
                    else timer <= timer + 3'd1;
                default: begin
                    light <= GREEN;
                    timer <= 3'd0;
                end
            endcase
        end
    end
endmodule
