# stderr: ^cn-shard: in.jsonl:2: malformed JSON at column [0-9]+$
. "$TOP/tests/cli/lib.sh"
printf '{"ids": [1]}\n{"ids": [2,]}\n' > in.jsonl
expect 1 cn-shard pack --vocab-size 10 -o out.tok in.jsonl
