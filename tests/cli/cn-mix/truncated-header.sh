# stderr: truncated shard \(input ends inside a header\)
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
head -c 40 a.tok > t.tok
expect 1 cn-mix 1:t.tok > out.tok
