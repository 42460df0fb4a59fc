# stderr: weight must be a positive number
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 2 cn-mix -- -1:a.tok > out.tok
