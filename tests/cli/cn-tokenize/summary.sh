# the end summary: off a terminal too (a log), naming the output, the
# documents (empty ones counted apart), the tokens; none with -q
. "$TOP/tests/cli/lib.sh"
printf '%s\n' '{"text": "the cat sat"}' '{"text": ""}' '{"text": "on the mat"}' > in.jsonl
cn-tokenize -t $DATA/tok/tiny-spm.json in.jsonl -o a.tok 2> err
cn-score tokens -q --json -t $DATA/tok/tiny-spm.json in.jsonl > count.json
n=$(sed -n 's/.*"metric": "tokens", "value": \([0-9]*\),.*/\1/p' count.json)
[ "$n" -gt 0 ]
grep -q "^cn-tokenize: a.tok: 3 documents (1 empty), $n tokens, [0-9.]* bytes a token, " err
[ "$(wc -l < err)" = 1 ]
cn-tokenize -t $DATA/tok/tiny-spm.json --format megatron --eos none in.jsonl -o m 2> err
grep -q "^cn-tokenize: m.{bin,idx}: 3 documents (1 empty, left out), $n tokens, " err
cn-tokenize -q -t $DATA/tok/tiny-spm.json in.jsonl -o b.tok 2> err
[ ! -s err ]
