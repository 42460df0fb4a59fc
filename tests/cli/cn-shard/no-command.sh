# stderr: no command
. "$TOP/tests/cli/lib.sh"
expect 2 cn-shard
