#!/usr/bin/env bash
# cn-export gguf, checked by llama.cpp itself: node-llama-cpp 3.21.1's
# prebuilt CPU build (tests/ref/llama.mjs, from make ref), with its KV cache
# in f32. On 300 lines of held-out domain and general text (and 20 prompts
# drawn from them):
#   tokens     llama.cpp's ids are cn-tokenize's for the real LLaMA2
#              tokenizer, LLaMA2 + 600 domain tokens (cn-vocab augment), and
#              LLaMA3's (byte-level, tokenizer.ggml.pre llama-bpe)
#   generation a small LLaMA trained here (grouped-query heads: 4 query, 2
#              key-value; its vocabulary augmented by 600 tokens between
#              two cn-pretrain runs), exported as f32: the same 48 greedy
#              tokens in llama.cpp as cn-rag --no-retrieval --ids for the
#              20 prompts; the last position's log-probabilities equal to
#              ours (libcore's logits) within 1e-3 of the largest logit; as
#              q8_0, the same top-1 token as our f32 at >= 95% of 2,000
#              teacher-forced positions
#   LoRA       an adapter of every projection (cn-sft --lora), exported with
#              --lora and applied by llama.cpp, gives the merged model's
#              greedy tokens (which are not the base's)
#   elsewhere  a random LLaMA written by PyTorch (tests/ref/torch_model.py),
#              not by the C code, gives in llama.cpp PyTorch's own greedy
#              tokens
#   the file   Hugging Face's GGUF parser (npm @huggingface/gguf) reads
#              every exported file: metadata, tensor names, GGUF-order
#              shapes and types as written
set -euo pipefail
. "$TOP/tests/sh/hf-ref.inc"
need_hf_ref tok/llama2.json tok/llama3.json node_modules/@huggingface/gguf/package.json llama/node_modules/node-llama-cpp/package.json
work=$(mktemp -d)
drv=$ref/llama/llama-$$.mjs
parse=$ref/gguf-parse-$$.mjs
trap 'rm -rf "$work" "$drv" "$parse"' EXIT
cp "$TOP/tests/ref/llama.mjs" "$drv"
cd "$work"
llama() { node "$drv" "$@"; }
lm() { "$BUILD/tests/lm_logits" "$@"; }
tokids() { "$BUILD/tests/tokids" "$@"; }
py() { /usr/bin/python3 "$@"; }

# ---- the text: 150 lines of each held-out split, and 20 prompts among them
for s in domain-train general-train domain-heldout general-heldout; do zstd -qdc "$SAMPLES/data/$s.jsonl.zst" > $s.jsonl; done
py - <<'PY'
import json
lines = []
for f in ("domain-heldout.jsonl", "general-heldout.jsonl"):
    ls = [l for d in open(f) for l in json.loads(d)["text"].split("\n") if l.strip() and len(l) < 2000]
    lines += ls[::max(1, len(ls) // 150)][:150]
with open("lines.jsonl", "w") as out:
    for l in lines: out.write(json.dumps({"text": l}) + "\n")
prompts = [l for l in lines if 30 <= len(l) <= 160][::7][:20]
with open("prompts.jsonl", "w") as out:
    for l in prompts: out.write(json.dumps({"text": l}) + "\n")
PY
[ "$(wc -l < lines.jsonl)" = 300 ] && [ "$(wc -l < prompts.jsonl)" = 20 ]

# ---- tokenization: a random model of each tokenizer, its GGUF tokenized by llama.cpp
tiny() { # NAME TOKENIZER VOCAB: a one-layer random model directory with that tokenizer
    printf '{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": %d, "max_position_embeddings": 128, "tie_word_embeddings": true}' "$3" > "$1.cfg.json"
    "$BUILD/tests/model_ref" init "$1.cfg.json" "$1" 1 1 4
    rm "$1/inputs.safetensors"
    cp "$2" "$1/tokenizer.json"
}
cn-vocab augment -q --base "$ref/tok/llama2.json" --domain domain-train.jsonl --general general-train.jsonl --add 600 --map map.jsonl -o llama2-aug.json
for t in llama2:"$ref/tok/llama2.json":32000 llama2-aug:llama2-aug.json:32600 llama3:"$ref/tok/llama3.json":128256; do
    IFS=: read -r name tok vocab <<< "$t"
    tiny "$name" "$tok" "$vocab"
    if [ "$name" = llama3 ]; then # BOS and EOS from here (this tokenizer.json's post-processor adds none), a chat template
        cat > llama3/tokenizer_config.json <<'CFG'
{"bos_token": "<|begin_of_text|>", "eos_token": {"content": "<|end_of_text|>", "special": true},
 "chat_template": "{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n{{ m['content'] | trim }}<|eot_id|>{% endfor %}"}
CFG
    fi
    cn-export gguf -q "$name" -o "$name.gguf"
    llama tokenize "$name.gguf" lines.jsonl > "$name.llama"
    tokids "$name/tokenizer.json" lines.jsonl add0 > "$name.ours"
    if ! cmp -s "$name.llama" "$name.ours"; then
        echo "FAIL $name: llama.cpp's ids differ on $(diff "$name.llama" "$name.ours" | grep -c '^<' || true) of 300 lines"
        exit 1
    fi
    echo "ok   $name ($vocab tokens): llama.cpp's ids are ours on all 300 lines ($(tr ',' '\n' < "$name.ours" | wc -l) tokens)"
done

# ---- a small LLaMA trained here: grouped-query heads, its vocabulary augmented
cat > cfg.json <<'CFG'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
 "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-vocab train -q --type spm-bpe --vocab-size 1000 domain-train.jsonl -o base.json
cn-vocab augment -q --base base.json --domain domain-train.jsonl --general general-train.jsonl --add 600 --map aug-map.jsonl -o aug.json
cat domain-train.jsonl general-train.jsonl > train.jsonl
cn-tokenize -q -t base.json train.jsonl -o base.tok
cn-tokenize -q -t aug.json train.jsonl -o aug.tok
train=(-q --steps 40 --seq-len 128 --micro-batch 4 --lr 3e-3 --warmup 4 --threads 2)
cn-pretrain "${train[@]}" --config cfg.json -t base.json --out m0 base.tok
cn-pretrain "${train[@]}" --init m0 -t aug.json --vocab-map aug-map.jsonl --out m aug.tok
grep -q '"vocab_size":.*1600' m/config.json
cn-export gguf -q m -o m.gguf --type f32
cn-export gguf -q m -o m-q8.gguf --type q8_0

# the prompts: llama.cpp tokenizes them as we do; BOS first
llama tokenize m.gguf prompts.jsonl > prompts.llama
tokids aug.json prompts.jsonl add0 > prompts.ours
cmp prompts.llama prompts.ours
sed 's/^\[/[1,/' prompts.ours > prompts.ids

same_greedy() { # WHAT LLAMA OURS: the same tokens, line by line
    if ! cmp -s "$2" "$3"; then
        echo "FAIL $1: $(diff "$2" "$3" | grep -c '^<' || true) of $(wc -l < "$3") continuations differ"
        diff "$2" "$3" | head -4
        exit 1
    fi
    echo "ok   $1: the same greedy tokens for all $(wc -l < "$3") prompts ($(tr ',' '\n' < "$3" | wc -l) tokens)"
}
ours_greedy() { # DIR: cn-rag's 48 greedy ids for each prompt
    local l
    while IFS= read -r l; do
        cn-rag --no-retrieval -q -m "$1" --threads 2 --ids --max-new-tokens 48 --prompt "$(printf '%s' "$l" | py -c 'import json, sys; print(json.load(sys.stdin)["text"], end="")')"
    done < prompts.jsonl
}
llama greedy m.gguf prompts.ids 48 > m.llama
ours_greedy m > m.ours
same_greedy "trained GQA model (f32)" m.llama m.ours

# the last position's log-probabilities against our logits
llama logprobs m.gguf prompts.ids > lp.llama
lm m prompts.ids last > logits.ours
py - <<'PY'
import json, math
worst = 0
for a, b in zip(open("lp.llama"), open("logits.ours")):
    lp, z = json.loads(a), json.loads(b)
    assert len(lp) == len(z) == 1600, (len(lp), len(z))
    c = sum(zi - li for zi, li in zip(z, lp)) / len(z)
    worst = max(worst, max(abs(zi - li - c) for zi, li in zip(z, lp)) / max(abs(x) for x in z))
assert worst <= 1e-3, "log-probabilities differ from the logits by %.2e of the largest" % worst
print("ok   logits: llama.cpp's last-position log-probabilities are ours up to a constant, within %.1e of the largest logit" % worst)
PY

# q8_0: top-1 over 2,000 teacher-forced positions (16 x 125 tokens of held-out text)
tokids aug.json lines.jsonl add0 | py -c '
import json, sys
ids = [i for l in sys.stdin for i in json.loads(l)]
for k in range(16): print(json.dumps([1] + ids[k * 124:(k + 1) * 124], separators=(",", ":")))' > forced.ids
lm m forced.ids argmax > top1.ours
llama top1 m-q8.gguf forced.ids > top1.q8
llama top1 m.gguf forced.ids > top1.f32
py - <<'PY'
import json
ours = [t for l in open("top1.ours") for t in json.loads(l)]
for name, floor in (("f32", 0.999), ("q8_0", 0.95)):
    got = [t for l in open("top1." + name.replace("_0", "")) for t in json.loads(l)]
    assert len(got) == len(ours) == 2000, (len(got), len(ours))
    agree = sum(a == b for a, b in zip(got, ours)) / len(ours)
    assert agree >= floor, "%s: top-1 agreement %.4f, under %.3f" % (name, agree, floor)
    print("ok   %s export: llama.cpp's top-1 is our f32's at %.2f%% of 2000 teacher-forced positions (at least %.1f%%)" % (name, 100 * agree, 100 * floor))
PY

# ---- LoRA: the adapter in llama.cpp against the merged model here
cat > chat.jsonl <<'CHAT'
{"messages": [{"role": "user", "content": "What does opt_clean do?"}, {"role": "assistant", "content": "It removes unused cells and wires from the design."}]}
{"messages": [{"role": "user", "content": "Which pass maps flip-flops?"}, {"role": "assistant", "content": "dfflibmap maps them to the cells of a liberty library."}]}
{"messages": [{"role": "user", "content": "What is a netlist?"}, {"role": "assistant", "content": "A list of cells and the nets that connect them."}]}
CHAT
cn-sft -q --init m --out a --merge --template llama2 --seq-len 128 --micro-batch 3 --steps 30 --lr 3e-2 --threads 2 \
    --lora-rank 4 --lora-alpha 8 --lora-targets all --lora-dropout 0 chat.jsonl
cn-export gguf -q m --lora a -o a.gguf --type f32
llama greedy m.gguf prompts.ids 48 a.gguf > a.llama
ours_greedy a > a.ours
same_greedy "LoRA adapter (q, k, v, o, gate, up, down) applied by llama.cpp = merged model" a.llama a.ours
if cmp -s a.ours m.ours; then echo "FAIL the adapter changes no greedy token: the check above proves nothing"; exit 1; fi
echo "ok   the adapter changes $(diff a.ours m.ours | grep -c '^<' || true) of 20 continuations"

# an SFT model in the chipnemo template (its markers added to the tokenizer):
# its end-of-answer marker is llama.cpp's end of turn (checked below)
cn-sft -q --init m --out s --template chipnemo --seq-len 128 --micro-batch 3 --steps 2 --threads 2 chat.jsonl
cn-export gguf -q s -o s.gguf --type q8_0

# ---- a model made elsewhere: PyTorch's random LLaMA, PyTorch's own greedy decode
sed 's/"vocab_size": 1000/"vocab_size": 1600/' cfg.json > tcfg.json
py "$TOP/tests/ref/torch_model.py" random tcfg.json tm 7 0.15
cp aug.json tm/tokenizer.json
cn-export gguf -q tm -o tm.gguf --type f32
llama greedy tm.gguf prompts.ids 48 > tm.llama
py "$TOP/tests/ref/torch_model.py" greedy tm prompts.ids 48 2 > tm.torch
same_greedy "PyTorch's random LLaMA (PyTorch's greedy decode)" tm.llama tm.torch

# ---- the files, read by Hugging Face's GGUF parser
cat > "$parse" <<'JS'
import { gguf } from "@huggingface/gguf";
for (const f of process.argv.slice(2)) {
    const r = await gguf(f, { allowLocalFile: true });
    const m = Object.fromEntries(Object.entries(r.metadata).filter(([k]) => !k.startsWith("tokenizer.ggml.") || !Array.isArray(r.metadata[k])));
    for (const k of ["tokens", "scores", "token_type", "merges"]) if (r.metadata["tokenizer.ggml." + k]) m["n." + k] = r.metadata["tokenizer.ggml." + k].length;
    m["tokens.head"] = r.metadata["tokenizer.ggml.tokens"]?.slice(0, 3);
    const tt = r.metadata["tokenizer.ggml.token_type"] ?? [];
    m["types.head"] = tt.slice(0, 3);
    for (const [name, t] of [["normal", 1], ["control", 3], ["byte", 6], ["unused", 5]]) m["n." + name] = tt.filter((x) => x === t).length;
    console.log(JSON.stringify({ file: f, metadata: m, tensorInfos: r.tensorInfos }, (k, v) => (typeof v === "bigint" ? Number(v) : v)));
}
JS
node "$parse" "$work/m.gguf" "$work/m-q8.gguf" "$work/a.gguf" "$work/llama3.gguf" "$work/s.gguf" > parsed.jsonl
py - <<'PY'
import json
files = {json.loads(l)["file"].rsplit("/", 1)[1]: json.loads(l) for l in open("parsed.jsonl")}
F32, F16, Q8_0 = 0, 1, 8
def check(name, meta, tensors):
    got = files[name]
    for k, v in meta.items():
        assert got["metadata"].get(k) == v, (name, k, got["metadata"].get(k), v)
    infos = {t["name"]: (t["shape"], t["dtype"]) for t in got["tensorInfos"]}
    assert infos == tensors, (name, sorted(set(infos.items()) ^ set(tensors.items())))
    print("ok   %s: %d keys as written, %d tensors with their GGUF shapes and types" % (name, len(meta), len(tensors)))
C, F, V, L, Q, KV = 64, 160, 1600, 2, 64, 32
def model(t):
    ts = {"token_embd.weight": ([C, V], t), "output_norm.weight": ([C], F32), "output.weight": ([C, V], t)}
    for l in range(L):
        b = "blk.%d." % l
        ts.update({b + "attn_norm.weight": ([C], F32), b + "ffn_norm.weight": ([C], F32), b + "attn_q.weight": ([C, Q], t),
                   b + "attn_k.weight": ([C, KV], t), b + "attn_v.weight": ([C, KV], t), b + "attn_output.weight": ([Q, C], t),
                   b + "ffn_gate.weight": ([C, F], t), b + "ffn_up.weight": ([C, F], t), b + "ffn_down.weight": ([F, C], t)})
    return {k: (v[0], v[1]) for k, v in ts.items()}
shape = {"version": 3, "general.alignment": 32, "general.architecture": "llama", "general.name": "m", "llama.block_count": L,
         "llama.context_length": 256, "llama.embedding_length": C, "llama.feed_forward_length": F, "llama.attention.head_count": 4,
         "llama.attention.head_count_kv": 2, "llama.rope.dimension_count": 16, "llama.vocab_size": V, "llama.rope.freq_base": 10000,
         "tokenizer.ggml.model": "llama", "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2,
         "tokenizer.ggml.unknown_token_id": 0, "tokenizer.ggml.add_bos_token": True, "tokenizer.ggml.add_eos_token": False, "tokenizer.ggml.add_space_prefix": True,
         "n.tokens": V, "n.scores": V, "n.token_type": V, "tokens.head": ["<unk>", "<s>", "</s>"],
         "types.head": [2, 3, 3], "n.control": 2, "n.byte": 256, "n.normal": V - 259, "n.unused": 0}
check("m.gguf", dict(shape, **{"general.file_type": 0}), model(F32))
check("m-q8.gguf", dict(shape, **{"general.file_type": 7, "general.quantization_version": 2}), model(Q8_0))
lora = {}
for l in range(L):
    for n, o, i in (("attn_q", Q, C), ("attn_k", KV, C), ("attn_v", KV, C), ("attn_output", C, Q), ("ffn_gate", F, C), ("ffn_up", F, C), ("ffn_down", C, F)):
        lora["blk.%d.%s.weight.lora_a" % (l, n)] = ([i, 4], F32)
        lora["blk.%d.%s.weight.lora_b" % (l, n)] = ([4, o], F32)
check("a.gguf", {"general.architecture": "llama", "general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 8}, lora)
got = files["llama3.gguf"]["metadata"]
assert got["tokenizer.ggml.model"] == "gpt2" and got["tokenizer.ggml.pre"] == "llama-bpe" and got["n.tokens"] == 128256, got
assert got["n.merges"] == 280147 and "n.scores" not in got and got["tokenizer.ggml.bos_token_id"] == 128000, got
assert got["n.control"] == 256 and got["n.normal"] == 128000 and got["n.byte"] == 0, got
assert got["tokenizer.ggml.eos_token_id"] == 128001 and got["tokenizer.chat_template"] == json.load(open("llama3/tokenizer_config.json"))["chat_template"], got
got, tok = files["s.gguf"]["metadata"], json.load(open("s/tokenizer.json"))
end = [a["id"] for a in tok["added_tokens"] if a["content"] == "<extra_id_1>"]
assert end and got["tokenizer.ggml.eot_token_id"] == end[0] and got["tokenizer.ggml.eos_token_id"] == 2, got
assert got["tokenizer.chat_template"] == json.load(open("s/tokenizer_config.json"))["chat_template"] and got["n.control"] == 4, got
print("ok   s.gguf (chipnemo template): <extra_id_1> is the end of turn (id %d), the chat template as written, 4 control tokens" % end[0])
print("ok   llama3.gguf: gpt2 (llama-bpe), 128256 tokens (256 control), 280147 merges, no scores; BOS, EOS and the chat template of tokenizer_config.json")
PY
