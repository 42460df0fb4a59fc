#!/usr/bin/env bash
# libcore's model against PyTorch (Debian python3-torch, tests/ref/torch_model.py):
# logits or hidden states, loss and every parameter gradient of tiny models
# with random weights: LLaMA with grouped-query attention and packed documents
# (segment mask, positions restarting), LLaMA with a tied head, Mistral with
# odd sizes and a sliding window, BERT with padding in the batch; LoRA
# adapters (PEFT's form) on every projection of the GQA LLaMA, its base frozen.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bad=0
# transformers' own logits are made where a GPU machine is lent (with
# transformers installed there): until then only PyTorch checks the model
hf=0
if [ -n "$(ls "$DATA/model/hf" 2>/dev/null)" ]; then
    hf=1
else
    echo "skipped: no GPU: transformers' own logits (tests/data/model/hf/, made by tests/ref/hf-refs.sh on a GPU machine) are not here; PyTorch's checks run"
fi
for run in llama-gqa:2:7:segments llama-tied:1:12: mistral-odd:2:9: bert-small:3:9:padding llama-gqa:2:7:lora; do
    IFS=: read -r name b t opt <<< "$run"
    d=$work/$name$opt
    "$BUILD/tests/model_ref" init "$DATA/model/$name.json" "$d" 7 "$b" "$t" $opt
    /usr/bin/python3 "$TOP/tests/ref/torch_model.py" "$d"
    # logits from transformers itself, where they have been made (tests/ref/hf-refs.sh)
    if [ $hf = 1 ] && [ "$opt" != segments ] && [ "$opt" != lora ]; then
        if [ ! -s "$DATA/model/hf/$name.safetensors" ]; then
            echo "FAIL $name: no tests/data/model/hf/$name.safetensors beside the others"; bad=1
        elif "$BUILD/tests/model_ref" check-hf "$d" "$DATA/model/hf/$name.safetensors" > "$d/hf"; then
            echo "ok   $name: transformers' own output, $(cat "$d/hf")"
        else
            echo "FAIL $name against transformers: $(cat "$d/hf")"; bad=1
        fi
    fi
    if "$BUILD/tests/model_ref" check "$d" > "$d/report"; then
        echo "ok   $name: $(grep -c '^ok' "$d/report") tensors within 1e-5 + 1e-4 max|ref|; largest: $(sort -g -k4 "$d/report" | tail -1 | awk '{print $2, $4}')"
    else
        echo "FAIL $name"; grep -v '^ok' "$d/report"; bad=1
    fi
done
exit $bad
