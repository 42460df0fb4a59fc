# cn-score ppl's progress line (forced as on a terminal): a shard's documents
# of its total, with the percentage and the time left; an uncompressed JSONL
# file's documents with the share of its bytes read; a compressed one's
# documents alone (its size unknown until read)
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out m --steps 1 --seq-len 32 data.tok
cn-tokenize -q -t $DATA/tok/tiny-spm.json $SAMPLES/docs/domain.jsonl -o dom.tok
cp $SAMPLES/docs/domain.jsonl dom.jsonl
zstd -q dom.jsonl -o dom.jsonl.zst
# (a file a run: the line is drawn at a run's first document, then 4 times a second)
for f in dom.tok dom.jsonl dom.jsonl.zst; do
    CN_PROGRESS=1 cn-score ppl -m m --seq-len 16 $f 2> $f.err > /dev/null
done
grep -q $'\r''cn-score: dom.tok: [0-9]*/16 documents, [0-9.]*%, ETA [0-9]* s' dom.tok.err
grep -q $'\r''cn-score: dom.jsonl: [0-9]* documents, [0-9.]*%, ETA [0-9]* s' dom.jsonl.err
grep -q $'\r''cn-score: dom.jsonl.zst: [0-9]* documents'$'\033' dom.jsonl.zst.err
if grep -q 'documents,' dom.jsonl.zst.err; then echo "a share of a compressed file"; exit 1; fi
