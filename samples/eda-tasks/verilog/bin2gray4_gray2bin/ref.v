module bin2gray4_gray2bin (
    input  [3:0] bin,
    input  [3:0] gray,
    output [3:0] gray_out,
    output [3:0] bin_out
);
    assign gray_out = bin ^ (bin >> 1);

    assign bin_out[3] = gray[3];
    assign bin_out[2] = bin_out[3] ^ gray[2];
    assign bin_out[1] = bin_out[2] ^ gray[1];
    assign bin_out[0] = bin_out[1] ^ gray[0];
endmodule
