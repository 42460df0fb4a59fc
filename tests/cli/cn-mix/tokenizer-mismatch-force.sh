. "$TOP/tests/cli/lib.sh"
echo '{"model": "one"}' > t1.json; echo '{"model": "two"}' > t2.json
mkshard a.tok 1000 t1.json; mkshard b.tok 1000 t2.json
cn-mix --force -q 1:a.tok 1:b.tok > out.tok
cn-shard stat out.tok | grep -q '"docs": 6'
