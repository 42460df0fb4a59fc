# stderr: ^cn-shard: in.jsonl:3: invalid UTF-8 at byte 13$
. "$TOP/tests/cli/lib.sh"
printf '{"ids": [1]}\n\n{"note": "ca\xe9", "ids": [2]}\n' > in.jsonl
expect 1 cn-shard pack --vocab-size 10 -o out.tok in.jsonl
