# a blend from a pipe on stdin, one epoch, with a file that repeats
# stderr: <stdin>: weight 0.5000, 3 docs, 9 tokens, 1.00 epochs
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok
cat a.tok | cn-mix 1:- 1:b.tok > out.tok
