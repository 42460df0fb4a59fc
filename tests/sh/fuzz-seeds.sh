#!/usr/bin/env bash
# Every fuzz target (tests/fuzz/fuzz_*.c) run without libFuzzer on its seeds
# and its kept crashers (tests/fuzz/seeds.sh): none may crash or, in make
# test SAN=1, draw a sanitizer report. make fuzz runs them for millions of
# inputs; this keeps what it found fixed.
set -euo pipefail
n=0
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    bin=$BUILD/tests/fuzz-run/$t
    [ -x "$bin" ] || { echo "FAIL $t: $bin is not built"; exit 1; }
    "$TOP/tests/fuzz/seeds.sh" "$t" "seeds-$t"
    echo "$t: $("$bin" "seeds-$t")"
    n=$((n + 1))
done
[ $n -ge 9 ]   # JSONL, chat, shards, Megatron, tokenizer.json, config, safetensors and its index, trainer.json
