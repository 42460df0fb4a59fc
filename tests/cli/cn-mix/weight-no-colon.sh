# stderr: expected WEIGHT:PATH
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 2 cn-mix a.tok > out.tok
