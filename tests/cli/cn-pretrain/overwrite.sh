# --out that holds a model or a run is refused (exit 1, the model untouched)
# unless --overwrite, which clears the old run's checkpoints first; --out
# never is the --init model, not even with --overwrite; --overwrite does not
# go with --resume
. $TOP/tests/cli/cn-pretrain/common.inc
args=(-q -t $DATA/tok/tiny-spm.json --seq-len 32 --micro-batch 2 --threads 1)
cn-pretrain --config cfg.json "${args[@]}" --steps 4 --save-every 2 --out r data.tok
before=$(sha256sum < r/model.safetensors)
expect 1 cn-pretrain --config cfg.json "${args[@]}" --steps 1 --out r data.tok 2> err
grep -qx 'cn-pretrain: r: holds a model or a run already: --resume r continues it, --overwrite replaces it, or give another --out' err
[ "$(sha256sum < r/model.safetensors)" = "$before" ]
expect 2 cn-pretrain --init r "${args[@]}" --steps 1 --out r data.tok 2> err
grep -q -- '--out r is the --init model' err
expect 2 cn-pretrain --init r "${args[@]}" --steps 1 --overwrite --out ./r/ data.tok 2> err
grep -q 'is the --init model' err
expect 2 cn-pretrain --resume r --overwrite data.tok 2> err
grep -q -- '--overwrite replaces a run: not with --resume' err
[ "$(sha256sum < r/model.safetensors)" = "$before" ]
# replaced: the new run's model, none of the old run's checkpoints
cn-pretrain --config cfg.json "${args[@]}" --steps 1 --save-every 1 --seed 9 --overwrite --out r data.tok
[ "$(sha256sum < r/model.safetensors)" != "$before" ]
[ "$(ls r | tr '\n' ' ')" = "config.json latest model.safetensors step-1 tokenizer.json " ]
# an empty directory, or one holding other files, is fine
mkdir e
echo notes > e/README
cn-pretrain --config cfg.json "${args[@]}" --steps 1 --out e data.tok
test -s e/model.safetensors
test -s e/README
