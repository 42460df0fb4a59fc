#!/usr/bin/env python3
"""PyTorch's side of tests/cuda/device.sh's benchmark: training steps (forward,
backward, AdamW) of the same LLaMA shape as bench_cuda (CONFIG.json), on the GPU,
with PyTorch's own fused attention (scaled_dot_product_attention), fp32 (TF32
off, as our fp32 backend) and bf16 autocast (or only those named). Prints
"name value" lines.
  python3 torch_bench.py CONFIG.json B T STEPS [fp32,bf16]"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def main():
    cfg_path, b, t, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    wanted = sys.argv[5].split(",") if len(sys.argv) > 5 else ["fp32", "bf16"]
    cfg = json.load(open(cfg_path))
    c, f, v, nl = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["num_hidden_layers"]
    h = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", h)
    d = c // h
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    g = torch.Generator(device=dev).manual_seed(1)

    def w(*shape):
        return (torch.randn(*shape, device=dev, generator=g) * 0.02).requires_grad_()

    def ones(n):
        return torch.ones(n, device=dev).requires_grad_()

    layers = [dict(q=w(h * d, c), k=w(kv * d, c), v=w(kv * d, c), o=w(c, h * d), gate=w(f, c), up=w(f, c), down=w(c, f),
                   n1=ones(c), n2=ones(c)) for _ in range(nl)]
    emb, head, norm = w(v, c), w(v, c), ones(c)
    params = [emb, head, norm] + [p for l in layers for p in l.values()]
    inv = 1.0 / (10000.0 ** (torch.arange(0, d, 2, device=dev).float() / d))
    ang = torch.arange(t, device=dev).float()[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)

    def rms(x, wt):
        return wt * (x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-5)).to(x.dtype)

    def rope(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def forward(ids, tg):
        x = emb[ids]
        for l in layers:
            hh = rms(x, l["n1"])
            q = (hh @ l["q"].t()).view(b, t, h, d).transpose(1, 2)
            k = (hh @ l["k"].t()).view(b, t, kv, d).transpose(1, 2)
            vv = (hh @ l["v"].t()).view(b, t, kv, d).transpose(1, 2)
            q, k = rope(q), rope(k)
            if kv != h:
                k, vv = k.repeat_interleave(h // kv, 1), vv.repeat_interleave(h // kv, 1)
            a = F.scaled_dot_product_attention(q, k, vv, is_causal=True).transpose(1, 2).reshape(b, t, h * d)
            x = x + a @ l["o"].t()
            hh = rms(x, l["n2"])
            x = x + (F.silu(hh @ l["gate"].t()) * (hh @ l["up"].t())) @ l["down"].t()
        logits = rms(x, norm) @ head.t()
        return F.cross_entropy(logits.float().view(-1, v), tg.view(-1), ignore_index=-1)

    ids = torch.randint(0, v, (b, t), device=dev, generator=g)
    tg = torch.roll(ids, -1, 1)
    tg[:, -1] = -1
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, fused=True)
    flops = 6 * (nl * (c * h * d * 2 + 2 * c * kv * d + 3 * c * f) + v * c) + 12 * nl * c * t
    for name, ctx in (("fp32", None), ("bf16", torch.bfloat16)):
        if name not in wanted:
            continue
        for s in range(steps + 2):
            if s == 2:  # two warm-up steps
                torch.cuda.synchronize()
                t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            if ctx is None:
                loss = forward(ids, tg)
            else:
                with torch.autocast("cuda", dtype=ctx):
                    loss = forward(ids, tg)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        tps = b * t * steps / dt
        print(f"torch_{name}_tokens_per_s {tps:.0f}")
        print(f"torch_{name}_tflops {tps * flops / 1e12:.2f}")
        print(f"torch_{name}_loss {loss.item():.4f}")
    print(f"torch_version {torch.__version__}")


if __name__ == "__main__":
    main()
