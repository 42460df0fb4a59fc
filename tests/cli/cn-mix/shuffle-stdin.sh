# stderr: --shuffle needs random access
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 2 cn-mix --shuffle 1:- < a.tok > out.tok
