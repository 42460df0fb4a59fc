# stderr: pack needs --vocab-size
. "$TOP/tests/cli/lib.sh"
expect 2 cn-shard pack < /dev/null
