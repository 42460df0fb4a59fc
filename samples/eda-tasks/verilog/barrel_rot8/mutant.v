module barrel_rot8 (
    input  [7:0] in,
    input  [2:0] amt,
    output [7:0] out
);
    assign out = (in << amt) | (in >> (3'd7 - amt));
endmodule
