# a given domain tokenizer; new ids after the base's; the base's ids unchanged
. "$TOP/tests/cli/lib.sh"
for i in $(seq 30); do echo '{"text": "always @(posedge clk) begin q <= d; end endmodule always posedge"}'; done > d.jsonl
for i in $(seq 30); do echo '{"text": "the river runs by the old city and the people sing"}'; done > g.jsonl
cn-vocab train -q --type spm-bpe --vocab-size 360 d.jsonl -o dom.json
cn-vocab augment -q --base $DATA/tok/tiny-spm.json --domain-tokenizer dom.json --domain d.jsonl --general g.jsonl \
    --add 5 --min-fire 0.6 --map map.jsonl -o aug.json
test "$(wc -l < map.jsonl)" = 5
base=$(node -e 'console.log(Object.keys(JSON.parse(require("fs").readFileSync(process.argv[1])).model.vocab).length)' $DATA/tok/tiny-spm.json)
head -1 map.jsonl | grep -q "^{\"id\":$base,\"piece\":"
cn-tokenize -q -t $DATA/tok/tiny-spm.json g.jsonl | cn-shard dump -q | sed 's/, "text_bytes.*//' > a
cn-tokenize -q -t aug.json g.jsonl | cn-shard dump -q | sed 's/, "text_bytes.*//' > b
cmp a b
