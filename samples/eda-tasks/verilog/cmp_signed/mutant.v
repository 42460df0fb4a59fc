module cmp_signed (
    input  [7:0] a,
    input  [7:0] b,
    output       lt,
    output       eq,
    output       gt
);
    wire signed [7:0] sa = a;
    assign lt = sa < b;
    assign eq = sa == b;
    assign gt = sa > b;
endmodule
