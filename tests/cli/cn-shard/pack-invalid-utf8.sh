# exit: 1
# stderr: ^cn-shard: in.jsonl:3: invalid UTF-8 at byte 13$
printf '{"ids": [1]}\n\n{"note": "ca\xe9", "ids": [2]}\n' > in.jsonl
cn-shard pack --vocab-size 10 -o out.tok in.jsonl
