#!/usr/bin/env bash
# The DAPT demo's summary: a Markdown table of bits per byte (comparable
# across tokenizers) and tokens, before and after, and the checks the recipe
# must pass. Usage: dapt-summary.sh SCORES.jsonl "SEEDS" TOKENIZER
set -euo pipefail
scores=$1 seeds=$2 tok=$3
val() { # TASK METRIC MODEL-PATTERN DATA-PATTERN
    grep "\"task\": \"$1\", \"metric\": \"$2\"" "$scores" | grep "\"model\": \"[^\"]*$3\"" | grep "\"data\": \"[^\"]*$4\"" |
        head -1 | sed 's/.*"value": \([^,]*\),.*/\1/' | awk '{printf "%.3f", $1}'
}
echo "# DAPT at laptop scale (tokenizer: $tok)"
echo
echo "Bits per byte on the held-out splits (lower is better):"
echo
echo "| model | domain held-out | general held-out |"
echo "|---|---|---|"
echo "| unigram (general train) | $(val unigram bits_per_byte base-general-train.tok domain-heldout.tok) | $(val unigram bits_per_byte base-general-train.tok general-heldout.tok) |"
for s in $seeds; do
    echo "| base, seed $s | $(val ppl bits_per_byte "base-s$s" domain-heldout.tok) | $(val ppl bits_per_byte "base-s$s" general-heldout.tok) |"
    echo "| DAPT, seed $s | $(val ppl bits_per_byte "dapt-$tok-s$s" domain-heldout.tok) | $(val ppl bits_per_byte "dapt-$tok-s$s" general-heldout.tok) |"
done
echo
dt=$(grep '"metric": "token_change"' "$scores" | grep 'domain-heldout' | grep '"kind": "all"' | sed 's/.*"value": \([^,]*\),.*/\1/')
gt=$(grep '"metric": "token_change"' "$scores" | grep 'general-heldout' | grep '"kind": "all"' | sed 's/.*"value": \([^,]*\),.*/\1/')
awk -v d="${dt:-0}" -v g="${gt:-0}" -v t="$tok" 'BEGIN { printf "Tokens with the %s tokenizer against the base one: domain held-out %+.2f%%, general held-out %+.2f%%.\n", t, 100 * d, 100 * g }'
echo
first=${seeds%% *}
second=${seeds##* }
awk -v u="$(val unigram bits_per_byte base-general-train.tok general-heldout.tok)" \
    -v bg="$(val ppl bits_per_byte "base-s$first" general-heldout.tok)" \
    -v bd1="$(val ppl bits_per_byte "base-s$first" domain-heldout.tok)" \
    -v bd2="$(val ppl bits_per_byte "base-s$second" domain-heldout.tok)" \
    -v dd="$(val ppl bits_per_byte "dapt-$tok-s$first" domain-heldout.tok)" \
    -v dg="$(val ppl bits_per_byte "dapt-$tok-s$first" general-heldout.tok)" 'BEGIN {
    noise = bd1 > bd2 ? bd1 - bd2 : bd2 - bd1
    printf "Checks:\n\n"
    printf "- base model learned: general %.3f bits/byte, %.1f%% below the unigram model'"'"'s %.3f (needed: 25%%): %s\n", bg, 100 * (1 - bg / u), u, (bg <= 0.75 * u ? "yes" : "NO")
    printf "- DAPT helps the domain: %.3f -> %.3f bits/byte, by %.3f; two base seeds differ by %.3f: %s\n", bd1, dd, bd1 - dd, noise, (bd1 - dd > noise ? "yes" : "NO")
    printf "- general kept: %.3f -> %.3f bits/byte (%+.1f%%, allowed +5%%): %s\n", bg, dg, 100 * (dg / bg - 1), (dg <= 1.05 * bg ? "yes" : "NO")
}'
