# stderr: weight must be a positive number
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 2 cn-mix abc:a.tok > out.tok
