/* gen: KV-cache decoding of LLaMA models, sampling, streamed text.
 * L layers, T cache positions, N tokens of a pass, C channels, F MLP width,
 * V vocab, Hq / Hkv heads, D head size, Q = Hq x D, KV = Hkv x D. */
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model_impl.h"
#include "half.h"
#include "st.h"

#define CHUNK 256   /* tokens per pass of a long prompt */
#define CTX_TOKENS 6 /* prompt tokens a stream decodes the first piece after */

/* one layer's weights: matrices fp32 or bf16 (uint16_t), norms fp32 */
typedef struct {
    const void *q, *k, *v, *o, *gate, *up, *down; /* (Q, C) (KV, C) (KV, C) (C, Q) (F, C) (F, C) (C, F) */
    const float *in_norm, *post_norm;             /* (C) (C) */
} gen_layer;

struct cn_gen {
    cn_config c;
    const cn_ops *ops;
    int bf16;
    void *store; /* the weights when the decoder owns them (backend memory), else NULL */
    gen_layer *lw;
    const void *embed, *head; /* (V, C) (V, C) */
    const float *norm;        /* (C) */
    int max_t, len;
    float *kc, *vc;  /* (L, T, KV) keys after RoPE, values */
    int32_t *tokens; /* (T) host: the cache's tokens */
    /* one pass of up to CHUNK tokens (backend memory) */
    int chunk;
    float *x, *h, *q, *att, *gate, *up, *rstd; /* (N, C) (N, C) (N, Q) (N, Q) (N, F) (N, F) (N) */
    float *logits;                             /* (rows, V) */
    int logit_rows;
    int32_t *hb; /* (2, N) host: a pass's ids, then their positions */
    int32_t *db; /* (2, N) backend: the same, uploaded for the ops */
};

/* ---- weights ---- */

typedef struct {
    char name[96];
    int64_t d0, d1;   /* d1 == 0: a vector (fp32 always) */
    const void **dst; /* where the decoder keeps its pointer */
} gen_tensor;

/* the tensors a decoder reads, by HF name (the head last, absent when tied);
 * t holds 9 L + 3 */
static int list_tensors(cn_gen *g, gen_tensor *t) {
    const cn_config *c = &g->c;
    int64_t C = c->d_model, F = c->d_ff, V = c->vocab, Q = (int64_t)c->n_head * c->head_dim, KV = (int64_t)c->n_kv_head * c->head_dim;
    int n = 0;
#define T(d0_, d1_, ptr, ...) (snprintf(t[n].name, sizeof t[n].name, __VA_ARGS__), t[n].d0 = (d0_), t[n].d1 = (d1_), t[n].dst = (const void **)(ptr), n++)
    T(V, C, &g->embed, "model.embed_tokens.weight");
    for (int l = 0; l < c->n_layer; l++) {
        gen_layer *w = &g->lw[l];
        T(Q, C, &w->q, "model.layers.%d.self_attn.q_proj.weight", l);
        T(KV, C, &w->k, "model.layers.%d.self_attn.k_proj.weight", l);
        T(KV, C, &w->v, "model.layers.%d.self_attn.v_proj.weight", l);
        T(C, Q, &w->o, "model.layers.%d.self_attn.o_proj.weight", l);
        T(F, C, &w->gate, "model.layers.%d.mlp.gate_proj.weight", l);
        T(F, C, &w->up, "model.layers.%d.mlp.up_proj.weight", l);
        T(C, F, &w->down, "model.layers.%d.mlp.down_proj.weight", l);
        T(C, 0, &w->in_norm, "model.layers.%d.input_layernorm.weight", l);
        T(C, 0, &w->post_norm, "model.layers.%d.post_attention_layernorm.weight", l);
    }
    T(C, 0, &g->norm, "model.norm.weight");
    if (!c->tied) T(V, C, &g->head, "lm_head.weight");
#undef T
    return n;
}

static size_t tensor_bytes(const cn_gen *g, const gen_tensor *t) {
    size_t n = (size_t)t->d0 * (size_t)(t->d1 ? t->d1 : 1);
    return t->d1 && g->bf16 ? n * 2 : n * 4;
}
static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

/* the decoder without weights: cache, activations */
static cn_gen *gen_alloc(const cn_config *c, const cn_ops *ops, int max_t, cn_gen_dtype dt) {
    if (c->arch != CN_ARCH_LLAMA) return cn_fail(CN_EINVAL, "generation is for LLaMA-class models, not %s", c->architecture), NULL;
    if (max_t == 0) max_t = c->max_pos;
    if (max_t < 1 || max_t > c->max_pos)
        return cn_fail(CN_EINVAL, "a cache of %d positions: the model has %d (max_position_embeddings)", max_t, c->max_pos), NULL;
    if (cn_config_check_seq(c, max_t)) return NULL;
    cn_gen *g = calloc(1, sizeof *g);
    if (!g) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    g->c = *c;
    g->ops = ops;
    g->bf16 = dt == CN_GEN_BF16;
    g->max_t = max_t;
    g->chunk = max_t < CHUNK ? max_t : CHUNK;
    size_t L = (size_t)c->n_layer, N = (size_t)g->chunk, C = (size_t)c->d_model, F = (size_t)c->d_ff;
    size_t Q = (size_t)c->n_head * c->head_dim, KV = (size_t)c->n_kv_head * c->head_dim;
    g->lw = calloc(L, sizeof *g->lw);
    g->tokens = malloc((size_t)max_t * sizeof *g->tokens);
    g->hb = calloc(2 * N, sizeof *g->hb);
    g->db = ops->alloc(2 * N * sizeof *g->db);
    g->kc = ops->alloc(L * max_t * KV * sizeof(float));
    g->vc = ops->alloc(L * max_t * KV * sizeof(float));
    g->x = ops->alloc(N * C * sizeof(float)), g->h = ops->alloc(N * C * sizeof(float));
    g->q = ops->alloc(N * Q * sizeof(float)), g->att = ops->alloc(N * Q * sizeof(float));
    g->gate = ops->alloc(N * F * sizeof(float)), g->up = ops->alloc(N * F * sizeof(float));
    g->rstd = ops->alloc(N * sizeof(float));
    g->logits = ops->alloc((size_t)c->vocab * sizeof(float));
    g->logit_rows = 1;
    if (!g->lw || !g->tokens || !g->hb || !g->db || !g->kc || !g->vc || !g->x || !g->h || !g->q || !g->att || !g->gate || !g->up ||
        !g->rstd || !g->logits) {
        cn_gen_free(g);
        return cn_fail(CN_ENOMEM, "out of memory for a cache of %d positions", max_t), NULL;
    }
    return g;
}

void cn_gen_free(cn_gen *g) {
    if (!g) return;
    const cn_ops *o = g->ops;
    void *dev[] = {g->store, g->kc, g->vc, g->x, g->h, g->q, g->att, g->gate, g->up, g->rstd, g->logits, g->db};
    for (size_t i = 0; i < sizeof dev / sizeof *dev; i++)
        if (dev[i]) o->free(dev[i]);
    free(g->lw), free(g->tokens), free(g->hb);
    free(g);
}

/* allocates the store and points every tensor into it */
static cn_status alloc_store(cn_gen *g, gen_tensor *t, int nt) {
    size_t total = 0;
    for (int i = 0; i < nt; i++) total += align64(tensor_bytes(g, &t[i]));
    if (!(g->store = g->ops->alloc(total))) return cn_fail(CN_ENOMEM, "out of memory for %zu bytes of weights", total);
    size_t at = 0;
    for (int i = 0; i < nt; i++) {
        *t[i].dst = (char *)g->store + at;
        at += align64(tensor_bytes(g, &t[i]));
    }
    if (g->c.tied) g->head = g->embed;
    return CN_OK;
}

/* uploads one tensor from host fp32 values (converted to bf16 for a bf16
 * matrix; f32 is used as scratch) */
static cn_status put_tensor(cn_gen *g, const gen_tensor *t, float *f32) {
    size_t n = (size_t)t->d0 * (size_t)(t->d1 ? t->d1 : 1);
    if (!(t->d1 && g->bf16)) {
        g->ops->upload((void *)*t->dst, f32, n * 4);
        return CN_OK;
    }
    uint16_t *h = malloc(n * 2 + 2);
    if (!h) return cn_fail(CN_ENOMEM, "out of memory");
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) h[i] = cn_f32_to_bf16(f32[i]);
    g->ops->upload((void *)*t->dst, h, n * 2);
    free(h);
    return CN_OK;
}

static gen_tensor *new_list(cn_gen *g, int *nt) {
    gen_tensor *t = calloc((size_t)g->c.n_layer * 9 + 3, sizeof *t);
    if (!t) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    *nt = list_tensors(g, t);
    return t;
}

cn_gen *cn_gen_new(const cn_model *m, int max_t, cn_gen_dtype dt) {
    if (cn_model_has_lora(m) && !m->merged)
        return cn_fail(CN_EINVAL, "the model's LoRA adapters are not merged (cn_model_merge_lora): decoding reads the base weights"), NULL;
    cn_gen *g = gen_alloc(cn_model_config(m), m->ops, max_t, dt);
    if (!g) return NULL;
    int nt;
    gen_tensor *t = new_list(g, &nt);
    cn_status st = t ? CN_OK : CN_ENOMEM;
    if (!st && g->bf16) st = alloc_store(g, t, nt);
    for (int i = 0; i < nt && !st; i++) {
        int k = cn_model_find(m, t[i].name);
        if (k < 0) {
            st = cn_fail(CN_EINVAL, "the model has no tensor '%s'", t[i].name);
            break;
        }
        if (!g->bf16) { /* in place */
            *t[i].dst = CN_W(m, k);
            continue;
        }
        /* on the backend: matrices rounded to bf16, norms copied */
        size_t n = cn_model_param(m, k)->n;
        if (t[i].d1) g->ops->to_bf16((uint16_t *)*t[i].dst, CN_W(m, k), n);
        else g->ops->copy((void *)*t[i].dst, CN_W(m, k), n * sizeof(float));
    }
    if (!st && m->c.tied) g->head = g->embed;
    free(t);
    if (st) {
        cn_gen_free(g);
        return NULL;
    }
    return g;
}

cn_gen *cn_gen_load(const cn_config *c, const cn_ops *ops, const char *path, int max_t, cn_gen_dtype dt) {
    cn_gen *g = gen_alloc(c, ops, max_t, dt);
    if (!g) return NULL;
    int nt;
    gen_tensor *t = new_list(g, &nt);
    cn_status st = t ? alloc_store(g, t, nt) : CN_ENOMEM;
    cn_st *s = st ? NULL : cn_st_open(path);
    if (!st && !s) st = cn_last_status();
    float *host = NULL;
    for (int i = 0; i < nt && !st; i++) {
        const cn_st_tensor *ts = cn_st_find(s, t[i].name);
        if (!ts) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s' missing", path, t[i].name);
            break;
        }
        int nd = t[i].d1 ? 2 : 1;
        if (ts->ndim != nd || ts->shape[0] != t[i].d0 || (nd == 2 && ts->shape[1] != t[i].d1)) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s' has shape [%lld%s%lld], the config says [%lld, %lld]", path, t[i].name,
                         (long long)ts->shape[0], ts->ndim > 1 ? ", " : "", ts->ndim > 1 ? (long long)ts->shape[1] : 0LL,
                         (long long)t[i].d0, (long long)t[i].d1);
            break;
        }
        size_t n = (size_t)ts->numel;
        if (nd == 2 && g->bf16 && ts->dtype == CN_ST_BF16) { /* kept bit for bit */
            ops->upload((void *)*t[i].dst, ts->data, n * 2);
            continue;
        }
        float *h = realloc(host, n * sizeof *h + 4);
        if (!h) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        host = h;
        if (!(st = cn_st_to_f32(ts, host, n))) st = put_tensor(g, &t[i], host);
    }
    free(host), free(t);
    cn_st_close(s);
    if (st) {
        cn_gen_free(g);
        return NULL;
    }
    return g;
}

const cn_config *cn_gen_config(const cn_gen *g) { return &g->c; }
int cn_gen_len(const cn_gen *g) { return g->len; }
int cn_gen_capacity(const cn_gen *g) { return g->max_t; }
const int32_t *cn_gen_tokens(const cn_gen *g) { return g->tokens; }

uint64_t cn_gen_weight_bytes(const cn_gen *g) {
    const cn_config *c = &g->c;
    uint64_t C = (uint64_t)c->d_model, F = (uint64_t)c->d_ff, V = (uint64_t)c->vocab;
    uint64_t Q = (uint64_t)c->n_head * c->head_dim, KV = (uint64_t)c->n_kv_head * c->head_dim;
    uint64_t per_layer = Q * C * 2 + KV * C * 2 + F * C * 3;
    return ((uint64_t)c->n_layer * per_layer + V * C) * (g->bf16 ? 2 : 4);
}

void cn_gen_rewind(cn_gen *g, int n) {
    if (n >= 0 && n < g->len) g->len = n;
}

/* ---- the forward of a pass ---- */

/* y[N, out] = x[N, in] W^T + beta y */
static void linear(const cn_gen *g, float *y, const float *x, const void *w, int n, int out, int in, float beta) {
    if (g->bf16) g->ops->linear_bf16(y, x, w, n, out, in, beta);
    else g->ops->linear_f32(y, x, w, n, out, in, beta);
}

/* n tokens (n <= chunk) at positions len..len+n-1; then with head, the
 * logits of the last token, or of all n with all (rows of the logits buffer) */
static void forward(cn_gen *g, const int32_t *ids, int n, int head, int all) {
    const cn_config *c = &g->c;
    const cn_ops *o = g->ops;
    int C = c->d_model, F = c->d_ff, V = c->vocab, D = c->head_dim, Hq = c->n_head, Hkv = c->n_kv_head;
    int Q = Hq * D, KV = Hkv * D, past = g->len;
    float eps = (float)c->eps, theta = (float)c->rope_theta;
    int32_t *hids = g->hb, *hpos = g->hb + g->chunk, *dids = g->db, *dpos = g->db + g->chunk;
    for (int i = 0; i < n; i++) hids[i] = ids[i], hpos[i] = past + i, g->tokens[past + i] = ids[i];
    o->upload(g->db, g->hb, 2 * (size_t)g->chunk * sizeof *g->hb); /* one upload a pass */
    if (g->bf16) o->embed_bf16_fwd(g->x, g->embed, dids, n, C);
    else o->embed_fwd(g->x, g->embed, dids, n, C, 0);
    for (int l = 0; l < c->n_layer; l++) {
        const gen_layer *w = &g->lw[l];
        float *kl = g->kc + (size_t)l * g->max_t * KV, *vl = g->vc + (size_t)l * g->max_t * KV;
        float *knew = kl + (size_t)past * KV, *vnew = vl + (size_t)past * KV;
        /* attention: x += o(attn(rope(q(h)), cache + rope(k(h)), cache + v(h))), h = rmsnorm(x) */
        o->rmsnorm_fwd(g->h, g->rstd, g->x, w->in_norm, n, C, eps);
        linear(g, g->q, g->h, w->q, n, Q, C, 0);
        linear(g, knew, g->h, w->k, n, KV, C, 0); /* straight into the cache */
        linear(g, vnew, g->h, w->v, n, KV, C, 0);
        o->rope_fwd(g->q, dpos, n, Hq, D, theta);
        o->rope_fwd(knew, dpos, n, Hkv, D, theta);
        o->attn_cached_fwd(g->att, g->q, kl, vl, n, past, Hq, Hkv, D);
        linear(g, g->x, g->att, w->o, n, C, Q, 1);
        /* MLP: x += down(silu(gate(h)) * up(h)), h = rmsnorm(x) */
        o->rmsnorm_fwd(g->h, g->rstd, g->x, w->post_norm, n, C, eps);
        linear(g, g->gate, g->h, w->gate, n, F, C, 0);
        linear(g, g->up, g->h, w->up, n, F, C, 0);
        o->swiglu_fwd(g->gate, g->gate, g->up, (size_t)n * F);
        linear(g, g->x, g->gate, w->down, n, C, F, 1);
    }
    g->len += n;
    if (!head) return;
    /* head: of the last token only, unless all */
    int rows = all ? n : 1;
    const float *last = g->x + (size_t)(n - rows) * C;
    o->rmsnorm_fwd(g->h, g->rstd, last, g->norm, rows, C, eps);
    linear(g, g->logits, g->h, g->head, rows, V, C, 0);
}

cn_status cn_gen_feed(cn_gen *g, const int32_t *ids, int n, float *logits, int flags) {
    const cn_config *c = &g->c;
    if (n < 1) return cn_fail(CN_EINVAL, "nothing to feed");
    if (n > g->max_t - g->len)
        return cn_fail(CN_ERANGE, "%d more tokens do not fit: the context holds %d, %d are used", n, g->max_t, g->len);
    for (int i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= c->vocab) return cn_fail(CN_ERANGE, "token id %d is outside the vocabulary of %d", ids[i], c->vocab);
    int all = logits && (flags & CN_GEN_ALL_LOGITS);
    if (all && g->logit_rows < g->chunk) {
        float *l = g->ops->alloc((size_t)g->chunk * c->vocab * sizeof(float));
        if (!l) return cn_fail(CN_ENOMEM, "out of memory for logits");
        g->ops->free(g->logits);
        g->logits = l;
        g->logit_rows = g->chunk;
    }
    size_t V = (size_t)c->vocab;
    for (int at = 0; at < n; at += g->chunk) {
        int k = n - at < g->chunk ? n - at : g->chunk;
        forward(g, ids + at, k, logits && (all || at + k == n), all);
        if (all) g->ops->download(logits + (size_t)at * V, g->logits, (size_t)k * V * sizeof(float));
    }
    if (logits && !all) g->ops->download(logits, g->logits, V * sizeof(float));
    return CN_OK;
}

/* ---- sampling ---- */

void cn_gen_repetition_penalty(float *logits, int v, const int32_t *ctx, size_t n, float penalty) {
    if (penalty == 1 || !n) return;
    /* as HF: gather every context token's logit, then scatter the penalized
     * values, so a token seen twice is penalized once */
    float *val = malloc(n * sizeof *val);
    if (!val) { /* without scratch: mark each distinct token by position */
        for (size_t i = 0; i < n; i++) {
            int32_t id = ctx[i];
            size_t j = 0;
            while (j < i && ctx[j] != id) j++;
            if (j < i || id < 0 || id >= v) continue;
            logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) val[i] = ctx[i] >= 0 && ctx[i] < v ? logits[ctx[i]] : 0;
    for (size_t i = 0; i < n; i++)
        if (ctx[i] >= 0 && ctx[i] < v) logits[ctx[i]] = val[i] < 0 ? val[i] * penalty : val[i] / penalty;
    free(val);
}

void cn_gen_temperature(float *logits, int v, float t) {
    if (t == 1 || t <= 0) return;
    for (int i = 0; i < v; i++) logits[i] /= t;
}

/* logits ranked: larger first, then the lower id */
typedef struct {
    float v;
    int32_t i;
} ranked;
static int before(const ranked *a, const ranked *b) { return a->v > b->v || (a->v == b->v && a->i < b->i); }
static int cmp_ranked(const void *a, const void *b) { return before(a, b) ? -1 : before(b, a) ? 1 : 0; }

/* reorders r[0..n) so that its first k are the k best (in no order) */
static void select_best(ranked *r, size_t n, size_t k) {
    size_t lo = 0, hi = n; /* the k-th best lies in [lo, hi) */
    while (hi - lo > 1 && k > lo && k < hi) {
        /* median of three as pivot, Lomuto partition: better ones first */
        size_t mid = lo + (hi - lo) / 2;
        ranked a = r[lo], b = r[mid], c = r[hi - 1], p;
        if (before(&a, &b)) p = before(&b, &c) ? b : before(&a, &c) ? c : a;
        else p = before(&a, &c) ? a : before(&b, &c) ? c : b;
        size_t s = lo;
        for (size_t j = lo; j < hi; j++)
            if (before(&r[j], &p)) {
                ranked t = r[s];
                r[s++] = r[j], r[j] = t;
            }
        /* [lo, s) better than p; then p itself (unique: ids differ) */
        size_t e = s;
        for (size_t j = s; j < hi; j++)
            if (r[j].i == p.i) {
                ranked t = r[e];
                r[e++] = r[j], r[j] = t;
                break;
            }
        if (k <= s) hi = s;
        else lo = e;
    }
}

/* the finite logits, ranked; NULL when out of memory */
static ranked *rank_finite(const float *logits, int v, size_t *n) {
    ranked *r = malloc(((size_t)v + 1) * sizeof *r);
    if (!r) return NULL;
    size_t k = 0;
    for (int i = 0; i < v; i++)
        if (logits[i] > -INFINITY) r[k].v = logits[i], r[k++].i = i;
    *n = k;
    return r;
}

cn_status cn_gen_top_k(float *logits, int v, int k) {
    if (k <= 0 || k >= v) return CN_OK;
    size_t n;
    ranked *r = rank_finite(logits, v, &n);
    if (!r) return cn_fail(CN_ENOMEM, "out of memory");
    if ((size_t)k < n) {
        select_best(r, n, (size_t)k);
        float kth = INFINITY;
        for (int j = 0; j < k; j++)
            if (r[j].v < kth) kth = r[j].v;
        for (int i = 0; i < v; i++)
            if (logits[i] < kth) logits[i] = -INFINITY;
    }
    free(r);
    return CN_OK;
}

cn_status cn_gen_top_p(float *logits, int v, float p) {
    if (p >= 1) return CN_OK;
    size_t n;
    ranked *r = rank_finite(logits, v, &n);
    if (!r) return cn_fail(CN_ENOMEM, "out of memory");
    if (!n) {
        free(r);
        return CN_OK;
    }
    double m = -INFINITY, total = 0;
    for (size_t j = 0; j < n; j++) m = r[j].v > m ? r[j].v : m;
    for (size_t j = 0; j < n; j++) total += exp((double)r[j].v - m);
    /* the best few sorted; more only when they do not reach p */
    size_t keep = 0, have = 64 < n ? 64 : n;
    for (;;) {
        select_best(r, n, have);
        qsort(r, have, sizeof *r, cmp_ranked);
        double before_mass = 0;
        for (keep = 0; keep < have; keep++) {
            if (keep > 0 && before_mass >= p * total) break;
            before_mass += exp((double)r[keep].v - m);
        }
        if (keep < have || have == n) break;
        have = have * 4 < n ? have * 4 : n;
    }
    /* keep r[0..keep), the rest to -inf */
    for (size_t j = 0; j < keep; j++) r[j].v = logits[r[j].i];
    for (int i = 0; i < v; i++) logits[i] = -INFINITY;
    for (size_t j = 0; j < keep; j++) logits[r[j].i] = r[j].v;
    free(r);
    return CN_OK;
}

int32_t cn_gen_argmax(const float *logits, int v) {
    int32_t best = 0;
    for (int i = 1; i < v; i++)
        if (logits[i] > logits[best]) best = i;
    return best;
}

int32_t cn_gen_draw(const float *logits, int v, cn_rng *r) {
    float m = -INFINITY;
    for (int i = 0; i < v; i++) m = logits[i] > m ? logits[i] : m;
    if (m == -INFINITY) return 0;
    double total = 0;
    for (int i = 0; i < v; i++) total += logits[i] > -INFINITY ? exp((double)logits[i] - m) : 0;
    double u = cn_rng_double(r) * total, acc = 0;
    int32_t last = 0;
    for (int i = 0; i < v; i++) {
        if (logits[i] == -INFINITY) continue;
        acc += exp((double)logits[i] - m);
        last = i;
        if (acc > u) return i;
    }
    return last; /* rounding at the very end */
}

cn_status cn_gen_sample(float *logits, int v, const cn_gen_opts *o, const int32_t *ctx, size_t n, int n_new, cn_rng *r,
                        int32_t *next) {
    cn_gen_repetition_penalty(logits, v, ctx, n, o->repetition_penalty > 0 ? o->repetition_penalty : 1);
    if (n_new < o->min_new_tokens)
        for (int k = 0; k < o->nstop_ids; k++)
            if (o->stop_ids[k] >= 0 && o->stop_ids[k] < v) logits[o->stop_ids[k]] = -INFINITY;
    if (o->temperature <= 0) {
        *next = cn_gen_argmax(logits, v);
        return CN_OK;
    }
    cn_gen_temperature(logits, v, o->temperature);
    cn_status st = cn_gen_top_k(logits, v, o->top_k);
    if (!st && o->top_p > 0) st = cn_gen_top_p(logits, v, o->top_p);
    if (!st) *next = cn_gen_draw(logits, v, r);
    return st;
}

/* ---- streamed text ---- */

typedef struct {
    char *s;
    size_t n, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t c = (b->n + n + 1) * 2;
        char *x = realloc(b->s, c);
        if (!x) return -1;
        b->s = x, b->cap = c;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
    return 0;
}

struct cn_gen_stream {
    const cn_tok *tok;
    uint32_t *ids; /* the prompt's tail, then every token pushed */
    size_t n, cap;
    size_t prefix, read; /* decoded text so far: of ids[prefix, read) after ids[.., prefix) */
    char **stop;
    int nstop, stopped;
    buf pend, out; /* decoded, not yet released; released by the last call */
};

cn_gen_stream *cn_gen_stream_new(const cn_tok *tok, const int32_t *ctx, size_t n, const char *const *stop, int nstop) {
    cn_gen_stream *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    s->tok = tok;
    s->cap = n + 64;
    s->ids = malloc(s->cap * sizeof *s->ids);
    s->stop = calloc((size_t)nstop + 1, sizeof *s->stop);
    int bad = !s->ids || !s->stop;
    /* the context less a run of byte tokens at its end: the first new byte
     * would join that run and could rewrite its text */
    while (n && cn_tok_is_byte(tok, (uint32_t)ctx[n - 1])) n--;
    for (size_t i = 0; i < n && !bad; i++) s->ids[i] = (uint32_t)ctx[i];
    s->n = s->read = n;
    for (int i = 0; i < nstop && !bad; i++) {
        if (!stop[i][0]) continue; /* an empty stop string stops nothing */
        bad = !(s->stop[s->nstop++] = strdup(stop[i]));
    }
    if (bad) {
        cn_gen_stream_free(s);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    return s;
}

void cn_gen_stream_free(cn_gen_stream *s) {
    if (!s) return;
    for (int i = 0; i < s->nstop; i++) free(s->stop[i]);
    free(s->stop), free(s->ids), free(s->pend.s), free(s->out.s);
    free(s);
}

static int ends_incomplete(const char *t, size_t n) { return n >= 3 && memcmp(t + n - 3, "\xEF\xBF\xBD", 3) == 0; }

/* decodes ids[prefix, n): the text after ids[prefix, read) goes to pend when
 * it is longer and does not end in U+FFFD (or always, at the end). Not while
 * the last token is a byte token: the next byte may make its run invalid,
 * which turns every byte of the run into U+FFFD, text already released
 * included (as transformers decodes it) */
static cn_status stream_decode(cn_gen_stream *s, int final) {
    if (!final && cn_tok_is_byte(s->tok, s->ids[s->n - 1])) return CN_OK;
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    cn_status st = cn_tok_decode(s->tok, s->ids + s->prefix, s->read - s->prefix, 1, &a, &na);
    if (!st) st = cn_tok_decode(s->tok, s->ids + s->prefix, s->n - s->prefix, 1, &b, &nb);
    if (!st && nb > na && (final || !ends_incomplete(b, nb))) {
        if (buf_put(&s->pend, b + na, nb - na)) st = cn_fail(CN_ENOMEM, "out of memory");
        s->prefix = s->read;
        s->read = s->n;
    }
    free(a), free(b);
    return st;
}

/* moves pend to out up to a stop string (then stopped) or, unless final,
 * up to the longest end of pend that may start a stop string */
static cn_status stream_release(cn_gen_stream *s, int final) {
    size_t cut = s->pend.n, hold = 0;
    for (int k = 0; k < s->nstop; k++) {
        size_t sl = strlen(s->stop[k]);
        const char *f = memmem(s->pend.s ? s->pend.s : "", s->pend.n, s->stop[k], sl);
        if (f && (size_t)(f - s->pend.s) < cut) cut = (size_t)(f - s->pend.s), s->stopped = 1;
        for (size_t h = sl - 1 < s->pend.n ? sl - 1 : s->pend.n; !final && h > hold; h--)
            if (memcmp(s->pend.s + s->pend.n - h, s->stop[k], h) == 0) {
                hold = h;
                break;
            }
    }
    if (!s->stopped) cut = s->pend.n - hold;
    s->out.n = 0;
    if (buf_put(&s->out, s->pend.s ? s->pend.s : "", cut)) return cn_fail(CN_ENOMEM, "out of memory");
    if (s->stopped) s->pend.n = 0;
    else if (cut) memmove(s->pend.s, s->pend.s + cut, s->pend.n - cut), s->pend.n -= cut;
    return CN_OK;
}

cn_status cn_gen_stream_push(cn_gen_stream *s, int32_t id, const char **text, size_t *len, int *stopped) {
    *text = "", *len = 0, *stopped = s->stopped;
    if (s->stopped) return CN_OK;
    if (s->n == s->cap) {
        /* drop what no decode needs any more */
        if (s->prefix > 0) {
            memmove(s->ids, s->ids + s->prefix, (s->n - s->prefix) * sizeof *s->ids);
            s->n -= s->prefix, s->read -= s->prefix, s->prefix = 0;
        }
        if (s->n == s->cap) {
            uint32_t *x = realloc(s->ids, s->cap * 2 * sizeof *x);
            if (!x) return cn_fail(CN_ENOMEM, "out of memory");
            s->ids = x, s->cap *= 2;
        }
    }
    s->ids[s->n++] = (uint32_t)id;
    cn_status st = stream_decode(s, 0);
    if (!st) st = stream_release(s, 0);
    if (st) return st;
    *text = s->out.s ? s->out.s : "", *len = s->out.n, *stopped = s->stopped;
    return CN_OK;
}

cn_status cn_gen_stream_end(cn_gen_stream *s, const char **text, size_t *len) {
    *text = "", *len = 0;
    if (s->stopped) return CN_OK;
    cn_status st = s->read < s->n ? stream_decode(s, 1) : CN_OK;
    if (!st) st = stream_release(s, 1);
    if (st) return st;
    s->stopped = 1;
    *text = s->out.s ? s->out.s : "", *len = s->out.n;
    return CN_OK;
}

/* ---- generation ---- */

cn_status cn_gen_run(cn_gen *g, const cn_tok *tok, const int32_t *prompt, size_t n, const cn_gen_opts *o, cn_rng *r,
                     int ctx_text, cn_gen_text_fn fn, void *arg, cn_gen_stats *stats) {
    cn_gen_stats st0;
    cn_gen_stats *s = stats ? stats : &st0;
    memset(s, 0, sizeof *s);
    if (n < 1) return cn_fail(CN_EINVAL, "an empty prompt");
    if (n > (size_t)g->max_t)
        return cn_fail(CN_ERANGE, "a prompt of %zu tokens does not fit the context of %d", n, g->max_t);
    int V = g->c.vocab;
    /* the cache keeps what it shares with the prompt, but the last prompt
     * token is always fed again: its logits come next */
    size_t keep = 0;
    while (keep + 1 < n && keep < (size_t)g->len && g->tokens[keep] == prompt[keep]) keep++;
    cn_gen_rewind(g, (int)keep);
    s->prompt = (int)n, s->reused = (int)keep;
    float *logits = malloc((size_t)V * sizeof *logits);
    cn_gen_stream *txt = cn_gen_stream_new(tok, ctx_text ? prompt + (n > CTX_TOKENS ? n - CTX_TOKENS : 0) : NULL,
                                           ctx_text ? (n > CTX_TOKENS ? CTX_TOKENS : n) : 0, o->stop, o->nstop);
    cn_status st = !logits || !txt ? cn_fail(CN_ENOMEM, "out of memory") : CN_OK;
    double t0 = cn_now();
    if (!st) st = cn_gen_feed(g, prompt + keep, (int)(n - keep), logits, 0);
    s->prefill_s = cn_now() - t0;
    t0 = cn_now();
    while (!st) {
        int32_t id; /* the context for the penalties: the cache's tokens, the prompt and what came since */
        if ((st = cn_gen_sample(logits, V, o, g->tokens, (size_t)g->len, s->generated, r, &id))) break;
        s->generated++;
        int stop_id = 0;
        for (int k = 0; k < o->nstop_ids; k++) stop_id |= o->stop_ids[k] == id;
        if (stop_id) {
            s->end = CN_GEN_END_STOP_ID;
            break;
        }
        const char *text;
        size_t len;
        int stopped;
        if ((st = cn_gen_stream_push(txt, id, &text, &len, &stopped))) break;
        if (fn && fn(arg, id, text, len)) {
            s->end = CN_GEN_END_CALLER;
            break;
        }
        if (stopped) {
            s->end = CN_GEN_END_STOP;
            break;
        }
        if (o->max_new_tokens > 0 && s->generated >= o->max_new_tokens) {
            s->end = CN_GEN_END_LENGTH;
            break;
        }
        if (g->len >= g->max_t) {
            s->end = CN_GEN_END_FULL;
            break;
        }
        st = cn_gen_feed(g, &id, 1, logits, 0);
    }
    s->decode_s = cn_now() - t0;
    if (!st && s->end != CN_GEN_END_CALLER && s->end != CN_GEN_END_STOP) {
        const char *text;
        size_t len;
        if (!(st = cn_gen_stream_end(txt, &text, &len)) && len && fn) fn(arg, -1, text, len);
    }
    cn_gen_stream_free(txt);
    free(logits);
    return st;
}
