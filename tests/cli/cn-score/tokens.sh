# per file and kind; B against A; the JSON keys DESIGN.md gives
. "$TOP/tests/cli/lib.sh"
printf '{"text": "Hello, my dog is cute", "kind": "doc"}\n{"text": "module top; endmodule", "kind": "code"}\n' > d.jsonl
cn-score tokens -q -t $DATA/tok/tiny-spm.json -t $DATA/tok/tiny-metaspace.json d.jsonl > out.jsonl
test "$(wc -l < out.jsonl)" = 21
grep -q '"task": "tokens", "metric": "bytes", "value": 42, "n": 2, "model": ".*tiny-spm.json", "data": "d.jsonl", "kind": "all"' out.jsonl
grep -q '"metric": "token_change", "value": [-0-9.e]*, "n": 1, .*"kind": "code"' out.jsonl
a=$(cn-tokenize -q -t $DATA/tok/tiny-spm.json d.jsonl | cn-shard stat 2>&1 | sed -n 's/.*"tokens": \([0-9]*\).*/\1/p')
grep -q "\"metric\": \"tokens\", \"value\": $a, \"n\": 2, \"model\": \".*tiny-spm.json\", \"data\": \"d.jsonl\", \"kind\": \"all\"" out.jsonl
cn-score tokens -q --table -t $DATA/tok/tiny-spm.json d.jsonl | grep -q "^d.jsonl  *all  *2  *42 "
