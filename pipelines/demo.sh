#!/usr/bin/env bash
# The demo pipeline on the samples: the real corpora, ChipNeMo's tokenizer
# augmentation and what it saves, the corpora as token shards, a blend, the
# Megatron round trip; each later stage extends it. Outputs in build/demo/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
export PATH=$BUILD/bin:$PATH
data=$top/samples/data

echo "== corpora (samples/data, built by make corpus from Debian packages)"
"$BUILD/tests/jsonl_stats" --max-text 65536 "$data"/domain-train.jsonl.zst "$data"/domain-heldout.jsonl.zst \
    "$data"/general-train.jsonl.zst "$data"/general-heldout.jsonl.zst

echo
echo "== hand-written samples"
"$BUILD/tests/jsonl_stats" "$top"/samples/docs/*.jsonl

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$BUILD/demo
mkdir -p "$out"
base=$BUILD/ref/tok/llama2.json

echo
echo "== tokenizer augmentation (ChipNeMo III-A): LLaMA2 + 9000 domain tokens"
cn-vocab augment --base "$base" --domain "$data/domain-train.jsonl.zst" --general "$data/general-train.jsonl.zst" \
    --add 9000 --map "$out/llama2-chip.map.jsonl" -o "$out/llama2-chip.json"
head -3 "$out/llama2-chip.map.jsonl"
echo
echo "== tokens per held-out split and kind: A = LLaMA2, B = augmented"
cn-score tokens -q --table -t "$base" -t "$out/llama2-chip.json" "$data/domain-heldout.jsonl.zst" \
    "$data/general-heldout.jsonl.zst"

echo
echo "== the train splits as token shards (special-token strings stay text), and a 1:1 blend"
for s in domain-train general-train; do
    cn-tokenize -q --literal-special -t "$out/llama2-chip.json" "$data/$s.jsonl.zst" -o "$out/$s.tok"
    cn-shard stat "$out/$s.tok"
done
cn-mix 1:"$out/domain-train.tok" 1:"$out/general-train.tok" -o "$out/blend.tok"
cn-shard stat "$out/blend.tok"
cn-tokenize -q -t "$out/llama2-chip.json" --decode "$out/domain-train.tok" -o "$work/decoded.jsonl"
head -c 300 "$work/decoded.jsonl"
echo " ..."

echo
echo "== token shard -> Megatron-LM dataset -> shard, byte for byte"
cn-shard to-megatron --prefix "$work/domain" --eos 2 "$out/domain-train.tok"
cn-shard from-megatron "$work/domain" -o "$work/back.tok"
cmp "$out/domain-train.tok" "$work/back.tok" && echo "domain-train.tok reproduced byte for byte"
echo
echo "== Megatron-LM's own fixture: dataset -> shard -> dataset, byte for byte"
cn-shard from-megatron --vocab-size 65536 --eos none "$top/tests/data/megatron/u16" -o "$work/u16.tok"
cn-shard to-megatron --prefix "$work/again" --dtype u16 --eos none "$work/u16.tok"
cmp "$top/tests/data/megatron/u16.idx" "$work/again.idx" && cmp "$top/tests/data/megatron/u16.bin" "$work/again.bin" &&
    echo "u16.idx and u16.bin reproduced byte for byte"
echo
echo "outputs in $out"
