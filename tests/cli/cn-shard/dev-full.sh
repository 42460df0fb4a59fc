# stderr: write error: No space left on device
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 1 cn-shard dump a.tok > /dev/full
