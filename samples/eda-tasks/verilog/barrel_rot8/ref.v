module barrel_rot8 (
    input  [7:0] in,
    input  [2:0] amt,
    output [7:0] out
);
    wire [7:0] r1 = amt[0] ? {in[6:0], in[7]}   : in;
    wire [7:0] r2 = amt[1] ? {r1[5:0], r1[7:6]} : r1;
    assign out    = amt[2] ? {r2[3:0], r2[7:4]} : r2;
endmodule
