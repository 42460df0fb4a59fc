# stderr: expected WEIGHT:PATH
. "$TOP/tests/cli/lib.sh"
expect 2 cn-mix 0.5: > out.tok
