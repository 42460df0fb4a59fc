# a unigram model of the training shard: add-one smoothed frequencies; its
# loss on the training data is the smoothed entropy, checked here by awk
. $TOP/tests/cli/cn-pretrain/common.inc
cn-score unigram --train data.tok data.tok > out.jsonl
test "$(wc -l < out.jsonl)" = 2
got=$(grep '"metric": "loss"' out.jsonl | sed 's/.*"value": \([^,]*\),.*/\1/')
cn-shard dump -q data.tok | sed 's/.*"ids": \[\([^]]*\)\].*/\1/' | tr ',' '\n' | awk -v v=650 -v got="$got" '
  NF { c[$1 + 0]++; n++ } END { total = n + v; for (id in c) h -= c[id] * log((c[id] + 1) / total); h /= n;
       d = h - got; if (d < 0) d = -d; exit !(d < 1e-9 * h) }'
