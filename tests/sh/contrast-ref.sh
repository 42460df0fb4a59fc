#!/usr/bin/env bash
# The retriever's contrastive loss against PyTorch: a micro-batch of 4
# queries, their positives and 2 hard negatives each (random token ids,
# padded) through a tiny BERT (build/tests/contrast_ref: libcore's forward,
# mean pooling, L2 norm, InfoNCE at scale 20 and the backward of them all);
# PyTorch (tests/ref/torch_model.py's BERT and autograd) computes the loss
# with sentence-transformers' MultipleNegativesRankingLoss semantics (cosine
# x scale against every positive and negative, cross-entropy with the own
# positive as the label) and every parameter's gradient: within 1e-5 of each
# tensor's largest value (1e-7 of the largest gradient where that is ~0). Then at scale 100 (e5's temperature 0.01).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
. "$TOP/tests/cli/cn-embed/common.inc"
for scale in 20 100; do
    "$BUILD/tests/contrast_ref" enc 4 2 12 $scale 3 out.safetensors
    /usr/bin/python3 - enc out.safetensors $scale <<'PY'
import json, os, sys
import torch
sys.path.insert(0, os.environ["TOP"] + "/tests/ref")
from torch_model import read_safetensors, bert
d, outf, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
torch.set_num_threads(1)
cfg = json.load(open(d + "/config.json"))
p = {k: v.requires_grad_(True) for k, v in read_safetensors(d + "/model.safetensors").items()}
out = read_safetensors(outf)
ids, valid = out["ids"].long(), out["valid"].bool()
n, t = ids.shape
inp = {"ids": ids, "pos": torch.arange(t).expand(n, t), "types": torch.zeros(n, t, dtype=torch.long), "valid": valid,
       "dhidden": torch.zeros(n, t, cfg["hidden_size"])}
h, _ = bert(cfg, p, inp)
m = valid.unsqueeze(-1).float()
v = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1)
nq = n // 4  # queries, positives, then 2 x as many negatives
q, c = v[:nq], v[nq:]
scores = scale * q @ c.T  # cos_sim: the vectors are unit
loss = torch.nn.functional.cross_entropy(scores, torch.arange(nq))
loss.backward()
worst = 0
assert abs(out["loss"].item() - loss.item()) <= 1e-5 * abs(loss.item()), (out["loss"].item(), loss.item())
top = max(v.grad.abs().max().item() for v in p.values())
for k, v in p.items():  # atol + rtol |ref|: 1e-7 of the largest gradient of all, 1e-5 of this one's
    got, ref = out["grad." + k], v.grad
    err = (got - ref).abs().max().item()
    assert err <= 1e-7 * top + 1e-5 * ref.abs().max().item(), (k, err, ref.abs().max().item())
    worst = max(worst, err / max(ref.abs().max().item(), 1e-30) if ref.abs().max().item() > 1e-3 * top else 0)
print("ok   scale %g: loss %.6f as PyTorch's, %d gradients within %.1e of their largest value" % (scale, loss.item(), len(p), worst))
PY
done
