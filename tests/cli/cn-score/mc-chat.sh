# --chat: the prompts in the model's chat template (the one cn-sft recorded):
# a model fine-tuned on the questions' own answers in that template scores
# them far above chance with --chat; without a tokenizer_config.json naming a
# template, --chat is a clear error
. $TOP/tests/cli/cn-sft/common.inc
Q=$DATA/mc/questions.jsonl
/usr/bin/python3 - $Q > qa.jsonl <<'PY'
import json, sys
for l in open(sys.argv[1]):
    q = json.loads(l)
    print(json.dumps({"messages": [{"role": "user", "content": q["question"]}, {"role": "assistant", "content": q["choices"][q["answer"]]}]}))
PY
cn-sft -q --init base --template chipnemo --out s --seq-len 128 --micro-batch 4 --steps 60 --lr 1e-2 qa.jsonl
cn-score mc -q -m s --chat --threads 1 $Q > out.jsonl
acc=$(grep '"metric": "acc"' out.jsonl | sed 's/.*"value": \([0-9.e-]*\),.*/\1/')
awk -v a="$acc" 'BEGIN { exit !(a >= 0.75) }' || { echo "acc $acc with --chat"; exit 1; }
cn-score mc -q -m s --chat --shots 2 --dev $Q --threads 1 $Q --limit 4 | grep -q '"shots": 2'
if cn-score mc -q -m base --chat $Q 2> err; then echo "--chat without a template worked"; exit 1; fi
grep -q 'cn-score: --chat: .*tokenizer_config.json' err
