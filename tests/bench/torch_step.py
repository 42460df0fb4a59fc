#!/usr/bin/python3
"""PyTorch's side of make bench: the same architecture as tests/ref/torch_model.py
(LLaMA training steps: forward, backward, AdamW; BERT forward passes) on random
weights, timed after one untimed warm-up step. Prints the seconds of the timed steps.
  /usr/bin/python3 torch_step.py train|encode CONFIG.json B T STEPS
Run with OMP_WAIT_POLICY=PASSIVE (Debian's torch mixes OpenMP and pthreads)."""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref"))
import torch_model  # noqa: E402


def params_of(cfg):
    c, f, v, l = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["num_hidden_layers"]
    p = {}
    if cfg["model_type"] == "bert":
        p["embeddings.word_embeddings.weight"] = (v, c)
        p["embeddings.position_embeddings.weight"] = (cfg["max_position_embeddings"], c)
        p["embeddings.token_type_embeddings.weight"] = (cfg.get("type_vocab_size", 2), c)
        p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"] = (c,), (c,)
        for i in range(l):
            pre = f"encoder.layer.{i}."
            for n in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
                p[pre + n + ".weight"], p[pre + n + ".bias"] = (c, c), (c,)
            for n in ["attention.output.LayerNorm", "output.LayerNorm"]:
                p[pre + n + ".weight"], p[pre + n + ".bias"] = (c,), (c,)
            p[pre + "intermediate.dense.weight"], p[pre + "intermediate.dense.bias"] = (f, c), (f,)
            p[pre + "output.dense.weight"], p[pre + "output.dense.bias"] = (c, f), (c,)
        return p
    h, kv = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    d = cfg.get("head_dim", c // h)
    p["model.embed_tokens.weight"] = (v, c)
    for i in range(l):
        pre = f"model.layers.{i}."
        p[pre + "self_attn.q_proj.weight"], p[pre + "self_attn.o_proj.weight"] = (h * d, c), (c, h * d)
        p[pre + "self_attn.k_proj.weight"] = p[pre + "self_attn.v_proj.weight"] = (kv * d, c)
        p[pre + "mlp.gate_proj.weight"] = p[pre + "mlp.up_proj.weight"] = (f, c)
        p[pre + "mlp.down_proj.weight"] = (c, f)
        p[pre + "input_layernorm.weight"] = p[pre + "post_attention_layernorm.weight"] = (c,)
    p["model.norm.weight"], p["lm_head.weight"] = (c,), (v, c)
    return p


def main():
    mode, cfg_path, b, t, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    cfg = json.load(open(cfg_path))
    g = torch.Generator().manual_seed(1)
    params = {k: (torch.randn(s, generator=g) * 0.02 if len(s) == 2 else torch.ones(s)).requires_grad_(mode == "train")
              for k, s in params_of(cfg).items()}
    ids = torch.randint(0, cfg["vocab_size"], (b, t), generator=g, dtype=torch.int32)
    inp = {"ids": ids, "targets": torch.randint(0, cfg["vocab_size"], (b, t), generator=g, dtype=torch.int32),
           "pos": torch.arange(t, dtype=torch.int32).repeat(b, 1), "types": torch.zeros(b, t, dtype=torch.int32),
           "dhidden": torch.zeros(b * t, cfg["hidden_size"])}
    opt = torch.optim.AdamW(params.values(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1) if mode == "train" else None
    fn = torch_model.bert if cfg["model_type"] == "bert" else torch_model.llama
    for s in range(steps + 1):
        if s == 1:
            t0 = time.perf_counter()
        if mode == "train":
            opt.zero_grad(set_to_none=False)
            _, loss = fn(cfg, params, inp)
            loss.backward()
            opt.step()
        else:
            with torch.no_grad():
                fn(cfg, params, inp)
    print(f"{time.perf_counter() - t0:.4f}")


if __name__ == "__main__":
    main()
