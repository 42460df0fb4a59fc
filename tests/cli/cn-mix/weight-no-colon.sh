# exit: 2
# stderr: expected WEIGHT:PATH
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
cn-mix a.tok > out.tok
