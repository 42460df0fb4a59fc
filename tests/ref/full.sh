#!/usr/bin/env bash
# make test-tok-full: every line and every document of every corpus split, and
# every Unicode code point, encoded by
# cn-tokenize and by Hugging Face tokenizers (Rust) with each real tokenizer,
# with and without special-token matching; prints the differences, exits 1 on any.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
ref=$BUILD/ref
work=$BUILD/ref/full
mkdir -p "$work"
export NODE_PATH=$ref/node_modules
for s in domain-train domain-heldout general-train general-heldout; do
    zstd -dc "$top/samples/data/$s.jsonl.zst" > "$work/$s.jsonl"
done
node "$top/tests/ref/lines.js" "$work"/*-train.jsonl "$work"/*-heldout.jsonl > "$work/lines.jsonl"
echo "lines: $(wc -l < "$work/lines.jsonl")"
bad=0
tokenizers=${TOKENIZERS:-"llama2 mistral llama3 bert-base-uncased gpt2"}

# compare LABEL TOKENIZER INPUT [--literal-special]: cn-tokenize against HF on
# every record of INPUT (records HF gives no ids have no shard record)
compare() {
    local label=$1 tk=$2 input=$3 flag=${4:-} hfjson=$ref/tok/$2.json
    "$BUILD/bin/cn-tokenize" -q $flag -t "$ref/tok/$tk.json" "$input" |
        "$BUILD/bin/cn-shard" dump -q | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > "$work/ours"
    local mode=add0
    [ -n "$flag" ] && mode=lit
    node "$top/tests/ref/hf.js" "$hfjson" "$input" $mode | grep -v '^\[\]$' > "$work/hf" || true
    local n d
    n=$(wc -l < "$work/hf")
    if cmp -s "$work/hf" "$work/ours"; then
        echo "$tk $label: $n, 0 differences"
    else
        d=$(diff "$work/hf" "$work/ours" | grep -c '^<' || true)
        echo "$tk $label: $n, $d differ"
        bad=1
    fi
}

for tk in $tokenizers; do
    compare "lines" $tk "$work/lines.jsonl"
    compare "lines, special tokens as text" $tk "$work/lines.jsonl" --literal-special
done
# whole documents (a document without pre-tokenizer is one BPE word)
cat "$work"/*-train.jsonl "$work"/*-heldout.jsonl > "$work/docs.jsonl"
for tk in $tokenizers; do compare "documents" $tk "$work/docs.jsonl"; done
# every Unicode scalar value, alone and between letters
node "$top/tests/ref/unicode.js" > "$work/uni.jsonl"
for tk in $tokenizers; do compare "unicode texts" $tk "$work/uni.jsonl"; done
# and each Unicode normalizer alone (behind GPT-2's byte-level BPE)
node "$top/tests/ref/variants.mjs" "$ref/tok"
for n in ${NORMALIZERS:-nfc nfd nfkc nfkd lowercase stripaccents}; do compare "unicode texts" gpt2-$n "$work/uni.jsonl"; done
exit $bad
