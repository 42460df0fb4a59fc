#!/usr/bin/env bash
# tests/fuzz/seeds.sh TARGET DIR: the seed inputs of a fuzz target into DIR:
# its committed seeds (tests/fuzz/seeds/TARGET), its crashers kept as
# regression inputs (tests/fuzz/regress/TARGET), and inputs made here from
# the test data: chat conversations, config files, the Megatron fixtures in
# fuzz_megatron's layout, safetensors files written byte by byte.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
target=$1 dir=$2
mkdir -p "$dir"
for d in seeds regress; do
    if [ -d "$top/tests/fuzz/$d/$target" ]; then cp "$top/tests/fuzz/$d/$target"/* "$dir/"; fi
done
le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
# st FILE HEADER DATA-BYTES: the header padded to 8 bytes, its length as u64 LE
st() {
    local h=$2
    while (( ${#h} % 8 )); do h="$h "; done
    { le32 ${#h}; le32 0; printf '%s' "$h"; head -c "$3" /dev/zero | tr '\0' '\1'; } > "$1"
}
case $target in
fuzz_bpe_map)
    printf '{"id": 650, "token": "clk", "base_ids": [3, 41]}\n{"id": 651, "base_ids": []}\n' > "$dir/map.jsonl"
    printf '{"id": 4294967295, "base_ids": [0, 4294967295]}\n' > "$dir/edge.jsonl" ;;
fuzz_vec)
    if command -v /usr/bin/python3 > /dev/null && /usr/bin/python3 -c 'import faiss' 2> /dev/null; then
        /usr/bin/python3 -c 'import faiss, numpy as np; i = faiss.IndexFlatIP(3); i.add(np.eye(3, dtype="float32")); faiss.write_index(i, "'"$dir"'/eye.faiss")'
    fi
    { printf 'IxFI'; le32 2; le32 1; le32 0; le32 1048576; le32 0; le32 1048576; le32 0; printf '\001'; le32 0; le32 2; le32 0; le32 1065353216; le32 0; } > "$dir/one.faiss" ;;
fuzz_pairs)
    printf '{"query": "q1", "pos": ["a"], "neg": ["b"]}\n{"query": "q2", "pos": ["c"], "neg": ["b"]}\n{"query": "q3", "pos": ["d"], "neg": ["e", "f"]}\n' > "$dir/p.jsonl" ;;
fuzz_structure)
    printf 'Title line\n=====\n\nA section of some words here.\n\n    cmd [options]\n\n    Help text for the command here.\n       -o file  Write the output to file now.\n# a comment of words\nx = 1\ny = 2\n' > "$dir/doc.txt"
    # a PDF manual's reference entry: "name – what it does", options at the margin
    printf 'C.77\n\nfsm_export \342\200\223 exporting FSMs\n\nfsm_export [ - noauto ]\n- noauto\nonly export some FSMs\n-o file\nthe first file\n' > "$dir/pdf.txt" ;;
fuzz_qrels)
    printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td3\t0\n' > "$dir/q.tsv" ;;
fuzz_mc) cp "$top"/tests/data/mc/*.jsonl "$dir/" ;;
fuzz_chat) cp "$top"/tests/data/chat/*.jsonl "$dir/" ;;
fuzz_config) for f in "$top"/tests/data/config/*.json "$top"/tests/data/model/*.json; do cp "$f" "$dir/"; done ;;
fuzz_megatron)
    for p in u16 i32 multi; do
        m=$top/tests/data/megatron/$p
        { le32 "$(stat -c %s "$m.idx")"; le32 "$(stat -c %s "$m.bin")"; cat "$m.idx" "$m.bin"; } > "$dir/$p"
    done
    # one with the side file, made by cn-shard where it is built (BUILD)
    cn=${BUILD:-$top/build}/bin/cn-shard
    if [ -x "$cn" ]; then
        w=$(mktemp -d)
        printf '{"ids": [1, 2, 3], "text_bytes": 12}\n{"ids": [4, 5], "text_bytes": 7}\n' > "$w/d.jsonl"
        "$cn" pack -q --vocab-size 1000 -o "$w/d.tok" "$w/d.jsonl"
        "$cn" to-megatron -q --eos 9 --prefix "$w/m" "$w/d.tok"
        { le32 "$(stat -c %s "$w/m.idx")"; le32 "$(stat -c %s "$w/m.bin")"; cat "$w/m.idx" "$w/m.bin" "$w/m.cnmeta"; } > "$dir/side"
        rm -rf "$w"
    fi ;;
fuzz_st)
    st "$dir/one.st" '{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}' 4
    st "$dir/many.st" '{"__metadata__":{"format":"pt"},"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"h":{"dtype":"F16","shape":[2,3],"data_offsets":[24,36]},"s":{"dtype":"F32","shape":[],"data_offsets":[36,40]},"e":{"dtype":"F32","shape":[0,4],"data_offsets":[40,40]},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[40,64]}}' 64 ;;
esac
