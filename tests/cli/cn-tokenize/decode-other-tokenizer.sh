# exit: 1
# stderr: made by another tokenizer than .*tiny-spm.json \(--force
echo '{"text": "abc"}' | cn-tokenize -q -t $DATA/tok/tiny-bert.json > a.tok
cn-tokenize -t $DATA/tok/tiny-spm.json --decode a.tok > out.jsonl
