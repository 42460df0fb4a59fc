# exit: 1
# stderr: ^cn-mix: x.tok: not a token shard \(bad magic\)$
echo 'hello, this is not a shard at all, but long enough to hold a header...' > x.tok
cn-mix 1:x.tok > out.tok
