# stderr: ^cn-vocab: in.jsonl:2: malformed JSON
. "$TOP/tests/cli/lib.sh"
printf '{"text": "a b"}\n{"text": \n' > in.jsonl
expect 1 cn-vocab train -q --type byte-bpe --vocab-size 300 in.jsonl -o out.json
