# exit: 2
# stderr: ^cn-rag: no model: give --model DIR$
cn-rag --no-retrieval -p hello
