module abs_diff8 (
    input  [7:0] a,
    input  [7:0] b,
    output [7:0] d
);
    wire [7:0] diff = a - b;
    assign d = diff[7] ? -diff : diff;
endmodule
