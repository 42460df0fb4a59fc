# stderr: ^cn-rag: nowhere
. "$TOP/tests/cli/lib.sh"
expect 1 cn-rag --no-retrieval -m nowhere -p hello
