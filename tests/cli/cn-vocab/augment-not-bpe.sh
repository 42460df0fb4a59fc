# stderr: ^cn-vocab: base: not a BPE tokenizer
. "$TOP/tests/cli/lib.sh"
echo '{"text": "x"}' > d.jsonl
expect 1 cn-vocab augment -q --base $DATA/tok/tiny-bert.json --domain d.jsonl --general d.jsonl --add 10 -o out.json
[ ! -e out.json ]
