# exit: 1
# stderr: ^cn-mix: t.tok: byte [0-9]+: truncated shard
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
head -c $(( $(stat -c %s a.tok) - 10 )) a.tok > t.tok
cn-mix 1:t.tok > out.tok
