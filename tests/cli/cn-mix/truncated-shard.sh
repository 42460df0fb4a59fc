# stderr: ^cn-mix: t.tok: byte [0-9]+: truncated shard
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
head -c $(( $(stat -c %s a.tok) - 10 )) a.tok > t.tok
expect 1 cn-mix 1:t.tok > out.tok
