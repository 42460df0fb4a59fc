# a model directory's tokenizer goes with it: --init DIR without -t trains
# with DIR/tokenizer.json (its BOS/EOS, the shards checked against it) and
# writes it to OUT; a -t that is another file than DIR's, shards of another
# tokenizer, a tokenizer with ids beyond the embedding and an --init DIR
# without any tokenizer are refused, each with what to do
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out base --steps 1 --seq-len 32 data.tok
cmp base/tokenizer.json $DATA/tok/tiny-spm.json
cn-pretrain -q --init base --out next --steps 1 --seq-len 32 data.tok
cmp next/tokenizer.json $DATA/tok/tiny-spm.json
# the same run with -t naming the same file: the same bytes
cn-pretrain -q --init base -t $DATA/tok/tiny-spm.json --out same --steps 1 --seq-len 32 data.tok
cmp next/model.safetensors same/model.safetensors
# another tokenizer of the same size (one more newline: another SHA-256)
{ cat $DATA/tok/tiny-spm.json; echo; } > other.json
expect 1 cn-pretrain -q --init base -t other.json --out x --steps 1 --seq-len 32 data.tok 2> err
grep -qx "cn-pretrain: -t other.json: not base/tokenizer.json (their SHA-256 differ): give the model's own tokenizer, or, for one augmented by cn-vocab augment, its --vocab-map MAP.jsonl" err
# shards of another tokenizer, with no -t: checked against base's own
cn-tokenize -q -t other.json $SAMPLES/docs/domain.jsonl -o other.tok
expect 1 cn-pretrain -q --init base --out x --steps 1 --seq-len 32 other.tok 2> err
grep -qx "cn-pretrain: other.tok: made with another tokenizer than base/tokenizer.json" err
# a tokenizer whose added token has no row in the embedding
expect 1 cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-metaspace.json --out x --steps 1 --seq-len 32 data.tok 2> err
grep -qx "cn-pretrain: $DATA/tok/tiny-metaspace.json: added token 'clk' has id 650, beyond the 650 embedding rows of the model (cfg.json)" err
# a model directory with no tokenizer, and no -t
cn-pretrain -q --config cfg.json --out bare --steps 1 --seq-len 32 data.tok
[ ! -e bare/tokenizer.json ]
expect 1 cn-pretrain -q --init bare --out x --steps 1 --seq-len 32 data.tok 2> err
grep -qx "cn-pretrain: bare/tokenizer.json: no such file (the model's tokenizer): give the data's tokenizer.json with -t" err
[ ! -e x ]
