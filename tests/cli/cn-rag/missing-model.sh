# exit: 1
# stderr: ^cn-rag: nowhere
cn-rag --no-retrieval -m nowhere -p hello
