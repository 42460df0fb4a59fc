# --help lists the commands, COMMAND --help each one's options; --version; a
# missing or unknown command and an option its command does not take are
# usage errors (exit 2)
. "$TOP/tests/cli/lib.sh"
cn-embed --help > help.txt
grep -q 'cn-embed encode' help.txt && grep -q 'cn-embed index' help.txt && grep -q 'cn-embed search' help.txt
cn-embed index --help > index.txt
grep -q -- '--chunk-chars' index.txt && grep -q -- '--overlap' index.txt
cn-embed search --help > search.txt
grep -q -- '--top' search.txt && grep -q 'faiss\|index.faiss' search.txt
cn-embed encode --help > encode.txt
grep -q -- '--as KIND' encode.txt && grep -q '.npy' encode.txt
cn-embed chunk --help > chunk.txt
grep -q -- '--chunk-chars' chunk.txt && grep -q 'BEIR corpus' chunk.txt
if grep -q -- '--batch\|--threads' chunk.txt; then echo "chunk --help lists options it does not take"; exit 1; fi
grep -q 'cn-embed chunk' help.txt
cn-embed --version | grep -q '^cn-embed '
expect 2 cn-embed 2> err
grep -q "^cn-embed: no command" err
expect 2 cn-embed embed 2> err
grep -q "^cn-embed: unknown command 'embed'" err
# an option of another command
expect 2 cn-embed search --index x --chunk-chars 100 --query a 2> err
expect 2 cn-embed encode --model x --top 3 2> err
expect 2 cn-embed chunk --threads 2 x.jsonl 2> err
expect 2 cn-embed chunk --model x x.jsonl 2> err
expect 2 cn-embed index --model x -o i --top 3 d.jsonl 2> err
expect 2 cn-embed encode --model x --as query --prompt "q: " 2> err
grep -q "not both" err
