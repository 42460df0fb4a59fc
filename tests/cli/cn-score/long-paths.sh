# results name their files whole, however long the path: the JSON lines (a
# path of about 3,000 bytes, beyond the 2,048 bytes a line once held) and the
# table, which also says which tokenizer is A and which B; unigram -q prints
# its results and nothing on stderr
. $TOP/tests/cli/cn-pretrain/common.inc
d=$(printf 'directory-of-sixty-characters-%030d/' $(seq 50) | tr -d '\n')
mkdir -p "$d"
printf '{"text": "module top; endmodule"}\n' > "$d/doc.jsonl"
[ ${#d} -gt 2900 ]
cn-score tokens -q -t $DATA/tok/tiny-spm.json "$d/doc.jsonl" > out.jsonl
[ "$(wc -l < out.jsonl)" = 3 ]
grep -qF "\"data\": \"$d/doc.jsonl\", \"kind\": \"all\"}" out.jsonl
cn-score tokens -q --table -t $DATA/tok/tiny-spm.json -t $DATA/tok/tiny-metaspace.json "$d/doc.jsonl" > table.txt
grep -qx "tokenizer A: $DATA/tok/tiny-spm.json" table.txt
grep -qx "tokenizer B: $DATA/tok/tiny-metaspace.json" table.txt
grep -qF "$d/doc.jsonl " table.txt
cp data.tok "$d/data.tok"
cn-score unigram -q --train "$d/data.tok" "$d/data.tok" > u.jsonl 2> err
[ "$(wc -l < u.jsonl)" = 2 ]
grep -qF "\"model\": \"$d/data.tok\", \"data\": \"$d/data.tok\"}" u.jsonl
[ ! -s err ]
