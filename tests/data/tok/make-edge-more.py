#!/usr/bin/env python3
"""Writes edge-more.jsonl: the long and NUL edge cases that the real-tokenizer
test (tests/sh/tok-real.sh) compares with Hugging Face; references are made
at test time, so this file has no .ref files. Deterministic (seeded)."""
import json
import random

r = random.Random(7)
L = [
    "NUL \u0000 inside, and at the end\u0000",
    "\u0000",
    "\u0000\u0000<s>\u0000</s>",
    "bell \u0007 escape \u001b[0m delete \u007f c1 \u0085\u009f",
]
alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
L.append("".join(r.choice(alpha) for _ in range(100000)))  # a 100 KB word
L.append("clk" * 10000)  # one syllable repeated: many equal merges
L.append(" " * 10000 + "x")
L.append("\n" * 10000 + "y")
L.append("".join(r.choice("0123456789") for _ in range(20000)))
L.append("".join(chr(r.randrange(0x4E00, 0x9FA6)) for _ in range(10000)))
L.append("\U0001F469\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466" * 500)
L.append("\u0301\u0302 a\u0301\u0302\u0303\u0304\u0305 \u0301")
L.append("<s></s><unk><s> <s>  </s>\t<|endoftext|><|begin_of_text|>[CLS][SEP][MASK]")
with open("edge-more.jsonl", "w") as f:
    for t in L:
        f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
