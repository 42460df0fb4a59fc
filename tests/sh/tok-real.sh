#!/usr/bin/env bash
# The real tokenizers (LLaMA2, Mistral, LLaMA3, GPT-2, BERT uncased) and
# variants of them with their components recombined (tests/ref/variants.mjs),
# each against Hugging Face tokenizers itself (Rust, through its Node binding,
# installed by make ref): every id and every decoded text equal on the
# committed edge cases (tests/data/tok/edge*.jsonl), with and without the
# post-processor's special tokens and with special tokens as plain text; on up
# to 200 documents of each corpus split through cn-tokenize, with and without
# --literal-special; and decode(encode(x)) == x on those documents through
# cn-tokenize --decode for the SentencePiece-BPE and byte-level families.
set -euo pipefail
. "$TOP/tests/sh/hf-ref.inc"
need_hf_ref tok/gpt2.json
nonempty() { grep -v '^\[\]$' || [ $? = 1 ]; } # records HF gives no ids; grep selecting none is no error
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tok=$ref/tok
node "$TOP/tests/ref/variants.mjs" "$tok"
base="llama2 mistral llama3 gpt2 bert-base-uncased"
variants="llama2-metaspace mistral-split-nofallback llama3-noregex gpt2-prefix-nfkc bert-nolower bert-sequence"

# up to 200 documents of each split, spread evenly through it
for s in domain-train domain-heldout general-train general-heldout; do
    zstd -dc "$SAMPLES/data/$s.jsonl.zst" > "$work/split.jsonl"
    n=$(wc -l < "$work/split.jsonl")
    awk -v step=$(((n + 199) / 200)) '(NR - 1) % step == 0' "$work/split.jsonl"
done > "$work/docs.jsonl"
echo "documents: $(wc -l < "$work/docs.jsonl")"

bad=0
# known ids, independent of the reference implementation
printf '{"text": "Hello, my dog is cute"}\n' > "$work/hello.jsonl"
printf '{"text": "Hello world"}\n' > "$work/world.jsonl"
known() { # TOKENIZER FILE MODE EXPECTED
    local got
    got=$("$BUILD/tests/tokids" "$tok/$1.json" "$work/$2.jsonl" $3)
    if [ "$got" = "$4" ]; then echo "ok   $1 $2: $got"; else echo "DIFF $1 $2: $got, expected $4"; bad=1; fi
}
known llama2 hello add1 '[1,15043,29892,590,11203,338,274,1082]'
known gpt2 world add0 '[15496,995]'
known bert-base-uncased hello add1 '[101,7592,1010,2026,3899,2003,10140,102]'

same() { # LABEL HF OURS
    if cmp -s "$2" "$3"; then
        echo "ok   $1 ($(wc -l < "$2") records)"
    else
        echo "DIFF $1: $(diff "$2" "$3" | grep -c '^<' || true) of $(wc -l < "$2") records differ; first:"
        diff "$2" "$3" | head -4 | cut -c1-300
        bad=1
    fi
}

for tk in $base $variants; do
    for f in edge edge-more; do
        for m in add0 add1 lit dec decskip; do
            node "$TOP/tests/ref/hf.js" "$tok/$tk.json" "$DATA/tok/$f.jsonl" $m > "$work/hf"
            "$BUILD/tests/tokids" "$tok/$tk.json" "$DATA/tok/$f.jsonl" $m > "$work/ours"
            same "$tk $f $m" "$work/hf" "$work/ours"
        done
    done
done

# documents through cn-tokenize (records HF gives no ids have no shard record)
ids_of() { "$BUILD/bin/cn-shard" dump -q | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g'; }
for tk in $base $variants; do
    node "$TOP/tests/ref/hf.js" "$tok/$tk.json" "$work/docs.jsonl" add0 | nonempty > "$work/hf"
    "$BUILD/bin/cn-tokenize" -q -t "$tok/$tk.json" "$work/docs.jsonl" | ids_of > "$work/ours"
    same "$tk documents" "$work/hf" "$work/ours"
done
for tk in $base; do
    node "$TOP/tests/ref/hf.js" "$tok/$tk.json" "$work/docs.jsonl" lit | nonempty > "$work/hf"
    "$BUILD/bin/cn-tokenize" -q --literal-special -t "$tok/$tk.json" "$work/docs.jsonl" | ids_of > "$work/ours"
    same "$tk documents --literal-special" "$work/hf" "$work/ours"
done

# decode(encode(x)) == x; the space marker U+2581 itself decodes to a space
grep -v $'\u2581' "$work/docs.jsonl" > "$work/rt.jsonl"
for tk in llama2 mistral llama3 gpt2; do
    "$BUILD/bin/cn-tokenize" -q --literal-special -t "$tok/$tk.json" "$work/rt.jsonl" |
        "$BUILD/bin/cn-tokenize" -q --decode -t "$tok/$tk.json" > "$work/back.jsonl"
    if node -e '
        const fs = require("fs");
        const rd = (f) => fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l).text);
        const a = rd(process.argv[1]), b = rd(process.argv[2]);
        const i = a.findIndex((t, k) => t !== b[k]);
        if (a.length !== b.length || i >= 0) { console.log("record " + (i + 1) + " of " + a.length + " differs"); process.exit(1); }
    ' "$work/rt.jsonl" "$work/back.jsonl"; then
        echo "ok   $tk decode(encode(x)) == x ($(wc -l < "$work/rt.jsonl") documents)"
    else
        bad=1
    fi
done
exit $bad
