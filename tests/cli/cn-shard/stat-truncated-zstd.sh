# stderr: truncated zstd frame
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
zstd -q a.tok -o a.tok.zst
head -c $(( $(stat -c %s a.tok.zst) - 3 )) a.tok.zst > t.zst
expect 1 cn-shard stat t.zst
