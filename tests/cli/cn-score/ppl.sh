# cn-score ppl: shards and JSONL of the same documents agree; the loss equals
# PyTorch's over the same windows ([BOS] doc EOS, windows of --seq-len)
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out m --steps 5 --seq-len 32 data.tok
cn-tokenize -q -t $DATA/tok/tiny-spm.json $SAMPLES/docs/domain.jsonl -o dom.tok
cn-score ppl -q -m m --seq-len 16 --batch 3 dom.tok $SAMPLES/docs/domain.jsonl > out.jsonl
test "$(wc -l < out.jsonl)" = 10
a=$(grep '"metric": "loss"' out.jsonl | head -1 | sed 's/.*"value": \([^,]*\),.*/\1/')
b=$(grep '"metric": "loss"' out.jsonl | tail -1 | sed 's/.*"value": \([^,]*\),.*/\1/')
test "$a" = "$b"
grep -q '"metric": "bytes", "value": 7453, "n": 16' out.jsonl
cn-shard dump -q dom.tok > ids.jsonl
/usr/bin/python3 - m ids.jsonl 16 "$a" <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["TOP"] + "/tests/ref")
import torch
from torch_model import read_safetensors, llama
d, ids_path, t, want = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
cfg = json.load(open(d + "/config.json"))
p = read_safetensors(d + "/model.safetensors")
nll, count = 0.0, 0
for line in open(ids_path):
    seq = [1] + json.loads(line)["ids"] + [2]   # tiny-spm: <s> = 1; the config's EOS = 2
    for at in range(0, len(seq) - 1, t):
        x = seq[at:at + t]
        y = seq[at + 1:at + t + 1]
        n = len(y)
        x = x[:n]
        inp = {"ids": torch.tensor([x], dtype=torch.int32), "pos": torch.arange(n, dtype=torch.int32)[None],
               "targets": torch.tensor([y], dtype=torch.int32)}
        logits, loss = llama(cfg, p, inp)
        nll += loss.item() * n
        count += n
got = nll / count
assert abs(got - want) <= 1e-4 * abs(want), (got, want)
PY
