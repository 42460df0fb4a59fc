# retrieval is a later issue: without --no-retrieval or chat, a usage error
# stderr: ^cn-rag: retrieval is not there yet
. "$TOP/tests/cli/lib.sh"
expect 2 cn-rag -m m -p hello
