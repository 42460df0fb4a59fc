# stderr: ^cn-sft: -t other.json: not base/tokenizer.json \(their SHA-256 differ\): give the model's own tokenizer$
# -t must be the model's own tokenizer, by content: tiny-spm written out
# again with one more newline (the same vocabulary, another SHA-256) is refused
. $TOP/tests/cli/cn-sft/common.inc
{ cat $DATA/tok/tiny-spm.json; echo; } > other.json
expect 1 cn-sft -q --init base -t other.json --template chatml --out x --steps 1 --seq-len 64 chat.jsonl
[ ! -e x ]
