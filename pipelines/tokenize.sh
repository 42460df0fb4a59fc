#!/usr/bin/env bash
# tokenize.sh: fans many JSONL files out over GNU parallel (local jobs, or
# hosts with --sshlogin), one shard per input, then concatenates them in input
# order: the stream's documents are the same as one cn-tokenize run over all
# the files in that order.
#
#   pipelines/tokenize.sh -t tokenizer.json -o out.tok [-j JOBS] [-- PARALLEL-OPTS --] FILE...
#   e.g. pipelines/tokenize.sh -t tok.json -o all.tok -- --sshlogin 8/host1,8/host2 -- data/*.jsonl.zst
# Each job runs cn-tokenize with one thread per job (--threads 1); JOBS
# defaults to the number of cores. Extra cn-tokenize options: CN_TOKENIZE_OPTS.
set -euo pipefail
prog=tokenize.sh
tok= out= jobs=$(nproc)
par=()
while [ $# -gt 0 ]; do
    case $1 in
    -t) tok=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --) shift; while [ $# -gt 0 ] && [ "$1" != -- ]; do par+=("$1"); shift; done; shift ;;
    -h|--help) sed -n '2,/^[^#]/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
    -*) echo "$prog: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ -n "$tok" ] && [ -n "$out" ] && [ $# -gt 0 ] || { echo "$prog: usage: $prog -t TOKENIZER.json -o OUT FILE..." >&2; exit 2; }
command -v parallel >/dev/null || { echo "$prog: GNU parallel is not installed (make deps)" >&2; exit 1; }
work=$(mktemp -d "${out}.parts.XXXXXX")
trap 'rm -rf "$work"' EXIT
# {#} numbers the jobs in input order; each writes its own shard
parallel --will-cite --halt now,fail=1 -j "$jobs" "${par[@]}" \
    cn-tokenize -q --threads 1 ${CN_TOKENIZE_OPTS:-} -t "$tok" -o "$work/{#}.tok" {} ::: "$@"
n=$#
tmp="$out.tmp.$$"
for ((i = 1; i <= n; i++)); do cat "$work/$i.tok"; done > "$tmp"
mv "$tmp" "$out"
