# stderr: warning: q.jsonl: 8 of 8 questions longer than the model's window of 64 tokens, truncated from the left$
# cn-score mc against PyTorch: each choice's log-likelihood is the sum of
# log-softmax over the continuation's tokens of [BOS] + prompt + " " + choice,
# the continuation being the whole's tokens after the prompt's; prompts past
# the window of 64 keep their last 64 inputs (as lm-evaluation-harness)
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out m --steps 5 --seq-len 32 data.tok
head -8 $DATA/mc/questions.jsonl > q.jsonl
cn-score mc -q -m m q.jsonl --details d0.jsonl > out0.jsonl
cn-score mc -q -m m --shots 1 --dev $DATA/mc/dev.jsonl q.jsonl --details d1.jsonl > out1.jsonl
grep -q '"metric": "acc", .*"truncated": 8}' out1.jsonl
grep -q '"metric": "acc", .*"truncated": [0-7]}' out0.jsonl
cat d0.jsonl d1.jsonl > d.jsonl
/usr/bin/python3 - m q.jsonl $DATA/mc/dev.jsonl d.jsonl <<'PY'
import json, os, subprocess, sys
sys.path.insert(0, os.environ["TOP"] + "/tests/ref")
import torch
from torch_model import read_safetensors, llama
d, qpath, devpath, dpath = sys.argv[1:5]
cfg = json.load(open(d + "/config.json"))
p = read_safetensors(d + "/model.safetensors")
W = cfg["max_position_embeddings"]
qs = [json.loads(l) for l in open(qpath)]
dev = [json.loads(l) for l in open(devpath)]
det = [json.loads(l) for l in open(dpath)]
texts = []
for x in det:
    q = qs[x["index"]]
    ctx = "".join("Question: %s\nAnswer: %s\n\n" % (dev[s]["question"], dev[s]["choices"][dev[s]["answer"]]) for s in x["shots"])
    ctx += "Question: %s\nAnswer:" % q["question"]
    texts.append(ctx)
    texts += [ctx + " " + c for c in q["choices"]]
with open("texts.jsonl", "w") as f:
    for t in texts:
        f.write(json.dumps({"text": t}) + "\n")
tok = os.environ["DATA"] + "/tok/tiny-spm.json"
subprocess.run("cn-tokenize -q -t %s texts.jsonl -o texts.tok && cn-shard dump -q texts.tok > ids.jsonl" % tok, shell=True, check=True)
ids = [json.loads(l)["ids"] for l in open("ids.jsonl")]
k, worst, cut = 0, 0.0, 0
for x in det:
    ctx = ids[k]
    k += 1
    truncated = False
    for c, got in enumerate(x["lls"]):
        whole = ids[k]
        k += 1
        seq = [1] + whole  # tiny-spm's post-processor: <s> = 1 before the text
        ncont = len(whole) - len(ctx)
        assert ncont >= 1 and whole[:len(ctx)] == ctx
        inp = seq[-(W + 1):][:-1]
        truncated |= len(seq) - 1 > W
        cut += len(seq) - 1 > W
        ref = {"ids": torch.tensor([inp], dtype=torch.int32), "pos": torch.arange(len(inp), dtype=torch.int32)[None],
               "targets": torch.tensor([seq[-(W + 1):][1:]], dtype=torch.int32)}
        logits, _ = llama(cfg, p, ref)
        lp = torch.log_softmax(logits[0].double(), dim=-1)
        want = sum(lp[len(inp) - ncont + j, seq[len(seq) - ncont + j]].item() for j in range(ncont))
        worst = max(worst, abs(got - want) / (1 + abs(want)))
        assert abs(got - want) <= 1e-4 * (1 + abs(want)), (x["index"], c, got, want)
    assert x["truncated"] == truncated, x
assert 0 < cut < len(det) * 4
print("largest |ll - torch| / (1 + |torch|):", worst, file=sys.stderr)
PY
