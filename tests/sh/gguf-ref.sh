#!/usr/bin/env bash
# libcore gguf, read back by Hugging Face's own GGUF parser (npm
# @huggingface/gguf, from make ref): a sample file with a value of every
# metadata kind and a tensor of every type (tests/tools/gguf_sample) parses,
# with the keys, values, tensor names, GGUF-order shapes, types and offsets as
# written, every offset and the data start aligned to 32 and the gaps zero;
# the tensors' bytes are those of the types' definitions, computed here:
# f32 as is, f16 and bf16 rounded to nearest even, q8_0 llama.cpp's blocks
# (d = max|x| / 127 in f16, round(x / d) half away from zero).
set -euo pipefail
. "$TOP/tests/sh/hf-ref.inc"
need_hf_ref node_modules/@huggingface/gguf/package.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$BUILD/tests/gguf_sample" s.gguf > values.txt
cat > parse.mjs <<'JS'
import { gguf } from "@huggingface/gguf";
const r = await gguf(process.argv[2], { allowLocalFile: true });
console.log(JSON.stringify({ metadata: r.metadata, tensorInfos: r.tensorInfos, tensorDataOffset: r.tensorDataOffset },
                           (k, v) => (typeof v === "bigint" ? Number(v) : v)));
JS
cp parse.mjs "$ref/gguf-parse-$$.mjs"
node "$ref/gguf-parse-$$.mjs" "$work/s.gguf" > parsed.json
rm "$ref/gguf-parse-$$.mjs"
/usr/bin/python3 - <<'PY'
import json, math, struct
import numpy as np
p = json.load(open("parsed.json"))
m, infos, start = p["metadata"], p["tensorInfos"], p["tensorDataOffset"]
want = {"version": 3, "tensor_count": 6, "kv_count": 11, "general.alignment": 32, "general.architecture": "llama",
        "general.name": "caf\u00e9 sample", "llama.block_count": 4, "sample.negative": -7, "llama.rope.freq_base": 10000.5,
        "tokenizer.ggml.add_bos_token": True, "tokenizer.ggml.add_eos_token": False,
        "tokenizer.ggml.tokens": ["<unk>", "<s>", "\u2581the", "caf\u00e9", ""],
        "tokenizer.ggml.scores": [float(np.float32(x)) for x in (0, -1.5, -2.25, 1e-3, -1e9)], "tokenizer.ggml.token_type": [2, 3, 1, 1, 6]}
assert m == want, (m, want)
assert list(m) == list(want), list(m)  # in the order written
data = open("s.gguf", "rb").read()
w = np.array([float(l) for l in open("values.txt")], dtype=np.float32)
def f16(x): return struct.pack("<e", float(x))
def bf16(x):
    b = struct.unpack("<I", struct.pack("<f", float(x)))[0]
    return struct.pack("<H", ((b + 0x7fff + ((b >> 16) & 1)) >> 16) & 0xffff)
def q8_0(v):
    out = b""
    for i in range(0, len(v), 32):
        x = v[i:i + 32]
        amax = np.float32(np.max(np.abs(x)))
        d = np.float32(amax / np.float32(127))
        inv = np.float32(1) / d if d else np.float32(0)
        out += f16(d)
        for t in x:
            y = float(np.float32(t) * inv)
            out += struct.pack("<b", int(math.copysign(math.floor(abs(y) + 0.5), y)))
    return out
norm = np.array([1, -2, 0.5, 3.25, -0.125], dtype=np.float32)
expect = {"w.f32": ([64, 3], 0, w.tobytes()), "w.f16": ([64, 3], 1, b"".join(f16(x) for x in w)),
          "w.bf16": ([64, 3], 30, b"".join(bf16(x) for x in w)), "w.q8_0": ([64, 3], 8, q8_0(w)),
          "norm": ([5], 0, norm.tobytes()), "cube.q8_0": ([32, 3, 2], 8, q8_0(w))}
assert [t["name"] for t in infos] == list(expect), infos
assert start % 32 == 0 and data[start - 1] == 0, start
end = 0
for t in infos:
    shape, dtype, body = expect[t["name"]]
    assert t["shape"] == shape and t["dtype"] == dtype and t["n_dims"] == len(shape), t
    assert t["offset"] % 32 == 0 and t["offset"] == end, (t, end)
    at = start + t["offset"]
    assert data[at:at + len(body)] == body, t["name"]
    padded = (len(body) + 31) // 32 * 32
    assert data[at + len(body):at + padded] == bytes(padded - len(body)), t["name"]
    end = t["offset"] + padded
assert len(data) == start + end, (len(data), start + end)
print("ok: 11 keys and 6 tensors as written,", len(data), "bytes")
PY
