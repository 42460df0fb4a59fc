#!/usr/bin/env bash
# make bench, tokenizer training: cn-vocab train --type spm-bpe against
# sentencepiece's spm_train (BPE, byte fallback), same corpus (the domain train
# documents cut into lines, as spm_train reads them), same vocabulary size,
# whole processes, REPS alternating rounds, both pinned to the same THREADS
# cores: spm_train with --num_threads=THREADS, ours with its one training
# thread (cn-vocab train does not use more). Also the tokens each trained
# tokenizer needs for the domain held-out text.
. "$(dirname "$0")/lib.sh"
B=$BUILD/bin
export NODE_PATH=$BUILD/ref/node_modules
dir=$BUILD/bench/vocab
mkdir -p "$dir"
cd "$dir"
REPS=${REPS:-3}
VOCAB=${VOCAB:-16000}

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
echo "domain train: $(wc -l < domain-train.txt) lines, $(wc -c < domain-train.txt) bytes; vocabulary $VOCAB; median of $REPS; cores $CPUS"
: > ours.t; : > spm.t
for ((i = 0; i < REPS; i++)); do
    wall pin "$B/cn-vocab" train -q --type spm-bpe --vocab-size "$VOCAB" domain-train.jsonl -o ours.json >> ours.t
    wall pin spm_train --input=domain-train.txt --model_prefix=spm --vocab_size="$VOCAB" --model_type=bpe \
        --byte_fallback=true --num_threads="$THREADS" --minloglevel=2 >> spm.t
done
awk -v o="$(median < ours.t)" -v s="$(median < spm.t)" 'BEGIN { printf "train spm-bpe: ours %.2f s, spm_train %.2f s\n", o, s }'
verdict "train spm-bpe: ours / spm_train speed (time <= 0.5x)" "$(speedups spm.t ours.t)" 2
# quality: spm_train's defaults normalize (NFKC, extra spaces removed) and
# split scripts and numbers; with them off, as ours, the token counts compare
spm_train --input=domain-train.txt --model_prefix=spmid --vocab_size="$VOCAB" --model_type=bpe --byte_fallback=true \
    --num_threads=2 --minloglevel=2 --normalization_rule_name=identity --remove_extra_whitespaces=false \
    --allow_whitespace_only_pieces=true --split_by_unicode_script=false --split_by_number=false > /dev/null 2>&1
ours=$("$B/cn-tokenize" -q -t ours.json domain-heldout.jsonl | "$B/cn-shard" stat 2>&1 | sed -n 's/.*"tokens": \([0-9]*\).*/\1/p')
theirs=$(spm_encode --model=spmid.model --output_format=id < domain-heldout.txt | wc -w)
echo "domain held-out lines: $ours tokens with ours, $theirs with spm_train's (identity normalization, spaces kept)"
rm -f ours.t spm.t spm.t.ratio
finish
