/* config: a transformer's shape from Hugging Face's config.json, for the two
 * families libcore implements (one implementation, switched by the config):
 *   LLaMA  LlamaForCausalLM, MistralForCausalLM: causal, RMSNorm, RoPE,
 *          SwiGLU, grouped-query attention, tied or untied head
 *   BERT   BertModel (e5): bidirectional, post-LayerNorm, learned absolute
 *          positions, token types, GELU (erf), biases
 * A setting that would change the computation and is not implemented (rope
 * scaling, biases in LLaMA, another activation or position embedding) is an
 * error naming it. A sliding window (Mistral) is kept: it changes nothing
 * for sequences no longer than it, and cn_config_check_seq refuses longer
 * ones. */
#ifndef CN_CONFIG_H
#define CN_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef enum { CN_ARCH_LLAMA = 1, CN_ARCH_BERT = 2 } cn_arch;

typedef struct {
    cn_arch arch;
    char architecture[48]; /* as config.json names it: LlamaForCausalLM ... */
    char model_type[24];   /* llama, mistral, bert */
    int n_layer, d_model, n_head, n_kv_head, head_dim, d_ff, vocab, max_pos;
    int type_vocab;        /* BERT token types */
    int tied;              /* LLaMA: the head is the embedding */
    double eps;            /* rms_norm_eps / layer_norm_eps */
    double rope_theta;
    int window;            /* sliding_window, 0: none */
    int64_t bos, eos, pad; /* -1 when unset */
} cn_config;

/* Reads config.json (or DIR/config.json); errors name the file and the key. */
cn_status cn_config_load(const char *path, cn_config *c);
cn_status cn_config_parse(const char *json, size_t n, const char *name, cn_config *c);
/* The config.json text that transformers loads as this model (malloc'd). */
char *cn_config_to_json(const cn_config *c);
/* An error when sequences of t tokens are beyond what the model computes
 * exactly (longer than its sliding window). */
cn_status cn_config_check_seq(const cn_config *c, int64_t t);
/* Parameters in the model (embeddings and head included, a tied head once). */
uint64_t cn_config_params(const cn_config *c);
#endif
