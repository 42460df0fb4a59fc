#!/usr/bin/env bash
# Seeds for fuzz_st, written here (a safetensors header is text): DIR/one.st,
# one BF16 tensor; DIR/many.st, F32/F16/I64 tensors, a scalar, an empty one
# and __metadata__, 8-byte aligned as writers pad it.
set -euo pipefail
dir=$1
mkdir -p "$dir"
seed() { # FILE HEADER DATA-BYTES: the header padded to 8 bytes, its length as u64 LE
    local h=$2 n
    while (( ${#h} % 8 )); do h="$h "; done
    n=${#h}
    printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x\\x00\\x00\\x00\\x00' $((n & 255)) $((n >> 8 & 255)) $((n >> 16 & 255)) $((n >> 24 & 255)))" > "$1"
    printf '%s' "$h" >> "$1"
    head -c "$3" /dev/zero | tr '\0' '\1' >> "$1"
}
seed "$dir/one.st" '{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}' 4
seed "$dir/many.st" '{"__metadata__":{"format":"pt"},"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"h":{"dtype":"F16","shape":[2,3],"data_offsets":[24,36]},"s":{"dtype":"F32","shape":[],"data_offsets":[36,40]},"e":{"dtype":"F32","shape":[0,4],"data_offsets":[40,40]},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[40,64]}}' 64
