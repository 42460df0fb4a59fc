# exit: 1
# stderr: ^cn-vocab: in.jsonl:2: malformed JSON
printf '{"text": "a b"}\n{"text": \n' > in.jsonl
cn-vocab train -q --type byte-bpe --vocab-size 300 in.jsonl -o out.json
