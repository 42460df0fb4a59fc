#!/usr/bin/python3
"""The PyTorch reference for libcore's model: LLaMA and BERT written here in
plain torch from the Hugging Face config, following transformers'
definitions (rotate-half RoPE with fp32 frequencies, repeat_kv for grouped
queries, RMSNorm as LlamaRMSNorm, erf GELU, post-LayerNorm BERT, masked
scores set to the dtype's minimum before the softmax). Reads DIR/config.json,
DIR/model.safetensors and DIR/inputs.safetensors (written by
build/tests/model_ref init) and writes DIR/ref.safetensors: the logits
(LLaMA) or last hidden states (BERT), the loss, every parameter's gradient
as grad.NAME, and every parameter after one torch.optim.AdamW step as
step.NAME.

  /usr/bin/python3 torch_model.py DIR

Two more uses, for the GGUF comparison with llama.cpp (tests/sh/gguf-llama.sh),
where the model must come from outside the C code:

  /usr/bin/python3 torch_model.py random CONFIG.json DIR SEED STD
      a random LLaMA made by torch: DIR/config.json (CONFIG's text) and
      DIR/model.safetensors, matrices normal(0, STD), norms 1 + normal(0, 0.1)
  /usr/bin/python3 torch_model.py greedy DIR IDS.txt N EOS
      N greedy tokens (the whole sequence recomputed each step) after each
      line's ids (a JSON array), ending after EOS: one JSON array a line
"""
import json
import os
import math
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I32": torch.int32, "I64": torch.int64,
          "U8": torch.uint8}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        buf = bytearray(data[base + b:base + end])
        t = torch.frombuffer(buf, dtype=DTYPES[e["dtype"]]) if buf else torch.zeros(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def linear(x, w, b=None):
    y = x @ w.t()
    return y + b if b is not None else y


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def attention(q, k, v, allowed):
    """q [B,H,T,D], k v [B,H,T,D] (repeated), allowed [B,1,T,T] booleans"""
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1, dtype=torch.float32) @ v


def allowed_mask(b, t, causal, segment, valid):
    m = torch.ones(b, 1, t, t, dtype=torch.bool)
    if causal:
        m &= torch.ones(t, t, dtype=torch.bool).tril()
    if segment is not None:
        m &= (segment[:, None, :, None] == segment[:, None, None, :])
    if valid is not None:
        m &= valid[:, None, None, :].bool()
    return m


def llama(cfg, p, inp, lora=None):
    def proj(x, name):
        """a projection, with its LoRA adapter (PEFT: W x + alpha/r B A x) when there is one"""
        y = linear(x, p[name + ".weight"])
        a = p.get("base_model.model." + name + ".lora_A.weight")
        if a is not None:
            y = y + lora["lora_alpha"] / lora["r"] * linear(linear(x, a), p["base_model.model." + name + ".lora_B.weight"])
        return y

    ids = inp["ids"].long()
    b, t = ids.shape
    c, hq, hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    d = cfg.get("head_dim", c // hq)
    eps, theta = cfg.get("rms_norm_eps", 1e-6), cfg.get("rope_theta", 10000.0)
    pos = inp["pos"].long()
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    freqs = pos[..., None].float() * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # [B,1,T,D]
    allowed = allowed_mask(b, t, True, inp.get("segment"), None)
    x = p["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        h = rms_norm(x, p[pre + "input_layernorm.weight"], eps)
        q = proj(h, pre + "self_attn.q_proj").view(b, t, hq, d).transpose(1, 2)
        k = proj(h, pre + "self_attn.k_proj").view(b, t, hkv, d).transpose(1, 2)
        v = proj(h, pre + "self_attn.v_proj").view(b, t, hkv, d).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(hq // hkv, dim=1), v.repeat_interleave(hq // hkv, dim=1)
        a = attention(q, k, v, allowed).transpose(1, 2).reshape(b, t, hq * d)
        x = x + proj(a, pre + "self_attn.o_proj")
        h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
        g, u = proj(h, pre + "mlp.gate_proj"), proj(h, pre + "mlp.up_proj")
        x = x + proj(torch.nn.functional.silu(g) * u, pre + "mlp.down_proj")
    x = rms_norm(x, p["model.norm.weight"], eps)
    head = p["lm_head.weight"] if "lm_head.weight" in p else p["model.embed_tokens.weight"]
    logits = linear(x, head)
    loss = torch.nn.functional.cross_entropy(logits.view(b * t, -1), inp["targets"].long().view(-1), ignore_index=-1)
    return logits, loss


def bert(cfg, p, inp):
    ids = inp["ids"].long()
    b, t = ids.shape
    c, h = cfg["hidden_size"], cfg["num_attention_heads"]
    d, eps = c // h, cfg.get("layer_norm_eps", 1e-12)
    ln = lambda x, name: torch.nn.functional.layer_norm(x, (c,), p[name + ".weight"], p[name + ".bias"], eps)
    x = p["embeddings.word_embeddings.weight"][ids] + p["embeddings.position_embeddings.weight"][inp["pos"].long()] + \
        p["embeddings.token_type_embeddings.weight"][inp["types"].long()]
    x = ln(x, "embeddings.LayerNorm")
    allowed = allowed_mask(b, t, False, inp.get("segment"), inp.get("valid"))
    for l in range(cfg["num_hidden_layers"]):
        pre = f"encoder.layer.{l}."
        proj = lambda x, n: linear(x, p[pre + n + ".weight"], p[pre + n + ".bias"])
        split = lambda y: y.view(b, t, h, d).transpose(1, 2)
        q, k, v = split(proj(x, "attention.self.query")), split(proj(x, "attention.self.key")), split(proj(x, "attention.self.value"))
        a = attention(q, k, v, allowed).transpose(1, 2).reshape(b, t, c)
        x = ln(x + proj(a, "attention.output.dense"), pre + "attention.output.LayerNorm")
        i = torch.nn.functional.gelu(proj(x, "intermediate.dense"))
        x = ln(x + proj(i, "output.dense"), pre + "output.LayerNorm")
    loss = (x * inp["dhidden"].view(b, t, c)).sum()
    return x, loss


def random_llama(cfg_path, d, seed, std):
    cfg = json.load(open(cfg_path))
    os.makedirs(d, exist_ok=True)
    open(d + "/config.json", "w").write(open(cfg_path).read())
    g = torch.Generator().manual_seed(seed)
    c, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hq, hkv = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    d_head = cfg.get("head_dim", c // hq)
    shapes = {"model.embed_tokens.weight": (v, c), "model.norm.weight": (c,)}
    if not cfg.get("tie_word_embeddings", True):
        shapes["lm_head.weight"] = (v, c)
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        shapes.update({pre + "self_attn.q_proj.weight": (hq * d_head, c), pre + "self_attn.k_proj.weight": (hkv * d_head, c),
                       pre + "self_attn.v_proj.weight": (hkv * d_head, c), pre + "self_attn.o_proj.weight": (c, hq * d_head),
                       pre + "mlp.gate_proj.weight": (f, c), pre + "mlp.up_proj.weight": (f, c), pre + "mlp.down_proj.weight": (c, f),
                       pre + "input_layernorm.weight": (c,), pre + "post_attention_layernorm.weight": (c,)})
    p = {}
    for name in sorted(shapes):
        x = torch.randn(shapes[name], generator=g)
        p[name] = 1 + 0.1 * x if len(shapes[name]) == 1 else std * x
    write_safetensors(d + "/model.safetensors", p)


def greedy(d, ids_path, n, eos):
    torch.set_num_threads(1)
    cfg = json.load(open(d + "/config.json"))
    p = read_safetensors(d + "/model.safetensors")
    with torch.no_grad():
        for line in open(ids_path):
            ids, got = json.loads(line), []
            while len(got) < n and (not got or got[-1] != eos):
                t = len(ids) + len(got)
                inp = {"ids": torch.tensor([ids + got]), "pos": torch.arange(t)[None], "targets": torch.zeros(1, t, dtype=torch.long)}
                logits, _ = llama(cfg, p, inp)
                got.append(int(logits[0, -1].argmax()))
            print(json.dumps(got, separators=(",", ":")))


def main():
    if sys.argv[1] == "random":
        return random_llama(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    if sys.argv[1] == "greedy":
        return greedy(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    d = sys.argv[1]
    torch.set_num_threads(1)
    cfg = json.load(open(d + "/config.json"))
    params = {k: v.requires_grad_(True) for k, v in read_safetensors(d + "/model.safetensors").items()}
    inp = read_safetensors(d + "/inputs.safetensors")
    is_bert = cfg.get("model_type") == "bert"
    lora = None
    if os.path.exists(d + "/adapter_config.json"):  # LoRA: the adapters train, the base is frozen
        lora = json.load(open(d + "/adapter_config.json"))
        for v in params.values():
            v.requires_grad_(False)
        adapters = {k: v.requires_grad_(True) for k, v in read_safetensors(d + "/adapter_model.safetensors").items()}
        params.update(adapters)
    out, loss = bert(cfg, params, inp) if is_bert else llama(cfg, params, inp, lora)
    loss.backward()
    res = {("hidden" if is_bert else "logits"): out.reshape(-1, out.shape[-1]), "loss": loss.reshape(1)}
    for k, v in params.items():
        res["grad." + k] = v.grad.clone() if v.grad is not None else torch.zeros_like(v)
    # one AdamW step: decay on matrices, none on norms and biases
    decay = [v for v in params.values() if v.dim() >= 2 and v.requires_grad]
    no_decay = [v for v in params.values() if v.dim() < 2 and v.requires_grad]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
    opt.step()
    for k, v in params.items():
        res["step." + k] = v.detach()
    write_safetensors(d + "/ref.safetensors", res)


if __name__ == "__main__":
    main()
