# retrieval is a later issue: without --no-retrieval or chat, a usage error
# exit: 2
# stderr: ^cn-rag: retrieval is not there yet
cn-rag -m m -p hello
