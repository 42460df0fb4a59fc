# stderr: ^cn-rag: no model: give --model DIR$
. "$TOP/tests/cli/lib.sh"
expect 2 cn-rag --no-retrieval -p hello
