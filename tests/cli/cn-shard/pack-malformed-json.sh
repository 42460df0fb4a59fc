# exit: 1
# stderr: ^cn-shard: in.jsonl:2: malformed JSON at column [0-9]+$
printf '{"ids": [1]}\n{"ids": [2,]}\n' > in.jsonl
cn-shard pack --vocab-size 10 -o out.tok in.jsonl
