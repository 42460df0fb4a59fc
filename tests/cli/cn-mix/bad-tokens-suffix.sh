# stderr: option --tokens: .*unknown suffix
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 2 cn-mix --tokens 5X 1:a.tok > out.tok
