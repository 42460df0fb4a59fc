# stderr: in.jsonl:1: ids\[1\] is not an integer in \[0, 10\)
. "$TOP/tests/cli/lib.sh"
printf '{"ids": [1, 10]}\n' > in.jsonl
expect 1 cn-shard pack --vocab-size 10 -o out.tok in.jsonl
