# a base model grown to an augmented tokenizer: new embedding and head rows are
# the mean of their base pieces' rows (--head-init zero: zero head rows)
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out base --steps 3 --seq-len 32 data.tok
cn-vocab augment -q --base $DATA/tok/tiny-spm.json --domain $SAMPLES/docs/domain.jsonl --general $SAMPLES/docs/general.jsonl \
    --add 12 --min-fire 0.5 --map map.jsonl -o aug.json
cn-tokenize -q -t aug.json $SAMPLES/docs/domain.jsonl -o dom.tok
# without the map: refused, with the hint to give it
expect 1 cn-pretrain -q --init base -t aug.json --out nomap --steps 1 --seq-len 32 dom.tok 2> err
grep -qx "cn-pretrain: aug.json: 662 tokens, beyond the 650 embedding rows of the model (base): for a tokenizer augmented by cn-vocab augment, give its --vocab-map MAP.jsonl to grow the model" err
[ ! -e nomap ]
cn-pretrain -q --init base -t aug.json --vocab-map map.jsonl --out grown --steps 1 --lr 1e-20 --seq-len 32 dom.tok
cn-pretrain -q --init base -t aug.json --vocab-map map.jsonl --head-init zero --out zero --steps 1 --lr 1e-20 --seq-len 32 dom.tok
tr -d ' \t\n' < grown/config.json | grep -q '"vocab_size":662,'
cmp grown/tokenizer.json aug.json
/usr/bin/python3 - base grown zero map.jsonl <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["TOP"] + "/tests/ref")
from torch_model import read_safetensors
base, grown, zero, mp = sys.argv[1:]
b = read_safetensors(base + "/model.safetensors")
g = read_safetensors(grown + "/model.safetensors")
z = read_safetensors(zero + "/model.safetensors")
for name in ["model.embed_tokens.weight", "lm_head.weight"]:
    assert g[name].shape[0] == 662 and b[name].shape[0] == 650, name
    assert (g[name][:650] - b[name]).abs().max() < 1e-6, name + ": base rows moved"
for line in open(mp):
    e = json.loads(line)
    for name in ["model.embed_tokens.weight", "lm_head.weight"]:
        want = b[name][e["base_ids"]].mean(0)
        assert (g[name][e["id"]] - want).abs().max() < 1e-6, (name, e)
    assert (z["model.embed_tokens.weight"][e["id"]] - b["model.embed_tokens.weight"][e["base_ids"]].mean(0)).abs().max() < 1e-6
    assert z["lm_head.weight"][e["id"]].abs().max() < 1e-6
PY
