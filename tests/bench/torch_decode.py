#!/usr/bin/python3
"""PyTorch's side of make bench's decoding comparison: LLaMA decoding with a KV
cache, written here in plain torch from the Hugging Face config as
tests/ref/torch_model.py writes the forward (rotate-half RoPE with fp32
frequencies, grouped-query attention by repeating the key heads, RMSNorm as
LlamaRMSNorm), as transformers' LlamaForCausalLM decodes: the prompt in one
pass, then one token a step at its position, keys and values appended to a
preallocated cache, the head on the last position only.

Random weights (std 0.02, norms one), a prompt of PROMPT random tokens, then
NEW greedy steps; prints the seconds of the NEW steps, then the sum of the
tokens drawn.
  /usr/bin/python3 torch_decode.py CONFIG.json f32|bf16 PROMPT NEW
f32: everything fp32; bf16: weights, activations and cache bf16 (torch's own
bf16 CPU kernels). Run with OMP_WAIT_POLICY=PASSIVE (Debian's torch mixes
OpenMP and pthreads); THREADS (default 2) threads."""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F


class Llama:
    def __init__(self, cfg, dtype, max_t):
        self.c, self.f, self.v, self.l = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["num_hidden_layers"]
        self.hq = cfg["num_attention_heads"]
        self.hkv = cfg.get("num_key_value_heads", self.hq)
        self.d = cfg.get("head_dim", self.c // self.hq)
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        theta = cfg.get("rope_theta", 10000.0)
        g = torch.Generator().manual_seed(1)
        mat = lambda o, i: (torch.randn(o, i, generator=g) * 0.02).to(dtype)
        self.emb = mat(self.v, self.c)
        q, kv = self.hq * self.d, self.hkv * self.d
        self.layers = [dict(q=mat(q, self.c), k=mat(kv, self.c), v=mat(kv, self.c), o=mat(self.c, q), gate=mat(self.f, self.c),
                            up=mat(self.f, self.c), down=mat(self.c, self.f), n1=torch.ones(self.c, dtype=dtype),
                            n2=torch.ones(self.c, dtype=dtype)) for _ in range(self.l)]
        self.norm = torch.ones(self.c, dtype=dtype)
        self.head = self.emb if cfg.get("tie_word_embeddings", False) else mat(self.v, self.c)
        inv = 1.0 / (theta ** (torch.arange(0, self.d, 2, dtype=torch.int64).float() / self.d))
        freqs = torch.arange(max_t).float()[:, None] * inv
        e = torch.cat((freqs, freqs), dim=-1)
        self.cos, self.sin = e.cos().to(dtype), e.sin().to(dtype)  # [T, D]
        self.kc = torch.zeros(self.l, self.hkv, max_t, self.d, dtype=dtype)
        self.vc = torch.zeros(self.l, self.hkv, max_t, self.d, dtype=dtype)
        self.len = 0

    def rms(self, x, w):
        xf = x.float()
        return w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)

    @staticmethod
    def rot(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

    def feed(self, ids):
        """ids [N]: their keys and values into the cache; the last token's logits"""
        n, p = ids.shape[0], self.len
        t = p + n
        cos, sin = self.cos[p:t], self.sin[p:t]
        x = self.emb[ids]
        grp = self.hq // self.hkv
        for i, w in enumerate(self.layers):
            h = self.rms(x, w["n1"])
            q = F.linear(h, w["q"]).view(n, self.hq, self.d).transpose(0, 1)
            k = F.linear(h, w["k"]).view(n, self.hkv, self.d).transpose(0, 1)
            v = F.linear(h, w["v"]).view(n, self.hkv, self.d).transpose(0, 1)
            q, k = q * cos + self.rot(q) * sin, k * cos + self.rot(k) * sin
            self.kc[i, :, p:t] = k
            self.vc[i, :, p:t] = v
            kk, vv = self.kc[i, :, :t], self.vc[i, :, :t]
            if grp > 1:
                kk, vv = kk.repeat_interleave(grp, dim=0), vv.repeat_interleave(grp, dim=0)
            s = q @ kk.transpose(-1, -2) / math.sqrt(self.d)  # [Hq, N, T]
            if n > 1:
                mask = torch.ones(n, t, dtype=torch.bool).tril(diagonal=p)
                s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
            a = (torch.softmax(s, dim=-1, dtype=torch.float32).to(vv.dtype) @ vv).transpose(0, 1).reshape(n, self.hq * self.d)
            x = x + F.linear(a, w["o"])
            h = self.rms(x, w["n2"])
            x = x + F.linear(F.silu(F.linear(h, w["gate"])) * F.linear(h, w["up"]), w["down"])
        self.len = t
        return F.linear(self.rms(x[-1:], self.norm), self.head)[0]


def main():
    cfg_path, dt, prompt, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    cfg = json.load(open(cfg_path))
    m = Llama(cfg, torch.bfloat16 if dt == "bf16" else torch.float32, prompt + steps)
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(0, cfg["vocab_size"], (prompt,), generator=g)
    total = 0
    with torch.inference_mode():
        logits = m.feed(ids)
        t0 = time.perf_counter()
        for _ in range(steps):
            nxt = int(torch.argmax(logits))
            total += nxt
            logits = m.feed(torch.tensor([nxt]))
        dt_s = time.perf_counter() - t0
    print(f"{dt_s:.4f}\n{total}")


if __name__ == "__main__":
    main()
