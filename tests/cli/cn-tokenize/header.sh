# the header carries the vocabulary and the tokenizer file's SHA-256; text bytes per record
. "$TOP/tests/cli/lib.sh"
T=$DATA/tok
printf '{"text": "caf\\u00e9 x"}\n{"text": ""}\n{"text": "b"}\n' > in.jsonl
cn-tokenize -q -t $T/tiny-bert.json in.jsonl -o out.tok
cn-shard stat out.tok > s.json
grep -q "\"docs\": 2, .*\"text_bytes\": 8, \"width\": 2, \"vocab_size\": 465, \"tokenizer_sha256\": \"$(sha256sum < $T/tiny-bert.json | cut -c1-64)\", \"flags\": 0" s.json
