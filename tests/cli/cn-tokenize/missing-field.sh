# exit: 1
# stderr: ^cn-tokenize: in.jsonl:2: missing field 'body'$
printf '{"body": "a"}\n{"text": "b"}\n' > in.jsonl
cn-tokenize -t $DATA/tok/tiny-spm.json --field body in.jsonl -o out.tok
