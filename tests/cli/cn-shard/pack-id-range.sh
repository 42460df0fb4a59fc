# exit: 1
# stderr: in.jsonl:1: ids\[1\] is not an integer in \[0, 10\)
printf '{"ids": [1, 10]}\n' > in.jsonl
cn-shard pack --vocab-size 10 -o out.tok in.jsonl
