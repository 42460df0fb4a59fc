. "$TOP/tests/cli/lib.sh"
cn-rag --help | grep -q '^Usage: cn-rag --no-retrieval --model DIR'
cn-rag --help | grep -q -- '--repetition-penalty'
cn-rag --version | grep -q '^cn-rag '
