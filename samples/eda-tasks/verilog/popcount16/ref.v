module popcount16 (
    input  [15:0] in,
    output [4:0]  count
);
    // adder tree: pairs, nibbles, bytes, halves
    wire [15:0] s1 = (in & 16'h5555) + ((in >> 1) & 16'h5555);
    wire [15:0] s2 = (s1 & 16'h3333) + ((s1 >> 2) & 16'h3333);
    wire [15:0] s3 = (s2 & 16'h0F0F) + ((s2 >> 4) & 16'h0F0F);
    assign count = s3[4:0] + s3[12:8];
endmodule
