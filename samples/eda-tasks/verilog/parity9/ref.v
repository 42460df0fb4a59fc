module parity9 (
    input  [7:0] data,
    input  [8:0] rx,
    output       par,
    output       err
);
    assign par = ^data;
    assign err = ^rx;
endmodule
