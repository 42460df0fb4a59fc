#!/usr/bin/env bash
# make bench, tokenizer training: cn-vocab train --type spm-bpe against
# sentencepiece's spm_train (BPE, byte fallback, two threads), same corpus (the
# domain train documents cut into lines, as spm_train reads them), same
# vocabulary size, whole processes, medians of REPS alternating runs. Also the
# tokens each trained tokenizer needs for the domain held-out text.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
B=$BUILD/bin
export NODE_PATH=$BUILD/ref/node_modules
dir=$BUILD/bench/vocab
mkdir -p "$dir"
cd "$dir"
REPS=${REPS:-3}
VOCAB=${VOCAB:-16000}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
now() { date +%s.%N; }
wall() { local t0 t1; t0=$(now); "$@" > /dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }

lines() { # JSONL documents -> IN.lines.jsonl and IN.lines.txt, one non-empty line each
    zstd -dc "$top/samples/data/$1.jsonl.zst" | node -e '
      const fs = require("fs"), out = [], txt = [];
      for (const l of fs.readFileSync(0, "utf8").split("\n")) {
        if (!l) continue;
        for (const t of JSON.parse(l).text.split("\n")) { const s = t.replace(/\r/g, ""); if (s.trim()) { out.push(JSON.stringify({ text: s })); txt.push(s); } }
      }
      fs.writeFileSync(process.argv[1] + ".jsonl", out.join("\n") + "\n");
      fs.writeFileSync(process.argv[1] + ".txt", txt.join("\n") + "\n");' "$1"
}
lines domain-train
lines domain-heldout
echo "domain train: $(wc -l < domain-train.txt) lines, $(wc -c < domain-train.txt) bytes; vocabulary $VOCAB; median of $REPS"
: > ours.t; : > spm.t
for ((i = 0; i < REPS; i++)); do
    wall "$B/cn-vocab" train -q --type spm-bpe --vocab-size "$VOCAB" domain-train.jsonl -o ours.json >> ours.t
    wall spm_train --input=domain-train.txt --model_prefix=spm --vocab_size="$VOCAB" --model_type=bpe \
        --byte_fallback=true --num_threads=2 --minloglevel=2 >> spm.t
done
o=$(median < ours.t); s=$(median < spm.t)
r=$(echo "$o / $s" | bc -l)
awk -v o="$o" -v s="$s" -v r="$r" 'BEGIN { printf "train spm-bpe: ours %.2f s, spm_train %.2f s: ratio %.2f (target <= 0.50) %s\n", o, s, r, (r <= 0.5 ? "ok" : "OVER") }'
# quality: spm_train's defaults normalize (NFKC, extra spaces removed) and
# split scripts and numbers; with them off, as ours, the token counts compare
spm_train --input=domain-train.txt --model_prefix=spmid --vocab_size="$VOCAB" --model_type=bpe --byte_fallback=true \
    --num_threads=2 --minloglevel=2 --normalization_rule_name=identity --remove_extra_whitespaces=false \
    --allow_whitespace_only_pieces=true --split_by_unicode_script=false --split_by_number=false > /dev/null 2>&1
ours=$("$B/cn-tokenize" -q -t ours.json domain-heldout.jsonl | "$B/cn-shard" stat 2>&1 | sed -n 's/.*"tokens": \([0-9]*\).*/\1/p')
theirs=$(spm_encode --model=spmid.model --output_format=id < domain-heldout.txt | wc -w)
echo "domain held-out lines: $ours tokens with ours, $theirs with spm_train's (identity normalization, spaces kept)"
rm -f ours.t spm.t
awk -v r="$r" 'BEGIN { exit !(r <= 0.5) }'
