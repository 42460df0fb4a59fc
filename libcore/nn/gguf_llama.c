/* gguf_llama: LLaMA models and LoRA adapters as llama.cpp's GGUF (gguf_llama.h). */
#include "gguf_llama.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "io.h"
#include "lora.h"
#include "chat.h"
#include "model.h"
#include "tok_gguf.h"

cn_status cn_ggml_type_parse(const char *s, cn_ggml_type *t) {
    static const struct {
        const char *name;
        cn_ggml_type t;
    } names[] = {{"f32", CN_GGML_F32}, {"f16", CN_GGML_F16}, {"bf16", CN_GGML_BF16}, {"q8_0", CN_GGML_Q8_0}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(s, names[i].name) == 0) return *t = names[i].t, CN_OK;
    return cn_fail(CN_EINVAL, "type '%s': f32, f16, bf16 or q8_0", s);
}

/* llama.cpp's llama_ftype for a file whose matrices are of type t */
static uint32_t file_type(cn_ggml_type t) {
    switch (t) {
    case CN_GGML_F16: return 1;
    case CN_GGML_Q8_0: return 7;
    case CN_GGML_BF16: return 32;
    default: return 0;
    }
}

/* A Hugging Face LLaMA tensor name -> llama.cpp's (0: not one of them) */
static int ggml_name(const char *hf, char *out, size_t n) {
    static const struct {
        const char *hf, *gg;
    } top[] = {{"model.embed_tokens.weight", "token_embd.weight"}, {"model.norm.weight", "output_norm.weight"}, {"lm_head.weight", "output.weight"}},
      layer[] = {{"input_layernorm.weight", "attn_norm.weight"}, {"self_attn.q_proj.weight", "attn_q.weight"},
                 {"self_attn.k_proj.weight", "attn_k.weight"},   {"self_attn.v_proj.weight", "attn_v.weight"},
                 {"self_attn.o_proj.weight", "attn_output.weight"}, {"post_attention_layernorm.weight", "ffn_norm.weight"},
                 {"mlp.gate_proj.weight", "ffn_gate.weight"},   {"mlp.up_proj.weight", "ffn_up.weight"},
                 {"mlp.down_proj.weight", "ffn_down.weight"}};
    for (size_t i = 0; i < sizeof top / sizeof *top; i++)
        if (strcmp(hf, top[i].hf) == 0) return snprintf(out, n, "%s", top[i].gg), 1;
    int l, k = 0;
    if (sscanf(hf, "model.layers.%d.%n", &l, &k) != 1 || !k) return 0;
    for (size_t i = 0; i < sizeof layer / sizeof *layer; i++)
        if (strcmp(hf + k, layer[i].hf) == 0) return snprintf(out, n, "blk.%d.%s", l, layer[i].gg), 1;
    return 0;
}

/* the number of heads whose rows q_proj or k_proj's permutation moves (0: another tensor) */
static int rope_heads(const cn_config *c, const char *hf) {
    const char *s = strrchr(hf, '.');
    size_t n = s ? (size_t)(s - hf) : 0;
    if (n >= 6 && memcmp(hf + n - 6, "q_proj", 6) == 0) return c->n_head;
    if (n >= 6 && memcmp(hf + n - 6, "k_proj", 6) == 0) return c->n_kv_head;
    return 0;
}

/* rows [heads x D, cols] from rotate-half order to interleaved pairs */
static void permute_rows(float *dst, const float *src, int heads, int d, int64_t cols) {
    for (int h = 0; h < heads; h++)
        for (int i = 0; i < d / 2; i++)
            for (int j = 0; j < 2; j++)
                memcpy(dst + ((int64_t)h * d + 2 * i + j) * cols, src + ((int64_t)h * d + j * (d / 2) + i) * cols, (size_t)cols * sizeof *dst);
}

/* A tensor's way into the file: declared (x NULL) or given (w set: the
 * next declared one, streamed) or added whole (an adapter's), as type, a
 * vector always F32 and a Q8_0 matrix of rows not a multiple of 32 F16;
 * q_proj's and k_proj's rows (perm_heads: their heads) permuted first. */
typedef struct {
    cn_gguf *g;
    cn_gguf_writer *w;
    const cn_config *c;
    const cn_gguf_opts *o;
    float *tmp; /* a permuted tensor */
    size_t cap;
} put_ctx;

static cn_status put(put_ctx *k, const char *name, const int64_t *dims, int ndim, const float *x, int perm_heads) {
    cn_ggml_type type = k->o->type;
    if (ndim == 1) type = CN_GGML_F32;
    else if (type == CN_GGML_Q8_0 && dims[ndim - 1] % 32) type = CN_GGML_F16;
    if (!x) return cn_gguf_tensor_later(k->g, name, type, dims, ndim);
    if (perm_heads) {
        size_t n = (size_t)(dims[0] * dims[1]);
        if (n > k->cap) {
            free(k->tmp);
            if (!(k->tmp = malloc(n * sizeof *k->tmp))) return k->cap = 0, cn_fail(CN_ENOMEM, "out of memory");
            k->cap = n;
        }
        permute_rows(k->tmp, x, perm_heads, k->c->head_dim, dims[1]);
        x = k->tmp;
    }
    return k->w ? cn_gguf_write_next(k->w, x) : cn_gguf_tensor(k->g, name, type, dims, ndim, x);
}

static cn_status put_param(const cn_param *p, const float *x, void *arg) {
    put_ctx *k = arg;
    char name[96];
    if (!ggml_name(p->name, name, sizeof name)) return cn_fail(CN_EINVAL, "%s: no llama.cpp name", p->name);
    cn_status st = put(k, name, p->shape, p->ndim, x, rope_heads(k->c, p->name));
    if (!st && x && k->o->progress) k->o->progress(name, k->o->arg);
    return st;
}

cn_status cn_gguf_check_arch(const cn_config *c) {
    if (c->arch != CN_ARCH_LLAMA)
        return cn_fail(CN_EINVAL, "%s: not exported: only LLaMA-class causal models are (llama.cpp's llama architecture)", c->architecture);
    return CN_OK;
}

/* the last part of a directory's path, into buf */
static const char *base_name(const char *dir, char *buf, size_t cap) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    size_t b = n;
    while (b > 0 && dir[b - 1] != '/') b--;
    snprintf(buf, cap, "%.*s", (int)(n - b), dir + b);
    return buf;
}

/* general.* and llama.* */
static cn_status put_shape(cn_gguf *g, const cn_config *c, const cn_gguf_opts *o, const char *dir) {
    char nm[256];
    cn_status st = cn_gguf_str(g, "general.architecture", "llama");
    if (!st) st = cn_gguf_str(g, "general.name", o->name ? o->name : base_name(dir, nm, sizeof nm));
    if (!st) st = cn_gguf_u32(g, "llama.block_count", (uint32_t)c->n_layer);
    if (!st) st = cn_gguf_u32(g, "llama.context_length", (uint32_t)c->max_pos);
    if (!st) st = cn_gguf_u32(g, "llama.embedding_length", (uint32_t)c->d_model);
    if (!st) st = cn_gguf_u32(g, "llama.feed_forward_length", (uint32_t)c->d_ff);
    if (!st) st = cn_gguf_u32(g, "llama.attention.head_count", (uint32_t)c->n_head);
    if (!st) st = cn_gguf_u32(g, "llama.attention.head_count_kv", (uint32_t)c->n_kv_head);
    if (!st) st = cn_gguf_f32(g, "llama.rope.freq_base", (float)c->rope_theta);
    if (!st) st = cn_gguf_f32(g, "llama.attention.layer_norm_rms_epsilon", (float)c->eps);
    if (!st && c->head_dim * c->n_head != c->d_model) st = cn_gguf_u32(g, "llama.attention.key_length", (uint32_t)c->head_dim);
    if (!st && c->head_dim * c->n_head != c->d_model) st = cn_gguf_u32(g, "llama.attention.value_length", (uint32_t)c->head_dim);
    if (!st) st = cn_gguf_u32(g, "general.file_type", file_type(o->type));
    if (!st) st = cn_gguf_u32(g, "llama.vocab_size", (uint32_t)c->vocab);
    if (!st) st = cn_gguf_u32(g, "llama.rope.dimension_count", (uint32_t)c->head_dim);
    return st;
}

/* what tokenizer_config.json adds to tokenizer.json, as llama.cpp's
 * converter reads it: chat_template (a string, or the "default" of a list
 * of named ones; NULL when none, malloc'd), the ids of bos_token and
 * eos_token, and the id of the marker that ends an answer when the template
 * is one of ours (chat.h: chatml's <|im_end|>, chipnemo's <extra_id_1>);
 * -1 for what is absent or not a token */
typedef struct {
    char *chat_template;
    int64_t bos, eos, end;
} tokcfg;

static int64_t token_id(const cn_tok *t, const char *s) { return s && *s ? cn_tok_id(t, s, strlen(s)) : -1; }

static cn_status read_tokcfg(const char *dir, const cn_tok *tok, tokcfg *tc) {
    *tc = (tokcfg){NULL, -1, -1, -1};
    char *path = cn_path_join(dir, "tokenizer_config.json");
    if (!path) return cn_fail(CN_ENOMEM, "out of memory");
    size_t n;
    int has = access(path, F_OK) == 0;
    char *text = has ? cn_read_all(path, &n) : NULL, *bos = NULL, *eos = NULL;
    cn_status st = has && !text ? cn_last_status() : CN_OK;
    if (!st && text && !(st = cn_chat_config_jinja(text, n, path, &tc->chat_template)) &&
        !(st = cn_chat_config_token(text, n, path, "bos_token", &bos)) && !(st = cn_chat_config_token(text, n, path, "eos_token", &eos)))
        tc->bos = token_id(tok, bos), tc->eos = token_id(tok, eos);
    cn_chat_template ours;
    if (!st && text && cn_chat_template_find(text, n, path, &ours) == CN_OK) tc->end = token_id(tok, cn_chat_template_end(ours));
    free(bos), free(eos);
    free(text);
    free(path);
    if (st) free(tc->chat_template), tc->chat_template = NULL;
    return st;
}

/* the metadata of a model directory */
static cn_status put_meta(const cn_mdir *d, const cn_gguf_opts *o, cn_gguf *g) {
    const cn_config *c = &d->c;
    cn_status st;
    if (!d->tok) return cn_fail(CN_EIO, "%s: no tokenizer.json: a GGUF file carries its tokenizer", d->dir);
    int64_t tbos, teos;
    if ((st = cn_tok_template(d->tok, &tbos, &teos))) return st;
    cn_mdir_gen gen;
    if ((st = cn_mdir_generation(d->dir, &gen))) return st;
    tokcfg tc;
    if ((st = read_tokcfg(d->dir, d->tok, &tc))) return st;
    /* the config's ids, else the post-processor's, else tokenizer_config's */
    cn_tok_gguf_opts to = {
        .rows = (uint32_t)c->vocab,
        .bos = c->bos >= 0 ? c->bos : tbos >= 0 ? tbos : tc.bos,
        .eos = c->eos >= 0 ? c->eos : teos >= 0 ? teos : tc.eos,
        .pad = c->pad,
        .add_bos = tbos >= 0,
        .add_eos = teos >= 0,
        .chat_template = tc.chat_template,
    };
    st = put_shape(g, c, o, d->dir);
    if (!st) st = cn_tok_gguf(d->tok, &to, g);
    /* where an answer ends, if not at EOS, llama.cpp stops as well: our
     * template's end marker, else a second end id of generation_config.json */
    int64_t eot = tc.end;
    for (int i = 0; eot < 0 && i < gen.neos; i++)
        if (gen.eos[i] != to.eos && gen.eos[i] >= 0 && gen.eos[i] < c->vocab) eot = gen.eos[i];
    if (!st && eot >= 0 && eot != to.eos) st = cn_gguf_u32(g, "tokenizer.ggml.eot_token_id", (uint32_t)eot);
    if (!st && o->type != CN_GGML_F32) st = cn_gguf_u32(g, "general.quantization_version", 2);
    free(tc.chat_template);
    return st;
}

cn_status cn_gguf_model(const cn_mdir *d, const cn_gguf_opts *o, const char *path) {
    cn_status st = cn_gguf_check_arch(&d->c);
    if (st) return st;
    cn_gguf *g = cn_gguf_new();
    if (!g) return cn_last_status();
    put_ctx k = {g, NULL, &d->c, o, NULL, 0};
    /* the tensors declared from the layout, then read and written one at a time */
    if (!(st = put_meta(d, o, g)) && !(st = cn_model_read_each(&d->c, NULL, put_param, &k))) {
        if (!(k.w = cn_gguf_write_begin(g, path))) st = cn_last_status();
        else if ((st = cn_model_read_each(&d->c, d->weights, put_param, &k))) cn_gguf_write_abort(k.w);
        else st = cn_gguf_write_end(k.w);
    }
    free(k.tmp);
    cn_gguf_free(g);
    return st;
}

typedef struct {
    put_ctx k;
    int rank;
} adapter_ctx;


static cn_status put_adapter(const cn_param *w, const float *a, const float *b, void *arg) {
    adapter_ctx *x = arg;
    char name[112], base[96];
    if (!ggml_name(w->name, base, sizeof base)) return cn_fail(CN_EINVAL, "%s: no llama.cpp name", w->name);
    int64_t da[2] = {x->rank, w->shape[1]}, db[2] = {w->shape[0], x->rank};
    snprintf(name, sizeof name, "%s.lora_a", base);
    cn_status st = put(&x->k, name, da, 2, a, 0);
    snprintf(name, sizeof name, "%s.lora_b", base);
    if (!st) st = put(&x->k, name, db, 2, b, rope_heads(x->k.c, w->name));
    if (!st && x->k.o->progress) x->k.o->progress(base, x->k.o->arg);
    return st;
}

cn_status cn_gguf_adapter(const cn_config *c, const char *dir, const cn_gguf_opts *o, const char *path) {
    cn_status st = cn_gguf_check_arch(c);
    if (st) return st;
    cn_lora_opts lo;
    if ((st = cn_lora_read_config(dir, &lo))) return st;
    cn_gguf *g = cn_gguf_new(); /* an adapter is small: converted whole, then written */
    if (!g) return cn_last_status();
    char nm[256];
    st = cn_gguf_str(g, "general.architecture", "llama");
    if (!st) st = cn_gguf_str(g, "general.type", "adapter");
    if (!st) st = cn_gguf_str(g, "general.name", o->name ? o->name : base_name(dir, nm, sizeof nm));
    if (!st) st = cn_gguf_str(g, "adapter.type", "lora");
    if (!st) st = cn_gguf_f32(g, "adapter.lora.alpha", lo.alpha);
    adapter_ctx x = {{g, NULL, c, o, NULL, 0}, lo.rank};
    if (!st) st = cn_lora_read_each(c, dir, &lo, put_adapter, &x);
    if (!st) st = cn_gguf_write(g, path);
    free(x.k.tmp);
    cn_gguf_free(g);
    return st;
}
