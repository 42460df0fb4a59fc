# exit: 1
# stderr: ^cn-vocab: base: not a BPE tokenizer
echo '{"text": "x"}' > d.jsonl
cn-vocab augment -q --base $DATA/tok/tiny-bert.json --domain d.jsonl --general d.jsonl --add 10 -o out.json
st=$?; test ! -e out.json && exit $st
