# stderr: made by another tokenizer than .*tiny-spm.json \(--force
. "$TOP/tests/cli/lib.sh"
echo '{"text": "abc"}' | cn-tokenize -q -t $DATA/tok/tiny-bert.json > a.tok
expect 1 cn-tokenize -t $DATA/tok/tiny-spm.json --decode a.tok > out.jsonl
