# stderr: ^cn-sft: bad\.jsonl:2: messages\[1\]
. $TOP/tests/cli/cn-sft/common.inc
{ head -1 chat.jsonl; echo '{"messages": [{"role": "user", "content": "q"}, {"role": "user", "content": "again"}]}'; } > bad.jsonl
expect 1 cn-sft -q --init base --template chatml --out x --steps 1 --seq-len 64 bad.jsonl
