#!/usr/bin/env bash
# cn-vocab on the real corpora. train: SentencePiece-style and byte-level BPE
# tokenizers of the domain train split that Hugging Face tokenizers loads with
# the ids cn-tokenize gives on every held-out document. augment: ChipNeMo's
# experiment, LLaMA2 + 9000 domain tokens trained on the domain train split:
# at least 2.5% fewer tokens on the domain held-out split, no more on the
# general one, HF's ids equal to ours, the map as cn-pretrain reads it.
set -euo pipefail
. "$TOP/tests/sh/hf-ref.inc"
need_hf_ref tok/llama2.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for s in domain-train general-train domain-heldout general-heldout; do zstd -dc "$SAMPLES/data/$s.jsonl.zst" > $s.jsonl; done
bad=0
same_ids() { # TOKENIZER FILE: HF and cn-tokenize give the same ids for every document
    node "$TOP/tests/ref/hf.js" "$1" "$2" add0 | { grep -v '^\[\]$' || [ $? = 1 ]; } > hf
    cn-tokenize -q -t "$1" "$2" | cn-shard dump -q | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > ours
    if cmp -s hf ours; then
        echo "ok   $(basename "$1") $2: $(wc -l < hf) documents, the same ids as HF"
    else
        echo "DIFF $(basename "$1") $2: $(diff hf ours | grep -c '^<' || true) documents differ"
        bad=1
    fi
}

for type in spm-bpe byte-bpe; do
    cn-vocab train -q --type $type --vocab-size 16000 domain-train.jsonl -o $type.json
    n=$(node -e 'const t = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(Object.keys(t.model.vocab).length)' $type.json)
    [ "$n" = 16000 ] || { echo "$type: $n tokens, not 16000"; bad=1; }
    same_ids $type.json domain-heldout.jsonl
    same_ids $type.json general-heldout.jsonl
done

cn-vocab augment -q --base "$ref/tok/llama2.json" --domain domain-train.jsonl --general general-train.jsonl \
    --add 9000 --map map.jsonl -o aug.json
same_ids aug.json domain-heldout.jsonl
same_ids aug.json general-heldout.jsonl
node -e '
  const fs = require("fs");
  const base = JSON.parse(fs.readFileSync(process.argv[1])), aug = JSON.parse(fs.readFileSync(process.argv[2]));
  const map = fs.readFileSync(process.argv[3], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const fail = (m) => { console.log("FAIL " + m); process.exit(1); };
  if (map.length !== 9000) fail("map has " + map.length + " lines");
  map.forEach((e, i) => {
    if (Object.keys(e).join() !== "id,piece,base_ids") fail("map keys " + Object.keys(e));
    if (e.id !== 32000 + i || aug.model.vocab[e.piece] !== e.id) fail("map line " + (i + 1));
    if (!e.base_ids.length || e.base_ids.some((b) => b >= 32000)) fail("base_ids of " + e.piece);
  });
  if (JSON.stringify(aug.added_tokens) !== JSON.stringify(base.added_tokens)) fail("added_tokens changed");
  if (Object.keys(aug.model.vocab).length !== 41000) fail("vocabulary size");
  const bm = base.model.merges;
  if (aug.model.merges.slice(0, bm.length).join("\n") !== bm.join("\n")) fail("base merges changed");
  console.log("ok   map: 9000 lines {id, piece, base_ids}, ids 32000..40999; base merges first, added_tokens unchanged");
' "$ref/tok/llama2.json" aug.json map.jsonl || bad=1

cn-score tokens -q -t "$ref/tok/llama2.json" -t aug.json domain-heldout.jsonl general-heldout.jsonl > scores.jsonl
change() { grep "\"metric\": \"token_change\", .*\"data\": \"$1\", \"kind\": \"all\"" scores.jsonl | sed 's/.*"value": \([^,]*\),.*/\1/'; }
d=$(change domain-heldout.jsonl)
g=$(change general-heldout.jsonl)
if awk -v d="$d" -v g="$g" 'BEGIN { exit !(d <= -0.025 && g <= 0) }'; then
    echo "ok   tokens: domain held-out $d, general held-out $g (relative)"
else
    echo "FAIL tokens: domain held-out $d (need <= -0.025), general held-out $g (need <= 0)"
    bad=1
fi
exit $bad
