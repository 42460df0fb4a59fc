# an option of the other command (train or augment) is a usage error naming
# it: --threads is augment's (train runs on one thread), --type train's
. "$TOP/tests/cli/lib.sh"
printf '{"text": "module top; endmodule"}\n' > d.jsonl
expect 2 cn-vocab train -q --type spm-bpe --vocab-size 300 --threads 2 d.jsonl 2> err
grep -q -- '^cn-vocab: --threads is an option of cn-vocab augment, not of train' err
expect 2 cn-vocab train -q --type spm-bpe --vocab-size 300 --map m.jsonl d.jsonl 2> err
grep -q -- '--map is an option of cn-vocab augment' err
expect 2 cn-vocab augment -q --base $DATA/tok/tiny-spm.json --domain d.jsonl --general d.jsonl --add 5 --type spm-bpe 2> err
grep -q -- '^cn-vocab: --type is an option of cn-vocab train, not of augment' err
expect 2 cn-vocab augment -q --base $DATA/tok/tiny-spm.json --domain d.jsonl --general d.jsonl --add 5 --min-count 3 2> err
grep -q -- '--min-count is an option of cn-vocab train' err
[ ! -e m.jsonl ]
