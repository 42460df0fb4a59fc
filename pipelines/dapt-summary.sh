#!/usr/bin/env bash
# The recipe's summary: a Markdown table of bits per byte (comparable across
# tokenizers) and tokens, before and after DAPT; multiple-choice accuracy
# before DAPT, after DAPT and after SFT; the checks the recipe must pass.
# Usage: dapt-summary.sh SCORES.jsonl "SEEDS" TOKENIZER
set -euo pipefail
scores=$1 seeds=$2 tok=$3
# val TASK METRIC MODEL-PATTERN DATA-PATTERN [KEY]: the first matching line's value (or KEY)
val() {
    grep "\"task\": \"$1\", \"metric\": \"$2\"" "$scores" | grep "\"model\": \"[^\"]*$3\"" | grep "\"data\": \"[^\"]*$4\"" |
        head -1 | sed "s/.*\"${5:-value}\": \\([^,}]*\\)[,}].*/\\1/"
}
f3() { awk -v x="$1" 'BEGIN { printf "%.3f", x }'; }
first=${seeds%% *}
second=${seeds##* }
echo "# The ChipNeMo recipe at laptop scale (tokenizer: $tok)"
echo
echo "Bits per byte on the held-out splits (lower is better):"
echo
echo "| model | domain held-out | general held-out |"
echo "|---|---|---|"
echo "| unigram (general train) | $(f3 "$(val unigram bits_per_byte base-general-train.tok domain-heldout.tok)") | $(f3 "$(val unigram bits_per_byte base-general-train.tok general-heldout.tok)") |"
echo "| base | $(f3 "$(val ppl bits_per_byte "/base" domain-heldout.tok)") | $(f3 "$(val ppl bits_per_byte "/base" general-heldout.tok)") |"
for s in $seeds; do
    echo "| DAPT, seed $s | $(f3 "$(val ppl bits_per_byte "dapt-$tok-s$s" domain-heldout.tok)") | $(f3 "$(val ppl bits_per_byte "dapt-$tok-s$s" general-heldout.tok)") |"
done
echo
dt=$(grep '"metric": "token_change"' "$scores" | grep 'domain-heldout' | grep '"kind": "all"' | sed 's/.*"value": \([^,]*\),.*/\1/')
gt=$(grep '"metric": "token_change"' "$scores" | grep 'general-heldout' | grep '"kind": "all"' | sed 's/.*"value": \([^,]*\),.*/\1/')
awk -v d="${dt:-0}" -v g="${gt:-0}" -v t="$tok" 'BEGIN { printf "Tokens with the %s tokenizer against the base one: domain held-out %+.2f%%, general held-out %+.2f%%.\n", t, 100 * d, 100 * g }'
echo
echo "Multiple choice on the domain test questions (commands and options never trained on), accuracy with its 95% (Wilson) interval:"
echo
echo "| model | prompt | questions | acc | acc_norm | chance |"
echo "|---|---|---|---|---|---|"
mc_row() { # LABEL MODEL-PATTERN PROMPT
    local n a an lo hi lon hin c
    n=$(val mc acc "$2" "mc-test[^\"]*" n)
    [ -n "$n" ] || return 0
    a=$(val mc acc "$2" "mc-test[^\"]*") an=$(val mc acc_norm "$2" "mc-test[^\"]*") c=$(val mc chance "$2" "mc-test[^\"]*")
    lo=$(val mc acc "$2" "mc-test[^\"]*" ci95 | tr -d '[ ') hi=$(grep '"metric": "acc"' "$scores" | grep "\"model\": \"[^\"]*$2\"" | head -1 | sed 's/.*"ci95": \[[^,]*, \([^]]*\)\].*/\1/')
    lon=$(val mc acc_norm "$2" "mc-test[^\"]*" ci95 | tr -d '[ ') hin=$(grep '"metric": "acc_norm"' "$scores" | grep "\"model\": \"[^\"]*$2\"" | head -1 | sed 's/.*"ci95": \[[^,]*, \([^]]*\)\].*/\1/')
    awk -v l="$1" -v p="$3" -v n="$n" -v a="$a" -v alo="$lo" -v ahi="$hi" -v b="$an" -v blo="$lon" -v bhi="$hin" -v c="$c" \
        'BEGIN { printf "| %s | %s | %d | %.3f [%.3f, %.3f] | %.3f [%.3f, %.3f] | %.3f |\n", l, p, n, a, alo, ahi, b, blo, bhi, c }'
}
mc_row "base" "/base" "Question/Answer"
mc_row "DAPT, seed $first" "dapt-$tok-s$first" "Question/Answer"
mc_row "DAPT + SFT" "sft-$tok" "chat template"
echo
ex() { grep '"task": "exact"' "$scores" | grep "\"metric\": \"$1\"" | grep "\"data\": \"[^\"]*answers-$tok-$2.jsonl\"" | head -1 | sed "s/.*\"${3:-value}\": \([^,}]*\)[,}].*/\1/"; }
if [ -n "$(ex exact_match train)" ]; then
    echo "The DAPT + SFT model's chat answers (cn-rag chat, greedy), exact match against the reference:"
    echo
    echo "| questions | n | exact match | empty answers |"
    echo "|---|---|---|---|"
    for s in train test; do
        awk -v s="$s" -v n="$(ex exact_match $s n)" -v e="$(ex exact_match $s)" -v z="$(ex empty $s)" \
            'BEGIN { printf "| %s | %d | %.3f | %.3f |\n", s == "train" ? "its training questions" : "test questions (the right choice)", n, e, z }'
    done
    echo
fi
u=$(val unigram bits_per_byte base-general-train.tok general-heldout.tok)
awk -v u="$u" \
    -v bg="$(val ppl bits_per_byte "/base" general-heldout.tok)" \
    -v bd="$(val ppl bits_per_byte "/base" domain-heldout.tok)" \
    -v dd1="$(val ppl bits_per_byte "dapt-$tok-s$first" domain-heldout.tok)" \
    -v dd2="$(val ppl bits_per_byte "dapt-$tok-s$second" domain-heldout.tok)" \
    -v dg="$(val ppl bits_per_byte "dapt-$tok-s$first" general-heldout.tok)" 'BEGIN {
    noise = dd1 > dd2 ? dd1 - dd2 : dd2 - dd1
    printf "Checks:\n\n"
    printf "- base model learned: general %.3f bits/byte, %.1f%% below the unigram model'"'"'s %.3f (needed: 25%%): %s\n", bg, 100 * (1 - bg / u), u, (bg <= 0.75 * u ? "yes" : "NO")
    printf "- DAPT helps the domain: %.3f -> %.3f bits/byte, by %.3f; two seeds of the DAPT run differ by %.3f: %s\n", bd, dd1, bd - dd1, noise, (bd - dd1 > noise ? "yes" : "NO")
    printf "- general kept: %.3f -> %.3f bits/byte (%+.1f%%, allowed +5%%): %s\n", bg, dg, 100 * (dg / bg - 1), (dg <= 1.05 * bg ? "yes" : "NO")
}'
