#!/usr/bin/env python3
"""pack.py: the EDA task set as cn-score exec reads it.

    samples/eda-tasks/pack.py [--chat] > tasks.jsonl

Reads tasks.tsv beside this script (id, kind, level per line; # comments)
and, for each task, its directory KIND/ID:
  verilog: prompt.txt, tb.v (the testbench, module tb), ref.v, mutant.v
  yosys:   prompt.txt, design.v, check.ys, ref.ys, mutant.ys
and writes one JSON line per task, in the list's order:
  {"id", "kind", "level", "prompt", "testbench" | "design" + "check",
   "reference", "mutant"}
With --chat, conversations instead, {"id", "messages": [{"role": "user",
"content": PROMPT}]}, as cn-rag chat answers them (keeping the id).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = {
    "verilog": [("testbench", "tb.v"), ("reference", "ref.v"), ("mutant", "mutant.v")],
    "yosys": [("design", "design.v"), ("check", "check.ys"), ("reference", "ref.ys"), ("mutant", "mutant.ys")],
}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main():
    args = sys.argv[1:]
    if args not in ([], ["--chat"]):
        sys.exit("usage: pack.py [--chat]")
    seen = set()
    out = []
    with open(os.path.join(HERE, "tasks.tsv"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 3 or cols[1] not in FILES or cols[0] in seen:
                sys.exit(f"tasks.tsv:{n}: expected a new id, verilog or yosys, and a level, tab-separated")
            tid, kind, level = cols
            seen.add(tid)
            d = os.path.join(HERE, kind, tid)
            prompt = read(os.path.join(d, "prompt.txt")).strip()
            if args:
                rec = {"id": tid, "messages": [{"role": "user", "content": prompt}]}
            else:
                rec = {"id": tid, "kind": kind, "level": level, "prompt": prompt}
                for key, name in FILES[kind]:
                    rec[key] = read(os.path.join(d, name))
            out.append(json.dumps(rec, ensure_ascii=False))
    sys.stdout.write("".join(s + "\n" for s in out))


main()
