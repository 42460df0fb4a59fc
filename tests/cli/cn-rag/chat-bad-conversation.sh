# a record that is no conversation, and one with nothing to answer: <stdin>:LINE
. $TOP/tests/cli/cn-rag/common.inc
printf '{"messages": [{"role": "user", "content": "x"}]}\n{"messages": [{"role": "bot", "content": "x"}]}\n' |
    expect 1 cn-rag chat -q -m m --template llama2 --max-new-tokens 4 > out.jsonl 2> err.txt
grep -q "^cn-rag: <stdin>:2: messages\[0\]: role 'bot'" err.txt
printf '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}\n' |
    expect 1 cn-rag chat -q -m m --template llama2 --max-new-tokens 4 > out.jsonl 2> err.txt
grep -q '^cn-rag: <stdin>:1: the last message is not the user' err.txt
