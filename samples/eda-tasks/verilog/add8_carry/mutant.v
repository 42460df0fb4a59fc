module add8_carry (
    input  [7:0] a,
    input  [7:0] b,
    input        cin,
    output [7:0] sum,
    output       cout
);
    wire [8:0] ab = a + b;
    assign sum  = ab[7:0] + cin;
    assign cout = ab[8];
endmodule
