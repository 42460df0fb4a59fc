# --resume keeps the run's settings: cn-sft's own options (the template, the
# LoRA settings, -t) given again must be the run's; LoRA options without
# --lora-rank are refused
. $TOP/tests/cli/cn-sft/common.inc
cn-sft -q --init base --template chipnemo --out r --steps 2 --save-every 1 --seq-len 64 --lora-rank 4 --lora-targets q,v --max-skip 2 chat.jsonl
# refused: NAME, then the option and its value
refused() {
    expect 2 cn-sft -q --resume r "${@:2}" chat.jsonl 2> err
    grep -q -- "^cn-sft: $1, but the run being resumed has .* (r/step-2/trainer.json): a resumed run keeps its settings" err
}
refused '--template chatml' --template chatml
refused '--lora-rank 8' --lora-rank 8
refused '--lora-alpha 4' --lora-alpha 4
refused '--lora-dropout 0' --lora-dropout 0
refused '--lora-targets all' --lora-targets all
refused '--merge given' --merge
refused '--lr 0.001' --lr 1e-3
refused "-t $DATA/tok/tiny-metaspace.json" -t $DATA/tok/tiny-metaspace.json
# the run's own values are accepted (the targets in another order)
cn-sft -q --resume r --template chipnemo --lora-rank 4 --lora-alpha 8 --lora-targets v,q --lora-dropout 0.05 -t base/tokenizer.json --max-skip 2 chat.jsonl
# --max-skip: the run's unless given again (a question without an answer is
# skipped; the resume commands the tools print omit it)
{ cat chat.jsonl; echo '{"messages": [{"role": "user", "content": "No answer?"}]}'; } > skip.jsonl
cn-sft -q --init base --template chipnemo --out m --steps 2 --save-every 1 --seq-len 64 --max-skip 1 skip.jsonl
rm -r m/step-2 m/model.safetensors
echo step-1 > m/latest
cn-sft --resume m skip.jsonl 2> err
grep -q "resuming m/step-1 at step 1 of 2" err
[ -s m/model.safetensors ]
expect 1 cn-sft -q --resume m --max-skip 0 skip.jsonl 2> err
grep -q "more than --max-skip 0" err
# LoRA's options without --lora-rank
for o in '--lora-alpha 4' '--lora-targets q' '--lora-dropout 0.1'; do
    expect 2 cn-sft -q --init base --template chipnemo --out x --steps 1 $o chat.jsonl 2> err
    grep -q -- "${o% *}.*give --lora-rank" err
done
[ ! -e x ]
