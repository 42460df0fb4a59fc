# without a mode (ask, chat or --no-retrieval), a usage error
# stderr: ^cn-rag: no mode: give ask or chat
. "$TOP/tests/cli/lib.sh"
expect 2 cn-rag -m m -p hello
