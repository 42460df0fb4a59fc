/* model_impl: the model's private layout, shared by the files of the model
 * module (model.c: training forward and backward; gen.c: cached decoding;
 * lora.c: adapters). Not part of libcore's public interface.
 * B batch, T time, N = B x T tokens, C channels, F MLP width, V vocab,
 * Hq / Hkv heads, D head size, Q = Hq x D, KV = Hkv x D, L layers. */
#ifndef CN_MODEL_IMPL_H
#define CN_MODEL_IMPL_H
#include "lora.h"
#include "model.h"
#include "optim.h"

/* per-layer parameter indices */
typedef struct {
    int in_norm, q, k, v, o, post_norm, gate, up, down;                         /* LLaMA */
    int bq, bk, bv, bo, ln1w, ln1b, inter, binter, out, bout, ln2w, ln2b;       /* BERT */
} layer_params;

/* per-layer activations (layer L holds only x: the final norm's input) */
typedef struct {
    float *x;         /* (N, C) the layer's input, the residual stream */
    /* LLaMA: xm = x + o(attention(h1)), x_next = xm + down(swiglu(gate(h2), up(h2))) */
    float *h1;        /* (N, C) rmsnorm(x) */
    float *rstd1;     /* (N) its 1 / rms */
    float *q;         /* (N, Q) after RoPE */
    float *k, *v;     /* (N, KV), k after RoPE */
    float *att;       /* (N, Q) the heads' outputs, before o */
    float *lse;       /* (B, Hq, T) each query's log-sum-exp of scores, for the backward */
    float *xm;        /* (N, C) the stream after attention */
    float *h2;        /* (N, C) rmsnorm(xm) */
    float *rstd2;     /* (N) */
    float *gate, *up; /* (N, F) */
    float *act;       /* (N, F) silu(gate) * up */
    /* BERT (post-norm; q, k, v, att (N, C), lse, rstd1 and rstd2 as above) */
    float *s1;        /* (N, C) x + o(attention(x)) + bias */
    float *mean1;     /* (N) */
    float *x1;        /* (N, C) layernorm(s1) */
    float *pre;       /* (N, F) inter(x1) + bias, before GELU */
    float *inter;     /* (N, F) gelu(pre) */
    float *s2;        /* (N, C) x1 + out(inter) + bias; layernorm(s2) is the next x */
    float *mean2;     /* (N) */
} layer_acts;

/* a LoRA adapter on one weight W [out, in]: y += (alpha / r) (drop(x) A^T) B^T */
typedef struct {
    int w;         /* the adapted weight's parameter */
    int a, b;      /* lora_A [r, in], lora_B [out, r] */
    int in, out;
    float *xa;     /* [N, r] drop(x) A^T of the last forward */
    uint64_t seed; /* its dropout mask */
} cn_lora_site;

/* an adapter of the linear layers (LoRA, lora.c), reached through the model
 * so that model.c never calls into it: its part of a linear layer's forward
 * (y += ...) and backward (dx += ..., its gradients), nothing when weight wi
 * has none; its activations for n tokens; freeing its state */
typedef struct {
    void (*fwd)(cn_model *m, float *y, const float *x, int wi, int n);
    void (*bwd)(cn_model *m, float *dx, const float *dy, const float *x, int wi, int n);
    cn_status (*batch)(cn_model *m, size_t n);
    void (*free)(cn_model *m);
} cn_adapter_hooks;

struct cn_model {
    cn_config c;
    const cn_ops *ops;
    cn_param *p;
    int np, cap;
    float *w, *g, *acc;
    size_t nw, ng;
    /* mixed precision (cn_model_set_precision): bf16 copies of the matrices,
     * w16 + off16[i] (SIZE_MAX: none); stale when the fp32 weights changed */
    uint16_t *w16;
    size_t *off16;
    int np16, w16_stale;
    /* AdamW's moments and their shard (optim.c) */
    cn_adamw opt;
    layer_params *lp;
    int embed, norm, head, pos_emb, type_emb, eln_w, eln_b;
    /* batch */
    int B, T;
    float *acts;
    layer_acts *la;
    float *hf, *rstdf, *logits;     /* LLaMA: (N, C) rmsnorm of the last x, (N), (N, V) (their gradient after the loss) */
    float *emb, *emean, *erstd;     /* BERT: (N, C) the summed embeddings before their layernorm, (N), (N) */
    /* gradient scratch, reused by every layer: G = max(Q, C) */
    float *dx, *dh, *dtmp;          /* (N, C) */
    float *dq, *dk, *dv, *datt;     /* (N, G) */
    float *dgate, *dup, *dact;      /* (N, F) */
    /* the batch's integers: checked on the host, then one upload of hb into
     * db, where the ops read them (model.c batch_layout) */
    void *hb, *db;
    int32_t *pos, *ids, *types, *segment, *tg; /* host (N) each */
    uint8_t *valid;                            /* host (N) */
    int32_t *d_pos, *d_ids, *d_types, *d_segment, *d_tg; /* backend copies (N) */
    uint8_t *d_valid;                          /* (N) */
    float *d_loss;                             /* (N) backend: the per-token losses */
    size_t hb_bytes;                           /* what the upload carries */
    int has_segment, has_valid, have_fwd;
    double nvalid;
    /* adapters of the linear layers: the model calls them through the hooks
     * (NULL: none); LoRA's state (lora.c) follows */
    const cn_adapter_hooks *adapter;
    cn_lora_site *lora;
    int nlora, *lora_of; /* lora_of[param]: its site, or -1 */
    cn_lora_opts lopt;
    int merged, training;
    uint64_t drop_seed, drop_calls;
    float *lora_acts, *lora_tmp; /* the sites' xa; [N, max(in)] scratch */
};

/* appends a parameter to the table (values not allocated): its index, or -1 */
int cn_model_add_param(cn_model *m, const char *name, int64_t d0, int64_t d1, int decay);
/* a model's parameter table alone, no buffers (p, np, lp): what reading a
 * checkpoint tensor by tensor needs; freed with cn_model_layout_free */
cn_model *cn_model_layout(const cn_config *c);
void cn_model_layout_free(cn_model *m);


/* the fp32 weights changed: their bf16 copies are made again before the next forward */
#define CN_W_CHANGED(m) ((m)->w16_stale = 1)
/* parameter i's values */
#define CN_W(m, i) ((m)->w + (m)->p[(i)].off)
#endif
