# a short run: the loss falls; OUT is a BERT directory cn-embed indexes with
# and a sentence-transformers directory (modules, mean pooling, Normalize,
# the prompts); the same run gives the same bytes; bad examples name their
# line
. $TOP/tests/cli/cn-retrain/common.inc
args=(-q --threads 2 --steps 60 --micro-batch 8 --seq-len 48 --lr 3e-3 --seed 3)
cn-retrain --init enc --out rt --log rt.log "${args[@]}" pairs.jsonl
/usr/bin/python3 - rt rt.log <<'PY'
import json, os, sys
d, log = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(log)]
first, last = sum(r["loss"] for r in rows[:5]) / 5, sum(r["loss"] for r in rows[-5:]) / 5
assert len(rows) == 60 and last < 0.6 * first, (first, last)
m = json.load(open(d + "/modules.json"))
assert [x["type"].split(".")[-1] for x in m] == ["Transformer", "Pooling", "Normalize"], m
p = json.load(open(d + "/1_Pooling/config.json"))
assert p["pooling_mode_mean_tokens"] is True and p["pooling_mode_cls_token"] is False and p["word_embedding_dimension"] == 32
assert os.path.isdir(d + "/2_Normalize") and not os.listdir(d + "/2_Normalize")
c = json.load(open(d + "/config_sentence_transformers.json"))
assert c["prompts"] == {"query": "query: ", "passage": "passage: "}, c
assert json.load(open(d + "/sentence_bert_config.json"))["max_seq_length"] == 48
cfg = json.load(open(d + "/config.json"))
assert cfg["model_type"] == "bert"
PY
cmp rt/tokenizer.json enc/tokenizer.json
cn-embed index -q -m rt -o ix-rt --chunk-chars 200 $docs
cn-embed search -i ix-rt --query "clock domain crossing" -k 3 > hits.jsonl
[ "$(wc -l < hits.jsonl)" = 3 ]
cn-retrain --init enc --out rt2 "${args[@]}" pairs.jsonl
cmp rt/model.safetensors rt2/model.safetensors
# --num-negatives 0: in-batch negatives only; more than the examples have: refused at the line
cn-retrain --init enc --out rt0 "${args[@]}" --num-negatives 0 pairs.jsonl
expect 1 cn-retrain --init enc --out rt3 "${args[@]}" --num-negatives 3 pairs.jsonl 2> err
grep -qx "cn-retrain: pairs.jsonl:1: 3 hard negatives wanted (--num-negatives), fewer given" err
[ ! -e rt3 ]
printf '{"query": "a", "pos": ["x"], "neg": ["x"]}\n' > same.jsonl
expect 1 cn-retrain --init enc --out rt3 "${args[@]}" same.jsonl 2> err
grep -qx "cn-retrain: same.jsonl:1: negative 0 is the positive's text" err
head -3 pairs.jsonl > few.jsonl
expect 1 cn-retrain --init enc --out rt3 "${args[@]}" few.jsonl 2> err
grep -q "^cn-retrain: few.jsonl: 3 examples cannot fill a micro-batch of 8 without a text twice" err
# the prompts it was trained with are the ones cn-embed uses by default
cn-retrain --init enc --out rtp "${args[@]}" --steps 2 --query-prompt "q: " --passage-prompt "p: " pairs.jsonl
cn-embed index -q -m rtp -o ix-p --chunk-chars 200 $docs
grep -q '"query_prompt":	"q: "' ix-p/meta.json && grep -q '"passage_prompt":	"p: "' ix-p/meta.json
cn-embed index -q -m rtp -o ix-q --passage-prompt "x: " --chunk-chars 200 $docs
grep -q '"passage_prompt":	"x: "' ix-q/meta.json
printf '[1]\n' > rtp/config_sentence_transformers.json
expect 1 cn-embed encode -q -m rtp -o v.npy $SAMPLES/docs/domain.jsonl 2> err
grep -qx "cn-embed: rtp/config_sentence_transformers.json: not a JSON object" err
# a row needs [CLS] and [SEP]
expect 2 cn-retrain --init enc --out rt4 "${args[@]}" --seq-len 1 pairs.jsonl 2> err
grep -q -- "--seq-len 1: \[CLS\] and \[SEP\] need 2 tokens" err
[ ! -e rt4 ]
# a NUL byte in an example is refused, naming its line
printf '{"query": "a", "pos": ["x\\u0000y"], "neg": ["z"]}\n' > nul.jsonl
expect 1 cn-retrain --init enc --out rt5 "${args[@]}" nul.jsonl 2> err
grep -qx 'cn-retrain: nul.jsonl:1: a positive holds a NUL byte (\\u0000)' err
# from random weights (--config, -t): the loss falls; the same seed gives the
# same bytes, another seed others; the tokenizer is copied in; a run killed
# by --steps then resumed equals the run straight through
cn-retrain --config enc-cfg.json -t "$DATA/tok/tiny-bert.json" --out rc --log rc.log "${args[@]}" pairs.jsonl
cn-retrain --config enc-cfg.json -t "$DATA/tok/tiny-bert.json" --out rc2 "${args[@]}" pairs.jsonl
cmp rc/model.safetensors rc2/model.safetensors
cmp rc/tokenizer.json "$DATA/tok/tiny-bert.json"
cn-retrain --config enc-cfg.json -t "$DATA/tok/tiny-bert.json" --out rc3 "${args[@]}" --seed 4 pairs.jsonl
if cmp -s rc/model.safetensors rc3/model.safetensors; then echo "another --seed gave the same weights"; exit 1; fi
/usr/bin/python3 - rc.log <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
first, last = sum(r["loss"] for r in rows[:5]) / 5, sum(r["loss"] for r in rows[-5:]) / 5
assert len(rows) == 60 and last < 0.8 * first, (first, last)
PY
# resumed from its step-20 checkpoint (latest set back, the final model
# removed), a run from random weights ends as the run straight through
cn-retrain --config enc-cfg.json -t "$DATA/tok/tiny-bert.json" --out rcr "${args[@]}" --save-every 20 --keep 0 pairs.jsonl
cmp rc/model.safetensors rcr/model.safetensors
[ -d rcr/step-20 ] && echo step-20 > rcr/latest && rm rcr/model.safetensors rcr/tokenizer.json
cn-retrain -q --threads 2 --resume rcr pairs.jsonl
cmp rc/model.safetensors rcr/model.safetensors
cmp rc/tokenizer.json rcr/tokenizer.json
# the init std differs: other weights
cn-retrain --config enc-cfg.json -t "$DATA/tok/tiny-bert.json" --out rc1 "${args[@]}" --steps 1 pairs.jsonl
cn-retrain --config enc-cfg.json -t "$DATA/tok/tiny-bert.json" --out rcs "${args[@]}" --steps 1 --init-std 0.5 pairs.jsonl
if cmp -s rc1/model.safetensors rcs/model.safetensors; then echo "--init-std changed nothing"; exit 1; fi
# usage errors
expect 2 cn-retrain --config enc-cfg.json --out rx "${args[@]}" pairs.jsonl 2> err
grep -q -- "--config needs -t tokenizer.json" err
expect 2 cn-retrain --init enc -t "$DATA/tok/tiny-bert.json" --out rx "${args[@]}" pairs.jsonl 2> err
grep -q -- "-t gives --config's tokenizer" err
expect 2 cn-retrain --init enc --config enc-cfg.json -t "$DATA/tok/tiny-bert.json" --out rx "${args[@]}" pairs.jsonl 2> err
grep -q -- "give one of --init ENCODER_DIR or --config config.json, not both" err
expect 2 cn-retrain --init enc --init-std 0.1 --out rx "${args[@]}" pairs.jsonl 2> err
grep -q -- "--init-std sets --config's random weights" err
expect 2 cn-retrain --resume rc --config enc-cfg.json pairs.jsonl 2> err
grep -q -- "--resume continues a run: no --config with it" err
[ ! -e rx ]
