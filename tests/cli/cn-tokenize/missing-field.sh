# stderr: ^cn-tokenize: in.jsonl:2: missing field 'body'$
. "$TOP/tests/cli/lib.sh"
printf '{"body": "a"}\n{"text": "b"}\n' > in.jsonl
expect 1 cn-tokenize -t $DATA/tok/tiny-spm.json --field body in.jsonl -o out.tok
