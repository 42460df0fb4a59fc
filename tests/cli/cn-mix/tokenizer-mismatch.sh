# stderr: b.tok: made by a different tokenizer than a.tok .*--force
. "$TOP/tests/cli/lib.sh"
echo '{"model": "one"}' > t1.json; echo '{"model": "two"}' > t2.json
mkshard a.tok 1000 t1.json; mkshard b.tok 1000 t2.json
expect 1 cn-mix 1:a.tok 1:b.tok > out.tok
