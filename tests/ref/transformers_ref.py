#!/usr/bin/env python3
"""Reference logits from Hugging Face transformers itself, for the tiny test
models (run where transformers is installed: the lent GPU machine).

  python3 transformers_ref.py DIR

DIR holds config.json, model.safetensors and inputs.safetensors as
build/tests/model_ref init writes them; writes DIR/hf.safetensors with the
logits (LLaMA/Mistral, [B*T, V]) or last hidden states (BERT, [B*T, C]) that
transformers computes in fp32 on the CPU. Packed-document (segment) inputs are
not expressed through transformers' API and are refused."""
import json
import struct
import sys

import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from torch_model import read_safetensors, write_safetensors  # noqa: E402


def main():
    d = sys.argv[1]
    import transformers
    cfg = json.load(open(d + "/config.json"))
    inp = read_safetensors(d + "/inputs.safetensors")
    if "segment" in inp:
        sys.exit("transformers_ref.py: segment masks are not expressed through transformers")
    ids = inp["ids"].long()
    with torch.no_grad():
        if cfg["model_type"] == "bert":
            model = transformers.BertModel.from_pretrained(d, torch_dtype=torch.float32, add_pooling_layer=False).eval()
            mask = inp["valid"].long() if "valid" in inp else torch.ones_like(ids)
            out = model(input_ids=ids, attention_mask=mask, token_type_ids=inp["types"].long(),
                        position_ids=inp["pos"].long()).last_hidden_state
            res = {"hidden": out.reshape(-1, out.shape[-1])}
        else:
            model = transformers.AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float32).eval()
            out = model(input_ids=ids, position_ids=inp["pos"].long()).logits
            res = {"logits": out.reshape(-1, out.shape[-1])}
    res["version"] = torch.tensor([float(x) for x in transformers.__version__.split(".")[:2]])
    write_safetensors(d + "/hf.safetensors", res)


if __name__ == "__main__":
    main()
