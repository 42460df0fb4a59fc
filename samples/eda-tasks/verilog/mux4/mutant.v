module mux4 (
    input  [7:0] d0,
    input  [7:0] d1,
    input  [7:0] d2,
    input  [7:0] d3,
    input  [1:0] sel,
    output [7:0] y
);
    assign y = sel[0] ? (sel[1] ? d3 : d2) : (sel[1] ? d1 : d0);
endmodule
