# stdin cannot be repeated: asking for more tokens than it holds is an error
# stderr: <stdin>: ran out after 3 documents and stdin cannot be read again
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 1 cn-mix --tokens 100 1:- < a.tok > out.tok
