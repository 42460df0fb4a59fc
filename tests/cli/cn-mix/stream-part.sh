# a stream stopped before its end: its epochs are not known, and the summary says so
# stderr: <stdin>: weight 0.5000, [0-9]+ docs, [0-9]+ tokens, under 1 epoch \(size not known yet\)
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok
cat a.tok a.tok a.tok | cn-mix --tokens 8 1:- 1:b.tok > out.tok
