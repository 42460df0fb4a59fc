# --stop: the text ends before the first stop string, which is not printed
. $TOP/tests/cli/cn-rag/common.inc
cn-rag --no-retrieval -q -m m -p "The clock" --max-new-tokens 40 > full.txt
stop=$(head -c 20 full.txt | tail -c 3)
cn-rag --no-retrieval -q -m m -p "The clock" --max-new-tokens 40 --stop "$stop" --stop "never-there" > cut.txt
/usr/bin/python3 - full.txt cut.txt "$stop" <<'PY'
import sys
full = open(sys.argv[1], encoding="utf-8", errors="surrogateescape").read()
cut = open(sys.argv[2], encoding="utf-8", errors="surrogateescape").read()
stop = sys.argv[3]
want = full[:full.index(stop)] + "\n"
assert cut == want, (cut, want)
PY
