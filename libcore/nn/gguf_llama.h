/* gguf_llama: a LLaMA-class model directory as llama.cpp's GGUF (its
 * "llama" architecture), and a LoRA adapter as llama.cpp's adapter GGUF,
 * written as llama.cpp's own converter writes them:
 *   metadata   general.*, llama.* (u32 integers, f32 reals), the tokenizer
 *              (tok_gguf.h) and the chat template of tokenizer_config.json
 *   tensors    token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v,
 *              attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down},
 *              output_norm, output (none for a tied head: llama.cpp then
 *              uses token_embd)
 * q_proj's and k_proj's rows are permuted from Hugging Face's rotate-half
 * RoPE to llama.cpp's interleaved pairs: within each head (n_head of them
 * for q, n_kv_head for k) row 2i + j of the head comes from row j D/2 + i.
 * An adapter's B of q and k is permuted the same way (the product B A then
 * is). Matrices take the type asked for; 1-D tensors stay F32; under Q8_0
 * a matrix whose rows are not a multiple of 32 values is F16. */
#ifndef CN_GGUF_LLAMA_H
#define CN_GGUF_LLAMA_H
#include "config.h"
#include "gguf.h"
#include "mdir.h"

typedef struct {
    cn_ggml_type type;  /* of the matrices */
    const char *name;   /* general.name; NULL: the directory's last name */
    void (*progress)(const char *tensor, void *arg); /* called after each tensor (may be NULL) */
    void *arg;
} cn_gguf_opts;

/* "f32", "f16", "bf16", "q8_0" -> *t; CN_EINVAL otherwise */
cn_status cn_ggml_type_parse(const char *s, cn_ggml_type *t);

/* CN_EINVAL naming the architecture unless c is LLaMA-class (what the
 * functions below check first; a caller may check before opening more) */
cn_status cn_gguf_check_arch(const cn_config *c);

/* Writes path (atomically) with the whole model of an opened directory: its
 * tensors declared from the config, then read, converted and written one at
 * a time (a model of any size needs one tensor in memory). From its config,
 * tokenizer, weights, tokenizer_config.json's chat template and special
 * tokens, and where an
 * answer ends other than at EOS: our template's end marker, else a second
 * end id of generation_config.json, as tokenizer.ggml.eot_token_id.
 * CN_EINVAL for an architecture llama.cpp's llama does not cover (BERT);
 * the tokenizer's refusals (tok_gguf.h); the checkpoint's. */
cn_status cn_gguf_model(const cn_mdir *d, const cn_gguf_opts *o, const char *path);

/* Writes path with the PEFT adapter in dir for a base model of config c:
 * general.type "adapter", adapter.type "lora", adapter.lora.alpha, and each
 * adapted weight's blk.N.NAME.weight.lora_a [r, in] and .lora_b [out, r]. */
cn_status cn_gguf_adapter(const cn_config *c, const char *dir, const cn_gguf_opts *o, const char *path);
#endif
