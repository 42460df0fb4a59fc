/* lora: low-rank adapters on a model's linear layers (lora.c), as Hugging
 * Face PEFT saves and loads them. */
#ifndef CN_LORA_H
#define CN_LORA_H

#include <stdint.h>
#include "log.h"
#include "model.h"

/* LoRA (Hu et al. 2021, as Hugging Face PEFT): low-rank adapters on the
 * chosen projections of every layer, W x + (alpha / r) B A drop(x), with A
 * [r, in] uniform in +-1/sqrt(in) (PEFT's default) and B [out, r] zero; the
 * base is frozen (no gradients or moments for it). Tensors carry PEFT's
 * names (base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight). */
enum { CN_LORA_Q = 1, CN_LORA_K = 2, CN_LORA_V = 4, CN_LORA_O = 8, CN_LORA_GATE = 16, CN_LORA_UP = 32, CN_LORA_DOWN = 64 };
typedef struct {
    int rank;
    float alpha, dropout;
    unsigned targets; /* CN_LORA_* */
} cn_lora_opts;
/* "q,k,v,o,gate,up,down" (or PEFT's q_proj..., or "all") -> *mask; CN_EINVAL
 * naming the unknown one. */
cn_status cn_lora_parse_targets(const char *list, unsigned *mask);
/* Adds the adapters (once, LLaMA only, before cn_model_batch), A drawn from
 * seed, and freezes every other parameter. */
cn_status cn_model_add_lora(cn_model *m, const cn_lora_opts *o, uint64_t seed);
int cn_model_has_lora(const cn_model *m);
/* W += (alpha / r) B A on every adapted weight; the adapters then take no
 * part in the forward, and cn_model_save writes the merged weights. */
cn_status cn_model_merge_lora(cn_model *m);
/* DIR/adapter_config.json and DIR/adapter_model.safetensors in PEFT's
 * layout; base: the base model's path for base_model_name_or_path. */
cn_status cn_model_save_adapter(const cn_model *m, const char *dir, const char *base);
/* Reads DIR/adapter_config.json into o (CN_EFORMAT for what PEFT options
 * this implementation lacks: bias, rslora, DoRA, fan_in_fan_out). */
cn_status cn_lora_read_config(const char *dir, cn_lora_opts *o);
/* Loads DIR/adapter_model.safetensors into the adapters of m (added with
 * the options of that config). */
cn_status cn_model_load_adapter(cn_model *m, const char *dir);
/* Reads the adapter in DIR (adapter_config.json into *o, then
 * adapter_model.safetensors) for a base model of config c, one adapted
 * weight at a time, without making the model: fn gets the weight's
 * parameter (HF name and shape [out, in]), A [r, in] and B [out, r] as fp32,
 * by layer and then q, k, v, o, gate, up, down. Stops at fn's first error. */
typedef cn_status (*cn_lora_read_fn)(const cn_param *w, const float *a, const float *b, void *arg);
cn_status cn_lora_read_each(const cn_config *c, const char *dir, cn_lora_opts *o, cn_lora_read_fn fn, void *arg);

#endif
