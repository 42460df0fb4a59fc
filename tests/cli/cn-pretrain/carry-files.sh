# the files a model directory has beside its weights go on with it, as
# transformers' save_pretrained keeps them: --init DIR's generation_config.json
# into the output and each checkpoint; its tokenizer_config.json too while the
# tokenizer is DIR's own, not once --vocab-map changes it; a resumed run takes
# them from its checkpoint; a generation_config.json that is not JSON is
# refused before training, not at the end
. $TOP/tests/cli/cn-pretrain/common.inc
tok=$DATA/tok/tiny-spm.json
cn-pretrain -q --config cfg.json -t $tok --out base --steps 1 --seq-len 32 data.tok
[ ! -e base/generation_config.json ] && [ ! -e base/tokenizer_config.json ]
printf '{"bos_token_id": 1, "eos_token_id": [2, 5], "temperature": 0.6, "top_p": 0.9, "do_sample": true}\n' > base/generation_config.json
printf '{"bos_token_id": "<s>", "eos_token_id": "</s>", "chat_template": "{{ messages[0].content }}"}\n' > base/tokenizer_config.json
cn-pretrain -q --init base --out next --steps 4 --save-every 2 --seq-len 32 data.tok
for d in next next/step-2 next/step-4; do
    cmp base/generation_config.json $d/generation_config.json
    cmp base/tokenizer_config.json $d/tokenizer_config.json
done
# resumed: a run stopped after its last checkpoint, the final files gone
rm next/model.safetensors next/config.json next/generation_config.json next/tokenizer_config.json next/step-2 -r
cn-pretrain -q --resume next data.tok
cmp base/generation_config.json next/generation_config.json
cmp base/tokenizer_config.json next/tokenizer_config.json
# the tokenizer changed by --vocab-map: its config is not the base's any more
cn-vocab augment -q --base $tok --domain $SAMPLES/docs/domain.jsonl --general $SAMPLES/docs/general.jsonl \
    --add 12 --min-fire 0.5 --map map.jsonl -o aug.json
cn-tokenize -q -t aug.json $SAMPLES/docs/domain.jsonl -o dom.tok
cn-pretrain -q --init base -t aug.json --vocab-map map.jsonl --out grown --steps 1 --seq-len 32 dom.tok
cmp base/generation_config.json grown/generation_config.json
[ ! -e grown/tokenizer_config.json ]
# a generation_config.json that is not a JSON object: refused at the start
printf '[1, 2]\n' > base/generation_config.json
expect 1 cn-pretrain -q --init base --out bad --steps 1 --seq-len 32 data.tok 2> err
grep -q "^cn-pretrain: base/generation_config.json: " err
[ ! -e bad ]
