# an empty input is a valid stream of no documents
# stderr: empty.tok: weight 1.0000, 0 docs, 0 tokens
. "$TOP/tests/cli/lib.sh"
: > empty.tok
cn-mix 1:empty.tok > out.tok
cn-shard stat out.tok | grep -q '"docs": 0, "tokens": 0'
