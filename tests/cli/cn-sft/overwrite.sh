# cn-sft: --out is never the --init model, and a run there is refused unless
# --overwrite
. $TOP/tests/cli/cn-sft/common.inc
before=$(sha256sum < base/model.safetensors)
expect 2 cn-sft -q --init base --template chipnemo --out base --steps 1 --seq-len 64 --max-skip 2 chat.jsonl 2> err
grep -q -- '--out base is the --init model' err
cn-sft -q --init base --template chipnemo --out a --steps 1 --seq-len 64 --max-skip 2 chat.jsonl
expect 1 cn-sft -q --init base --template chipnemo --out a --steps 1 --seq-len 64 --max-skip 2 chat.jsonl 2> err
grep -q '^cn-sft: a: holds a model or a run already' err
cn-sft -q --init base --template chipnemo --overwrite --out a --steps 1 --seq-len 64 --max-skip 2 chat.jsonl
[ "$(sha256sum < base/model.safetensors)" = "$before" ]
