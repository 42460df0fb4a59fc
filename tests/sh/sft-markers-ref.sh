#!/usr/bin/env bash
# The tokenizer cn-sft writes when it adds a template's markers is one that
# Hugging Face tokenizers loads and encodes as cn-tokenize does: the markers
# single special tokens after the vocabulary (chipnemo's on a
# SentencePiece-style BPE, chatml's on a byte-level one), the rest as before.
set -euo pipefail
. "$TOP/tests/sh/hf-ref.inc"
need_hf_ref
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
size() { node -e 'const { Tokenizer } = require("tokenizers"); console.log(Tokenizer.fromFile(process.argv[1]).getVocabSize(true))' "$1"; }
check() { # TOKENIZER TEMPLATE MARKER...: the model as large as HF says the tokenizer is
    local tok=$1 tpl=$2 v
    v=$(size "$tok")
    shift 2
    cat > cfg.json <<CFG
{"model_type": "llama", "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
 "num_key_value_heads": 2, "vocab_size": $v, "max_position_embeddings": 64, "bos_token_id": 1, "eos_token_id": 2}
CFG
    cn-tokenize -q -t "$tok" "$SAMPLES/docs/general.jsonl" -o g.tok
    rm -rf base sft
    cn-pretrain -q --threads 1 --config cfg.json -t "$tok" --out base --steps 1 --seq-len 32 --micro-batch 1 g.tok
    printf '{"messages": [{"role": "user", "content": "Which pass?"}, {"role": "assistant", "content": "- opt_clean\\n- proc"}]}\n' > chat.jsonl
    cn-sft -q --threads 1 --init base --template $tpl --out sft --seq-len 64 --micro-batch 1 --steps 1 chat.jsonl
    # texts with the markers, alone and inside words and lines
    printf '{"text": "%s"}\n' "$1System\\n$2User\\nWhat is it?\\n$2Assistant\\n- a\\n- b\\n$2" "x$1y $2z" "$2$2 $1" "plain text, no marker" > texts.jsonl
    node "$TOP/tests/ref/hf.js" sft/tokenizer.json texts.jsonl add0 > hf
    cn-tokenize -q -t sft/tokenizer.json texts.jsonl | cn-shard dump -q | sed 's/, "text_bytes": [0-9]*}//; s/{"ids": //; s/ //g' > ours
    cmp hf ours
    grep -q "^\[[0-9,]*\b$v\b[0-9,]*\b$((v + 1))\b" hf # the first text: both markers, as ids V and V + 1
    [ "$(size sft/tokenizer.json)" = $((v + 2)) ]
    echo "ok   $tpl on $(basename "$tok"): ids $v and $((v + 1)), HF's encoding equal to ours"
}
check "$DATA/tok/tiny-spm.json" chipnemo '<extra_id_0>' '<extra_id_1>'
check "$DATA/tok/tiny-bytelevel.json" chatml '<|im_start|>' '<|im_end|>'
