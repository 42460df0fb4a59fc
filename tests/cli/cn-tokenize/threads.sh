# one thread or several: the same bytes, in document order
. "$TOP/tests/cli/lib.sh"
for i in $(seq 3000); do echo "{\"text\": \"document $i: module m$i(input clk); assign y = a ^ b; endmodule\"}"; done > in.jsonl
cn-tokenize -q --threads 1 -t $DATA/tok/tiny-bytelevel.json in.jsonl -o one.tok
cn-tokenize -q --threads 3 -t $DATA/tok/tiny-bytelevel.json in.jsonl -o three.tok
cmp one.tok three.tok
