# invalid UTF-8 is an error naming the line, or replaced with --replace-invalid-utf8
. "$TOP/tests/cli/lib.sh"
printf '{"text": "ok"}\n{"text": "bad \xff here"}\n' > in.jsonl
expect 1 cn-tokenize -t $DATA/tok/tiny-spm.json in.jsonl -o out.tok 2> err.txt
grep -qx 'cn-tokenize: in.jsonl:2: invalid UTF-8 at byte 15' err.txt || exit 1
[ ! -e out.tok ] || exit 1
cn-tokenize -q --replace-invalid-utf8 -t $DATA/tok/tiny-spm.json in.jsonl -o out.tok
cn-shard stat out.tok | grep -q '"docs": 2'
