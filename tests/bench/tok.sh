#!/usr/bin/env bash
# make bench, tokenizers: cn-tokenize side by side with Hugging Face tokenizers
# (Rust, through Node; encoding time only, measured inside the process) and
# sentencepiece's spm_encode (whole process, with a .model equivalent to the
# tokenizer.json, checked to give the same ids), same text. "One thread":
# every side pinned to one core (taskset -c 0), cn-tokenize's reader thread
# included, HF with RAYON_NUM_THREADS=1. Ours is timed as a whole process
# (start-up, loading, JSONL, shard output): the ratios are conservative.
# REPS alternating rounds; a ratio's target must hold on every round.
. "$(dirname "$0")/lib.sh"
B=$BUILD/bin
ref=$BUILD/ref
export NODE_PATH=$ref/node_modules RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
dir=$BUILD/bench/tok
mkdir -p "$dir"
cd "$dir"
REPS=${REPS:-5}
one() { taskset -c 0 "$@"; } # one core for every side of the one-thread figures
hf() { one node "$top/tests/bench/hf-encode.js" "$@"; }

# the domain held-out corpus, one record per line (spm_encode reads lines)
zstd -dc "$top/samples/data/domain-heldout.jsonl.zst" > docs.jsonl
node "$top/tests/ref/lines.js" docs.jsonl | node -e '
  const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
  const out = [], txt = [];
  for (const l of lines) { const t = JSON.parse(l).text.replace(/\r/g, ""); if (!t.trim()) continue; out.push(JSON.stringify({ text: t })); txt.push(t); }
  require("fs").writeFileSync("lines.jsonl", out.join("\n") + "\n");
  require("fs").writeFileSync("lines.txt", txt.join("\n") + "\n");'
bytes=$(node -e 'let n = 0; for (const l of require("fs").readFileSync("lines.jsonl", "utf8").split("\n")) if (l) n += Buffer.byteLength(JSON.parse(l).text); console.log(n)')
echo "domain held-out: $(wc -l < lines.jsonl) lines, $bytes bytes of text; median of $REPS"

for tk in mistral llama2; do
    t=$ref/tok/$tk.json
    node "$top/tests/ref/spm-model.js" "$t" $tk.model
    # the same ids from all three
    "$BUILD/tests/tokids" "$t" lines.jsonl add0 | tr -d '[]' | tr ',' ' ' > ours.ids
    spm_encode --model=$tk.model --output_format=id < lines.txt > spm.ids
    if ! cmp -s ours.ids spm.ids; then
        echo "$tk: spm_encode gives other ids on $(diff ours.ids spm.ids | grep -c '^<') lines"
        fails=$((fails + 1))
    fi
    : > ours.t; : > spm.t; : > hf.t
    for ((i = 0; i < REPS; i++)); do
        wall one "$B/cn-tokenize" -q --threads 1 -t "$t" lines.jsonl >> ours.t
        wall one sh -c "spm_encode --model=$tk.model --output_format=id < lines.txt" >> spm.t
        hf "$t" lines.jsonl | awk '{print $4}' >> hf.t
    done
    o=$(median < ours.t); s=$(median < spm.t); h=$(median < hf.t)
    awk -v b="$bytes" -v o="$o" -v s="$s" -v h="$h" -v tk="$tk" 'BEGIN {
        printf "%s: ours %.2f MB/s, spm_encode %.2f MB/s, HF %.2f MB/s (one core each)\n", tk, b / o / 1e6, b / s / 1e6, b / h / 1e6 }'
    verdict "$tk encode, one core: ours / HF speed" "$(speedups hf.t ours.t)" 3
    verdict "$tk encode, one core: ours / spm_encode speed" "$(speedups spm.t ours.t)" 2
done

# one document growing from 16 KB to 2 MB (LLaMA2: a document is one BPE word
# but for its spaces): MB/s at each size, the same total bytes per size
t=$ref/tok/llama2.json
node -e '
  const fs = require("fs");
  const docs = fs.readFileSync("docs.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).text);
  let all = docs.join("\n");
  while (all.length < 2200000) all += all;
  for (const kb of [16, 128, 2048]) {
    const s = [...all.slice(0, kb * 1024)].join(""); // whole characters
    const n = Math.max(1, Math.round(2048 / kb));
    fs.writeFileSync("doc" + kb + ".jsonl", (JSON.stringify({ text: s }) + "\n").repeat(n));
  }'
for kb in 16 128 2048; do
    : > ours.t; : > hf.t
    for ((i = 0; i < REPS; i++)); do
        wall one "$B/cn-tokenize" -q --threads 1 -t "$t" doc$kb.jsonl >> ours.t
        hf "$t" doc$kb.jsonl | awk '{print $4}' >> hf.t
    done
    o=$(median < ours.t); h=$(median < hf.t)
    cp ours.t ours$kb.t
    eval "hf$kb=$h"
    awk -v o="$o" -v h="$h" -v kb=$kb 'BEGIN { printf "llama2, documents of %4d KB: ours %.2f MB/s, HF %.2f MB/s\n", kb, 2.097152 / o, 2.097152 / h }'
done
verdict "llama2 2 MB documents / 16 KB documents, ours (speed)" "$(speedups ours16.t ours2048.t)" 0.9
awk -v a="$hf16" -v b="$hf2048" 'BEGIN { printf "%-58s %6.2f  (HF, for reference)\n", "llama2 2 MB documents / 16 KB documents, HF (speed)", a / b }'

# two threads against one, on every corpus split (24 MB of documents),
# alternating: one thread on core 0, two on cores 0-1
zstd -dc "$top"/samples/data/{domain,general}-{train,heldout}.jsonl.zst > train.jsonl
: > t1.t; : > t2.t
for ((i = 0; i < REPS; i++)); do
    wall one "$B/cn-tokenize" -q --threads 1 -t "$ref/tok/mistral.json" train.jsonl >> t1.t
    wall taskset -c 0-1 "$B/cn-tokenize" -q --threads 2 -t "$ref/tok/mistral.json" train.jsonl >> t2.t
done
verdict "mistral encode, two threads / one thread (speed)" "$(speedups t1.t t2.t)" 1.8

# loading LLaMA3's tokenizer.json (128K vocabulary, 280K merges)
: > empty.jsonl
: > ours.t; : > hf.t
for ((i = 0; i < REPS; i++)); do
    wall one "$B/cn-tokenize" -q --threads 1 -t "$ref/tok/llama3.json" empty.jsonl >> ours.t
    hf "$ref/tok/llama3.json" empty.jsonl | awk '{print $2}' >> hf.t
done
rss=$( { /usr/bin/time -f '%M' taskset -c 0 "$B/cn-tokenize" -q --threads 1 -t "$ref/tok/llama3.json" empty.jsonl > /dev/null; } 2>&1 | tail -1)
o=$(median < ours.t); h=$(median < hf.t)
awk -v o="$o" -v h="$h" -v r="$rss" 'BEGIN { printf "llama3 load: ours %.0f ms (whole process), max RSS %.0f MB; HF %.0f ms (fromFile)\n", o * 1000, r / 1024, h * 1000 }'
awk '{ print 0.3 }' ours.t > budget.t
verdict "llama3 load: 300 ms / ours (whole process)" "$(speedups budget.t ours.t)" 1
limit() { # NAME VALUE TARGET: VALUE >= TARGET, one figure
    awk -v n="$1" -v v="$2" -v t="$3" 'BEGIN { printf "%-56s %5.2f  (target >= %.2f) %s\n", n, v, t, (v >= t ? "ok" : "UNDER") }'
    awk -v v="$2" -v t="$3" 'BEGIN { exit !(v >= t) }' || fails=$((fails + 1))
}
limit "llama3 load: 150 MB / ours max RSS" "$(echo "150 * 1024 / $rss" | bc -l)" 1
verdict "llama3 load: HF fromFile / ours whole process (speed)" "$(speedups hf.t ours.t)" 1
rm -f ours*.t spm.t hf.t t1.t t2.t budget.t ./*.ratio ours.ids spm.ids train.jsonl
finish
