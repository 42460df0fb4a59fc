# full fine-tuning: the answer loss falls; OUT is a model directory with the
# tokenizer and a tokenizer_config.json naming the template (so the next run
# finds it without --template); the same run twice gives the same bytes.
# The chipnemo markers, text to tiny-spm, become special tokens 650 and 651
# (the rest of the tokenizer as it was) and the model grows to 652 rows; a
# run from that model adds nothing
. $TOP/tests/cli/cn-sft/common.inc
args=(-q --seq-len 64 --micro-batch 2 --lr 1e-2 --steps 40 --warmup 2)
cn-sft --init base --template chipnemo --out a --log a.log "${args[@]}" --max-skip 2 chat.jsonl
cn-sft --init base --template chipnemo --out b "${args[@]}" --max-skip 2 chat.jsonl
cmp a/model.safetensors b/model.safetensors
/usr/bin/python3 - a base <<'PY'
import json, sys
a, b = (json.load(open(d + "/tokenizer.json")) for d in sys.argv[1:])
new = a["added_tokens"][len(b["added_tokens"]):]
assert [(t["id"], t["content"], t["special"], t["normalized"]) for t in new] == [(650, "<extra_id_0>", True, False), (651, "<extra_id_1>", True, False)], new
a["added_tokens"] = a["added_tokens"][:len(b["added_tokens"])]
assert a == b, "the rest of the tokenizer changed"
assert json.load(open("a/config.json"))["vocab_size"] == 652
dec = json.load(open("a/tokenizer_config.json"))["added_tokens_decoder"]
assert dec["651"]["content"] == "<extra_id_1>" and dec["651"]["special"], dec
PY
tr -d ' \t\n' < a/tokenizer_config.json | grep -q '"chat_template_name":"chipnemo"'
tr -d ' \t\n' < a/tokenizer_config.json | grep -q '"chat_template":"{{bos_token}}'
test "$(wc -l < a.log)" = 40
first=$(head -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
last=$(tail -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
awk -v f="$first" -v l="$last" 'BEGIN { exit !(l < f - 1) }'
# the template comes from the model directory now
cn-sft --init a --out c -q --seq-len 64 --steps 1 --max-skip 2 chat.jsonl
tr -d ' \t\n' < c/tokenizer_config.json | grep -q '"chat_template_name":"chipnemo"'
cmp a/tokenizer.json c/tokenizer.json
