# exit: 2
# stderr: weight must be a positive number
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
cn-mix -- -1:a.tok > out.tok
