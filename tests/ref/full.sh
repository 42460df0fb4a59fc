#!/usr/bin/env bash
# make test-tok-full: every line of every corpus split, encoded by
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
for tk in llama2 mistral llama3 bert-base-uncased; do
    for mode in plain literal; do
        flag=; [ $mode = literal ] && flag=--literal-special
        "$BUILD/bin/cn-tokenize" -q $flag -t "$ref/tok/$tk.json" "$work/lines.jsonl" |
            "$BUILD/bin/cn-shard" dump -q | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > "$work/ours"
        if [ $mode = plain ]; then
            node "$top/tests/ref/hf.js" "$ref/tok/$tk.json" "$work/lines.jsonl" 0 | grep -v '^\[\]$' > "$work/hf"
        else
            # HF's binding has no encode_special_tokens: its special tokens are made unmatchable
            node -e '
              const fs = require("fs"); const t = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
              t.added_tokens.forEach((a, i) => { if (a.special) a.content = "\u0001never-" + i + "\u0002"; });
              fs.writeFileSync(process.argv[2], JSON.stringify(t));' "$ref/tok/$tk.json" "$work/lit.json"
            node "$top/tests/ref/hf.js" "$work/lit.json" "$work/lines.jsonl" 0 | grep -v '^\[\]$' > "$work/hf"
        fi
        n=$(wc -l < "$work/hf")
        if cmp -s "$work/hf" "$work/ours"; then
            echo "$tk $mode: $n lines, 0 differences"
        else
            d=$(diff "$work/hf" "$work/ours" | grep -c '^<' || true)
            echo "$tk $mode: $n lines, $d differ"
            bad=1
        fi
    done
done
# whole documents (a document without pre-tokenizer is one BPE word)
cat "$work"/*-train.jsonl "$work"/*-heldout.jsonl > "$work/docs.jsonl"
for tk in llama2 mistral llama3 bert-base-uncased; do
    "$BUILD/bin/cn-tokenize" -q -t "$ref/tok/$tk.json" "$work/docs.jsonl" |
        "$BUILD/bin/cn-shard" dump -q | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > "$work/ours"
    node "$top/tests/ref/hf.js" "$ref/tok/$tk.json" "$work/docs.jsonl" 0 | grep -v '^\[\]$' > "$work/hf"
    n=$(wc -l < "$work/hf")
    if cmp -s "$work/hf" "$work/ours"; then
        echo "$tk documents: $n, 0 differences"
    else
        echo "$tk documents: $n, $(diff "$work/hf" "$work/ours" | grep -c '^<' || true) differ"
        bad=1
    fi
done

# every Unicode scalar value, alone and between letters
node "$top/tests/ref/unicode.js" > "$work/uni.jsonl"
for tk in llama2 mistral llama3 bert-base-uncased; do
    "$BUILD/bin/cn-tokenize" -q -t "$ref/tok/$tk.json" "$work/uni.jsonl" |
        "$BUILD/bin/cn-shard" dump -q | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > "$work/ours"
    node "$top/tests/ref/hf.js" "$ref/tok/$tk.json" "$work/uni.jsonl" 0 | grep -v '^\[\]$' > "$work/hf"
    n=$(wc -l < "$work/hf")
    if cmp -s "$work/hf" "$work/ours"; then
        echo "$tk unicode: $n texts, 0 differences"
    else
        d=$(diff "$work/hf" "$work/ours" | grep -c '^<' || true)
        echo "$tk unicode: $n texts, $d differ"
        bad=1
    fi
done
exit $bad
