#!/usr/bin/env bash
# make bench, export: cn-export gguf of the GPT-2-124M-shaped LLaMA
# (tests/data/bench/llama-124m.json, random weights, 536 MB of fp32
# safetensors, page cache warm) to f16 and to q8_0, against reading that
# safetensors file, side by side in REPS alternating rounds, all on THREADS
# threads pinned to the same cores:
#   read      numpy reads the file and views each tensor as an array (what a
#             program reading safetensors does first; python3-numpy), the
#             target's reference: export at >= 0.5x its speed, every pair
#   raw read  cat FILE > /dev/null: the page cache's copy alone, a figure
#             beside it (no program reads a model faster)
# Speeds are the input file's bytes over the wall time.
# Then decoding, for users choosing where to run the model: llama.cpp
# (node-llama-cpp's prebuilt CPU build, tests/ref/llama.mjs) on our q8_0
# export, against libcore's bf16 decode (build/tests/decode_bench), 128
# greedy tokens after a 128-token prompt, same threads: reported, no target.
. "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
cfg=$top/tests/data/bench/llama-124m.json
drv=$BUILD/ref/llama/llama-bench-$$.mjs
[ -s "$BUILD/ref/llama/node_modules/node-llama-cpp/package.json" ] || { echo "export.sh: llama.cpp's reference is missing (make ref)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work" "$drv"' EXIT
cp "$top/tests/ref/llama.mjs" "$drv"
"$BUILD/tests/model_ref" init "$cfg" "$work/m" 1 1 4
rm "$work/m/inputs.safetensors"
cp "$BUILD/ref/tok/llama2.json" "$work/m/tokenizer.json"
st=$work/m/model.safetensors
bytes=$(stat -c %s "$st")
cat "$st" > /dev/null
cat > "$work/read.py" <<'PY'
import json, struct, sys
import numpy as np
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
ts = {k: np.frombuffer(b, np.float32, (v["data_offsets"][1] - v["data_offsets"][0]) // 4, 8 + n + v["data_offsets"][0]).reshape(v["shape"])
      for k, v in h.items() if k != "__metadata__"}
PY
export_to() { rm -f "$work/out.gguf"; pin "$BUILD/bin/cn-export" gguf -q "$work/m" -o "$work/out.gguf" --type "$1"; }
echo "threads: $THREADS (cores $CPUS)"
for ((i = 0; i < REPS; i++)); do
    wall pin /usr/bin/python3 "$work/read.py" "$st" >> "$work/read"
    wall pin cat "$st" >> "$work/raw"
    wall export_to f16 >> "$work/f16"
    wall export_to q8_0 >> "$work/q8_0"
done
echo "export llama-124m ($((bytes / 1000000)) MB of fp32 safetensors), median of $REPS"
for f in read raw f16 q8_0; do
    awk -v s="$f" -v sp="$(spread "$work/$f")" -v by="$bytes" 'BEGIN { split(sp, v, " ");
        printf "  %-9s %6.0f MB/s (runs %.0f-%.0f)\n", s, by / v[2] / 1e6, by / v[3] / 1e6, by / v[1] / 1e6 }'
done
for t in f16 q8_0; do
    verdict "export to $t against reading the safetensors (numpy)" "$(speedups "$work/read" "$work/$t")" 0.5
    awk -v sp="$(speedups "$work/raw" "$work/$t")" -v t=$t 'BEGIN { split(sp, v, " ");
        printf "  export to %s against the raw read (cat): %.2fx (pairs %.2f-%.2f), no target\n", t, v[2], v[1], v[3] }'
done

# decoding: llama.cpp on our q8_0 export, libcore in bf16
export_to q8_0
/usr/bin/python3 -c 'import random; random.seed(1); print("[1," + ",".join(str(random.randrange(3, 32000)) for _ in range(127)) + "]")' > "$work/prompt.ids"
for ((i = 0; i < REPS; i++)); do
    LLAMA_THREADS=$THREADS pin node "$drv" decode "$work/out.gguf" "$work/prompt.ids" 128 | tr -d '[]' >> "$work/llama"
    pin "$BUILD/tests/decode_bench" decode "$cfg" bf16 128 128 | sed -n 1p >> "$work/ours"
done
echo "decode llama-124m, 128 greedy tokens after 128, median of $REPS"
for f in llama ours; do
    awk -v s="$([ $f = llama ] && echo 'llama.cpp, q8_0' || echo 'libcore, bf16')" -v sp="$(spread "$work/$f")" 'BEGIN { split(sp, v, " ");
        printf "  %-16s %6.1f tokens/s (runs %.1f-%.1f)\n", s, 128 / v[2], 128 / v[3], 128 / v[1] }'
done
awk -v sp="$(speedups "$work/llama" "$work/ours")" 'BEGIN { split(sp, v, " ");
    printf "  libcore bf16 against llama.cpp q8_0: %.2fx (pairs %.2f-%.2f), no target\n", v[2], v[1], v[3] }'
finish
