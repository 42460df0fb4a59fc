#!/usr/bin/python3
"""PyTorch's side of make bench's training and encoding comparison, written
as an ordinary PyTorch user writes these models for speed, not as the
correctness reference (tests/ref/torch_model.py, explicit masks and a dict of
tensors). It differs from the reference in how, not in what:
  LLaMA   nn.Module layers of nn.Linear, the q/k/v projections fused into one
          product and gate/up into another, an additive causal mask made once,
          nn.Embedding, F.cross_entropy, and AdamW with foreach=True (one
          multi-tensor update instead of a loop over parameters)
  BERT    nn.TransformerEncoder (post-LayerNorm, GELU, batch_first) under
          torch.inference_mode(), which takes PyTorch's fused encoder fast
          path (torch._transformer_encoder_layer_fwd) in 1.13
Same shapes, random weights (std 0.02), one untimed warm-up step; prints the
seconds of the timed steps.
  /usr/bin/python3 torch_fast.py train|encode CONFIG.json B T STEPS
Threads: torch.set_num_threads(THREADS), one inter-op thread."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, c, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(c)), eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c, f = cfg["hidden_size"], cfg["intermediate_size"]
        self.h = cfg["num_attention_heads"]
        self.kv = cfg.get("num_key_value_heads", self.h)
        self.d = cfg.get("head_dim", c // self.h)
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.norm1, self.norm2 = RMSNorm(c, eps), RMSNorm(c, eps)
        self.qkv = nn.Linear(c, (self.h + 2 * self.kv) * self.d, bias=False)
        self.o = nn.Linear(self.h * self.d, c, bias=False)
        self.gate_up = nn.Linear(c, 2 * f, bias=False)
        self.down = nn.Linear(f, c, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h, kv, d = self.h, self.kv, self.d
        q, k, v = self.qkv(self.norm1(x)).split([h * d, kv * d, kv * d], dim=-1)
        q, k, v = (z.view(b, t, -1, d).transpose(1, 2) for z in (q, k, v))
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if kv != h:
            k = k.repeat_interleave(h // kv, dim=1)
            v = v.repeat_interleave(h // kv, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) * d ** -0.5 + mask, dim=-1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(b, t, h * d))
        g, u = self.gate_up(self.norm2(x)).chunk(2, dim=-1)
        return x + self.down(F.silu(g) * u)


def rope(x, cos, sin):
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class Llama(nn.Module):
    def __init__(self, cfg, t):
        super().__init__()
        c, v = cfg["hidden_size"], cfg["vocab_size"]
        self.embed = nn.Embedding(v, c)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(c, cfg.get("rms_norm_eps", 1e-6))
        self.head = nn.Linear(c, v, bias=False)
        if cfg.get("tie_word_embeddings"):
            self.head.weight = self.embed.weight
        d = self.layers[0].d
        inv = 1.0 / cfg.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2).float() / d)
        ang = torch.outer(torch.arange(t).float(), inv)
        self.register_buffer("cos", torch.cat((ang, ang), dim=-1).cos())
        self.register_buffer("sin", torch.cat((ang, ang), dim=-1).sin())
        self.register_buffer("mask", torch.full((t, t), float("-inf")).triu(1))

    def forward(self, ids, targets):
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        logits = self.head(self.norm(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


class Bert(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["hidden_size"]
        eps = cfg.get("layer_norm_eps", 1e-12)
        self.word = nn.Embedding(cfg["vocab_size"], c)
        self.pos = nn.Embedding(cfg["max_position_embeddings"], c)
        self.types = nn.Embedding(cfg.get("type_vocab_size", 2), c)
        self.norm = nn.LayerNorm(c, eps=eps)
        layer = nn.TransformerEncoderLayer(c, cfg["num_attention_heads"], cfg["intermediate_size"], dropout=0.0,
                                           activation="gelu", layer_norm_eps=eps, batch_first=True, norm_first=False)
        self.encoder = nn.TransformerEncoder(layer, cfg["num_hidden_layers"], enable_nested_tensor=False)

    def forward(self, ids):
        t = ids.shape[1]
        pos = torch.arange(t).unsqueeze(0)
        x = self.norm(self.word(ids) + self.pos(pos) + self.types(torch.zeros_like(ids)))
        return self.encoder(x)


def main():
    mode, cfg_path, b, t, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    cfg = json.load(open(cfg_path))
    model = Bert(cfg) if cfg["model_type"] == "bert" else Llama(cfg, t)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.02)
    ids = torch.randint(0, cfg["vocab_size"], (b, t))
    targets = torch.randint(0, cfg["vocab_size"], (b, t))
    if mode == "train":
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, foreach=True)
    else:
        model.eval()
    for s in range(steps + 1):
        if s == 1:
            t0 = time.perf_counter()
        if mode == "train":
            opt.zero_grad(set_to_none=True)
            model(ids, targets).backward()
            opt.step()
        else:
            with torch.inference_mode():
                model(ids)
    print(f"{time.perf_counter() - t0:.4f}")


if __name__ == "__main__":
    main()
