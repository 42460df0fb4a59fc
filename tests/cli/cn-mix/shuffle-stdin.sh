# exit: 2
# stderr: --shuffle needs random access
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
cn-mix --shuffle 1:- < a.tok > out.tok
