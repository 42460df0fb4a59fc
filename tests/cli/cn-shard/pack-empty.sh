# empty input: a valid shard of no documents
. "$TOP/tests/cli/lib.sh"
: > in.jsonl
cn-shard pack --vocab-size 10 -o out.tok in.jsonl
cn-shard stat out.tok | grep -q '"shards": 1, "docs": 0, "tokens": 0'
