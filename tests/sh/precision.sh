#!/usr/bin/env bash
# --precision bf16 (mixed precision) through the tools: cn-pretrain's loss
# curve tracks fp32's without being the same bits, trainer.json records the
# precision and a resume takes it back (the same model as the run left
# alone), cn-score ppl in bf16 is near fp32's, and a wrong value is a usage
# error.
set -euo pipefail
. "$TOP/tests/sh/train.inc"
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
tiny_llama 32 48
cn-tokenize -q -t "$tok" "$SAMPLES/docs/domain.jsonl" "$SAMPLES/docs/general.jsonl" -o d.tok
args=(-q -t "$tok" --steps 150 --seq-len 32 --micro-batch 4 --lr 3e-3 --warmup 3 --threads 2 --save-every 20 --keep 1)
bad=0
cn-pretrain --config cfg.json "${args[@]}" --log fp32.log --out fp32 d.tok
cn-pretrain --config cfg.json "${args[@]}" --precision bf16 --log bf16.log --out bf16 d.tok
loss() { sed -n 's/.*"step": \([0-9]*\),.*"loss": \([0-9.]*\).*/\1 \2/p' "$1"; }
# the mean loss of each 30 steps (one step's loss on a 128-token batch is noisy)
if join <(loss fp32.log) <(loss bf16.log) | awk '
     { k = int(($1 - 1) / 30); a[k] += $2; b[k] += $3; if ($2 != $3) differ = 1; if (NR == 1) f = $2; n = k }
     END { for (k = 0; k <= n; k++) { d = (b[k] - a[k]) / a[k]; d = d < 0 ? -d : d; if (d > w) w = d }
           printf "     loss %.3f -> fp32 %.3f, bf16 %.3f (means of the last 30 steps); worst 30-step mean apart %.2e\n", f, a[n] / 30, b[n] / 30, w
           exit !(differ && w < 0.01 && a[n] / 30 < 0.85 * f) }'; then
    echo "ok   cn-pretrain --precision bf16 tracks fp32's loss over 150 steps (and is not the same bits)"
else
    echo "FAIL cn-pretrain --precision bf16 against fp32"; bad=1
fi
if grep -q '"precision":[[:space:]]*"bf16"' bf16/"$(cat bf16/latest)"/trainer.json; then
    echo "ok   trainer.json records the precision"
else
    echo "FAIL trainer.json has no precision"; bad=1
fi

# killed after its first checkpoint, resumed without --precision: bf16 again, the same model
cn-pretrain --config cfg.json "${args[@]}" --precision bf16 --out cut d.tok &
kill_at cut 40 150 $!
at=$landed
cn-pretrain -q --threads 2 --resume cut d.tok
if [ "$(sha256sum < cut/model.safetensors)" = "$(sha256sum < bf16/model.safetensors)" ]; then
    echo "ok   bf16 killed at step $at and resumed: the same model.safetensors"
else
    echo "FAIL bf16 killed at step $at and resumed: another model"; bad=1
fi

cp "$tok" bf16/tokenizer.json
ppl_loss() { cn-score ppl -m bf16 --seq-len 32 "$@" d.tok | sed -n 's/.*"metric": "loss", "value": \([0-9.]*\).*/\1/p'; }
if awk -v a="$(ppl_loss)" -v b="$(ppl_loss --precision bf16)" \
       'BEGIN { d = (b - a) / a; d = d < 0 ? -d : d; printf "     ppl loss fp32 %s, bf16 %s\n", a, b; exit !(a > 0 && a != b && d < 0.01) }'; then
    echo "ok   cn-score ppl --precision bf16 within 1% of fp32"
else
    echo "FAIL cn-score ppl --precision bf16"; bad=1
fi
st=0; cn-pretrain --config cfg.json "${args[@]}" --precision fp16 --out x d.tok 2> err.txt || st=$?
if [ $st = 2 ] && grep -q 'fp32 or bf16' err.txt; then
    echo "ok   --precision fp16: usage error (exit 2)"
else
    echo "FAIL --precision fp16: exit $st: $(cat err.txt)"; bad=1
fi
exit $bad
