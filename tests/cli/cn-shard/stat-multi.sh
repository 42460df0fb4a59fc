# shards written separately concatenate into one stream, plain or compressed
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok.zst; mkshard c.tok.zst
cat b.tok.zst c.tok.zst | cn-shard stat | grep -q '"shards": 2, "docs": 6' || exit 1
cat a.tok a.tok | cn-shard stat | grep -q '"shards": 2, "docs": 6, "tokens": 18, "text_bytes": 78'
