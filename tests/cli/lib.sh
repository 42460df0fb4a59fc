# Helpers for command-line cases (sourced by every case). Cases run in an
# empty directory with the tools on PATH; $DATA is tests/data, $TOP the
# repository. Every command of a case is a check (tests/run.sh runs them so,
# and so does sourcing this file).
set -euo pipefail
shopt -s inherit_errexit

# expect N CMD...: CMD must exit with status N (a failure it is meant to
# give); its output passes through. A failing CMD must leave no temporary
# output (*.tmp.*) in the case's directory.
expect() {
    local want=$1 got=0 left
    shift
    "$@" || got=$?
    if [ "$got" != "$want" ]; then
        echo "expect: exit $got, not $want: $*" >&2
        return 1
    fi
    left=$(find . -name '*.tmp.*' | head -3)
    if [ "$want" != 0 ] && [ -n "$left" ]; then
        echo "expect: a temporary file left behind: $left" >&2
        return 1
    fi
}

# mkshard NAME [VOCAB] [TOKENIZER]: a small shard of three documents
mkshard() {
    local vocab=${2:-1000} tok=${3:-}
    printf '{"ids": [1, 2, 3], "text_bytes": 12}\n{"ids": [4, 5], "text_bytes": 7}\n{"ids": [6, 7, 8, 9], "text_bytes": 20}\n' >"$1.jsonl"
    cn-shard pack --vocab-size "$vocab" ${tok:+--tokenizer "$tok"} -o "$1" "$1.jsonl"
}

# flip FILE OFFSET: xor one byte of FILE with 0x01
flip() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
