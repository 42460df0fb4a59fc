# a record that is no conversation, and one with nothing to answer: <stdin>:LINE
# exit: 0
. $TOP/tests/cli/cn-rag/common.inc
set +e
printf '{"messages": [{"role": "user", "content": "x"}]}\n{"messages": [{"role": "bot", "content": "x"}]}\n' |
    cn-rag chat -q -m m --template llama2 --max-new-tokens 4 > out.jsonl 2> err.txt
rc=$?
set -e
test $rc = 1 && grep -q "^cn-rag: <stdin>:2: messages\[0\]: role 'bot'" err.txt
set +e
printf '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}\n' |
    cn-rag chat -q -m m --template llama2 --max-new-tokens 4 > out.jsonl 2> err.txt
rc=$?
set -e
test $rc = 1 && grep -q '^cn-rag: <stdin>:1: the last message is not the user' err.txt
