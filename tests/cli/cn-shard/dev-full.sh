# exit: 1
# stderr: write error: No space left on device
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
cn-shard dump a.tok > /dev/full
