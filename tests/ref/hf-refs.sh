#!/usr/bin/env bash
# The transformers reference files (issue 5): logits of the tiny test models
# computed by Hugging Face transformers itself, committed as
# tests/data/model/hf/NAME.safetensors and checked by tests/sh/torch-ref.sh.
#   tests/ref/hf-refs.sh prepare   here: the models and inputs into build/hfref
#                                  (model_ref init, deterministic)
#   tests/ref/hf-refs.sh device    on the lent GPU machine (it has transformers),
#                                  with build/hfref carried: writes $OUT/NAME.safetensors
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
runs="llama-gqa:2:7: llama-tied:1:12: mistral-odd:2:9: bert-small:3:9:padding"
case ${1:-} in
prepare)
    for run in $runs; do
        IFS=: read -r name b t opt <<< "$run"
        rm -rf "$top/build/hfref/$name"; mkdir -p "$top/build/hfref"
        "$top/$BUILD/tests/model_ref" init "$top/tests/data/model/$name.json" "$top/build/hfref/$name" 7 "$b" "$t" $opt
    done
    echo "prepared: $(ls "$top/build/hfref")" ;;
device)
    : "${OUT:?OUT must be set}"
    for run in $runs; do
        name=${run%%:*}
        python3 "$top/tests/ref/transformers_ref.py" "$top/build/hfref/$name"
        cp "$top/build/hfref/$name/hf.safetensors" "$OUT/$name.safetensors"
    done
    python3 -c 'import transformers, torch; print("transformers", transformers.__version__, "torch", torch.__version__)' > "$OUT/versions.txt" ;;
*)
    echo "usage: hf-refs.sh prepare|device" >&2; exit 2 ;;
esac
