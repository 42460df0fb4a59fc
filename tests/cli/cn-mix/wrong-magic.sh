# stderr: ^cn-mix: x.tok: not a token shard \(bad magic\)$
. "$TOP/tests/cli/lib.sh"
echo 'hello, this is not a shard at all, but long enough to hold a header...' > x.tok
expect 1 cn-mix 1:x.tok > out.tok
