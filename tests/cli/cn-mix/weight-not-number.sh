# exit: 2
# stderr: weight must be a positive number
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
cn-mix abc:a.tok > out.tok
