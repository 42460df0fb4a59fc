#!/usr/bin/env bash
# cn-embed encode against references that share none of its code: Hugging
# Face tokenizers (Node, make ref) gives the ids of each prompted text, [CLS]
# and [SEP] included, cut to the model's 64 positions as transformers cuts
# (the text's tokens, [SEP] kept); PyTorch (tests/ref/torch_model.py's BERT,
# one text at a time, no padding) gives the hidden states, mean-pooled and
# normalised as sentence-transformers' Pooling and Normalize do. Our
# vectors, made in length-sorted padded batches, agree within 1e-5.
set -euo pipefail
. "$TOP/tests/sh/hf-ref.inc"
need_hf_ref
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
. "$TOP/tests/cli/cn-embed/common.inc"
/usr/bin/python3 - > texts.jsonl <<'PY'
import json
texts = ["What does a two-flop synchronizer do?", "setup time", "Ünïcode café, naïve résumé",
         "x", "A longer text " + "that keeps going " * 20 + "past the positions.",
         "opt_clean removes unused cells and wires", "Gray-coded FIFO pointers cross clock domains safely."]
for t in texts * 6:  # 42: more than one batch of 32, sorted by length
    print(json.dumps({"text": t}))
PY
cn-embed encode -q --threads 2 -m enc --as query texts.jsonl -o ours.npy 2> err
grep -qx "cn-embed: 6 of 42 texts cut to the encoder's 64 positions" err
/usr/bin/python3 -c '
import json, sys
for l in open("texts.jsonl"): print(json.dumps({"text": "query: " + json.loads(l)["text"]}))' > prompted.jsonl
node "$TOP/tests/ref/hf.js" enc/tokenizer.json prompted.jsonl add1 > ids.txt
/usr/bin/python3 - enc ids.txt ours.npy <<'PY'
import json, os, sys
import numpy as np, torch
sys.path.insert(0, os.environ["TOP"] + "/tests/ref")
from torch_model import read_safetensors, bert
d, idf, ours = sys.argv[1:]
cfg = json.load(open(d + "/config.json"))
p = read_safetensors(d + "/model.safetensors")
mine = np.load(ours)
worst = 0
for i, line in enumerate(open(idf)):
    ids = json.loads(line)
    if len(ids) > cfg["max_position_embeddings"]:  # the text's tokens cut, [SEP] kept
        ids = ids[:cfg["max_position_embeddings"] - 1] + ids[-1:]
    t = len(ids)
    inp = {"ids": torch.tensor([ids]), "pos": torch.arange(t).view(1, t), "types": torch.zeros(1, t, dtype=torch.long),
           "dhidden": torch.zeros(1, t, cfg["hidden_size"])}
    with torch.no_grad():
        h, _ = bert(cfg, p, inp)
        v = torch.nn.functional.normalize(h.mean(1), dim=-1)[0].numpy()
    worst = max(worst, float(np.abs(v - mine[i]).max()))
assert mine.shape == (i + 1, cfg["hidden_size"]), mine.shape
assert worst <= 1e-5, worst
print("ok   %d texts: HF tokenizers + PyTorch BERT, mean pooling, L2 norm: largest difference %.1e" % (i + 1, worst))
PY
