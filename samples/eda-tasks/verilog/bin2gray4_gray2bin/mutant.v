module bin2gray4_gray2bin (
    input  [3:0] bin,
    input  [3:0] gray,
    output [3:0] gray_out,
    output [3:0] bin_out
);
    assign gray_out = bin ^ (bin >> 1);
    assign bin_out  = gray ^ (gray >> 1) ^ (gray >> 2);
endmodule
