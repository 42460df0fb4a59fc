module dec3to8 (
    input  [2:0] a,
    input        en,
    output [7:0] y
);
    assign y = en ? (8'b1000_0000 >> a) : 8'b0000_0000;
endmodule
