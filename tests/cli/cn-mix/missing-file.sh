# stderr: ^cn-mix: nope.tok: cannot open: No such file or directory$
. "$TOP/tests/cli/lib.sh"
expect 1 cn-mix 1:nope.tok > out.tok
