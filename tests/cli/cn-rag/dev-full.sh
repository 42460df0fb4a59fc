# stderr: ^cn-rag: <stdout>: write error: No space left on device$
. $TOP/tests/cli/cn-rag/common.inc
expect 1 cn-rag --no-retrieval -q -m m -p "The chip" --max-new-tokens 8 > /dev/full
