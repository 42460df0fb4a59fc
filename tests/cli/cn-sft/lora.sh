# LoRA: OUT holds the adapter in PEFT's layout (its tensor names, r, alpha,
# target modules); the base is untouched; --merge also writes the merged
# model, which differs from the base only in the adapted projections
. $TOP/tests/cli/cn-sft/common.inc
args=(-q --template llama2 --seq-len 64 --micro-batch 2 --steps 100 --lora-rank 4 --lora-alpha 8 --lora-targets q,v,down --lr 5e-2)
cn-sft --init base --out a --log a.log "${args[@]}" --max-skip 2 chat.jsonl
test -s a/adapter_model.safetensors
test ! -e a/model.safetensors
tr -d ' \t\n' < a/adapter_config.json | grep -q '"peft_type":"LORA"'
tr -d ' \t\n' < a/adapter_config.json | grep -q '"r":4,'
tr -d ' \t\n' < a/adapter_config.json | grep -q '"lora_alpha":8,'
tr -d ' \n\t' < a/adapter_config.json | grep -q '"target_modules":\["q_proj","v_proj","down_proj"\]'
head -c 4000 a/adapter_model.safetensors | grep -q 'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight'
head -c 4000 a/adapter_model.safetensors | grep -q 'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight'
if head -c 4000 a/adapter_model.safetensors | grep -q 'k_proj'; then exit 1; fi
first=$(head -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
last=$(tail -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
awk -v f="$first" -v l="$last" 'BEGIN { exit !(l < f - 0.3) }'
cn-sft --init base --out m --merge "${args[@]}" --max-skip 2 chat.jsonl
cmp a/adapter_model.safetensors m/adapter_model.safetensors
test -s m/model.safetensors
# merged: q, v and down changed, everything else the base's bytes
/usr/bin/python3 - base/model.safetensors m/model.safetensors <<'PY'
import json, struct, sys
def load(p):
    b = open(p, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    return {k: b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]] for k, v in h.items() if k != "__metadata__"}
a, m = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == m.keys(), "tensor names differ"
for k in a:
    changed = a[k] != m[k]
    adapted = any(t in k for t in ("q_proj", "v_proj", "down_proj"))
    assert changed == adapted, k
PY
