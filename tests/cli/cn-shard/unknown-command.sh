# stderr: unknown command 'frobnicate'
. "$TOP/tests/cli/lib.sh"
expect 2 cn-shard frobnicate
