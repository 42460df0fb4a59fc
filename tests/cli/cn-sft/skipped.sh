# a conversation with nothing to train (no assistant answer) is named with its
# line and counted, and more than --max-skip (default 0) of them stop the run
. $TOP/tests/cli/cn-sft/common.inc
head -1 chat.jsonl > six.jsonl
printf '{"messages": [{"role": "user", "content": "Who answers this?"}]}\n' >> six.jsonl
head -1 chat.jsonl >> six.jsonl
[ "$(wc -l < six.jsonl)" = 3 ]
args=(-q --init base --template chipnemo --steps 1 --seq-len 64)
expect 1 cn-sft "${args[@]}" --out a six.jsonl 2> err
grep -qx 'cn-sft: six.jsonl: 1 conversation skipped (line 2): 1 with no assistant answer, 0 whose answers --seq-len cuts off' err
grep -qx 'cn-sft: 1 conversations skipped, more than --max-skip 0: give each an answer (or a longer --seq-len), or raise --max-skip' err
[ ! -e a ]
cn-sft "${args[@]}" --max-skip 1 --out b six.jsonl 2> err
grep -q 'six.jsonl: 1 conversation skipped (line 2)' err
test -s b/model.safetensors
