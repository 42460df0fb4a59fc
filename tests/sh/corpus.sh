# The real corpora: every record has text (valid UTF-8, at most 64 KB), source
# and kind; the splits have the packages and kinds the recipe names; held-out
# text never repeats train text; a rebuild gives the same bytes.
set -euo pipefail
data=$TOP/samples/data
for s in domain-train domain-heldout general-train general-heldout; do
    [ -s "$data/$s.jsonl.zst" ] || { echo "missing $data/$s.jsonl.zst (make corpus)"; exit 1; }
done
"$BUILD/tests/jsonl_stats" --max-text 65536 "$data"/domain-train.jsonl.zst "$data"/domain-heldout.jsonl.zst \
    "$data"/general-train.jsonl.zst "$data"/general-heldout.jsonl.zst > stats.txt
cat stats.txt
# sizes in the expected range (MB of text)
mb() { sed -n "s|^.*/$1.jsonl.zst: [0-9]* records, [0-9]* bytes (\([0-9.]*\) MB)|\1|p" stats.txt; }
awk -v a="$(mb domain-train)" -v b="$(mb domain-heldout)" -v c="$(mb general-train)" -v d="$(mb general-heldout)" \
    'BEGIN { exit !(a > 5 && b > 1 && c > 3 && d > 1) }'
# kinds present in domain train
for k in verilog techlib script doc; do
    awk -v k="$k" '/domain-train/ {on=1; next} /jsonl.zst/ {on=0} on && $1 == k {f=1} END {exit !f}' stats.txt
done
# sources: the packages of each split, and only those
src() { zstdcat "$data/$1.jsonl.zst" | grep -o '"source": *"[^"]*"' | sort -u | sed 's/.*"\([^"]*\)"$/\1/' | tr '\n' ' '; }
echo "domain-heldout sources: $(src domain-heldout)"
[ "$(src domain-heldout)" = "iverilog verilator " ]
[ "$(src general-train)" = "python3-doc " ]
src domain-train | grep -q yosys
if src domain-train | grep -qE 'verilator|iverilog'; then exit 1; fi
# rebuilding gives the same bytes
TEXT2JSONL=$BUILD/samples/text2jsonl CORPUS_LEVEL=19 "$TOP/samples/corpus.sh" again > /dev/null
for s in domain-train domain-heldout general-train general-heldout; do
    cmp "$data/$s.jsonl.zst" "again/$s.jsonl.zst"
done
