# the ids of every edge-case line equal Hugging Face's, for every tiny
# tokenizer, with special tokens matched and as plain text; empty documents
# have no record
. "$TOP/tests/cli/lib.sh"
T=$DATA/tok
for tk in tiny-spm tiny-metaspace tiny-bytelevel tiny-gpt2 tiny-bert tiny-bert-cased; do
    cn-tokenize -q -t $T/$tk.json $T/edge.jsonl | cn-shard dump | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > ours
    grep -v '^\[\]$' $T/$tk.add0.ref | cmp - ours || { echo "$tk differs"; exit 1; }
    cn-tokenize -q --literal-special -t $T/$tk.json $T/edge.jsonl | cn-shard dump | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > ours
    grep -v '^\[\]$' $T/$tk.lit.ref | cmp - ours || { echo "$tk --literal-special differs"; exit 1; }
done
