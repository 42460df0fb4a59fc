#!/usr/bin/env bash
# The demo pipeline on the samples. Today: the real corpora and their
# statistics, and the shard plumbing (Megatron round trip, a weighted blend);
# each later stage extends it.
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

# Until cn-tokenize exists (issue 3) the shards below hold Megatron-LM's own
# fixture documents, read through cn-shard.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo
echo "== Megatron-LM dataset -> shard -> Megatron, byte for byte"
cn-shard from-megatron --vocab-size 65536 --eos none "$top/tests/data/megatron/u16" -o "$work/u16.tok"
cn-shard stat "$work/u16.tok"
cn-shard to-megatron --prefix "$work/again" --dtype u16 --eos none "$work/u16.tok"
cmp "$top/tests/data/megatron/u16.idx" "$work/again.idx" && cmp "$top/tests/data/megatron/u16.bin" "$work/again.bin" &&
    echo "u16.idx and u16.bin reproduced byte for byte"
echo
echo "== a 3:1 blend of two sources, upsampled to 40 tokens"
cn-shard from-megatron --vocab-size 65536 --eos none "$top/tests/data/megatron/multi" -o "$work/multi.tok"
cn-mix --tokens 40 3:"$work/u16.tok" 1:"$work/multi.tok" -o "$work/blend.tok"
cn-shard stat "$work/blend.tok"
