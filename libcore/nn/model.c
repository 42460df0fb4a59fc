/* model: LLaMA and BERT forward and backward over cn_ops, parameters by
 * Hugging Face name. B batch, T time, N = B x T tokens, C channels, F MLP
 * width, V vocab, Hq / Hkv heads, D head size, Q = Hq x D, KV = Hkv x D, L
 * layers; the activations' shapes are in model_impl.h (layer_acts). */
#include "model_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "io.h"
#include "rng.h"
#include "st.h"

int cn_model_add_param(cn_model *m, const char *name, int64_t d0, int64_t d1, int decay) {
    if (m->np == m->cap) {
        int c = m->cap ? m->cap * 2 : 64;
        cn_param *x = realloc(m->p, (size_t)c * sizeof *x);
        if (!x) return -1;
        m->p = x;
        m->cap = c;
    }
    cn_param *p = &m->p[m->np];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = d1 ? 2 : 1;
    p->shape[0] = d0;
    p->shape[1] = d1;
    p->n = (size_t)d0 * (size_t)(d1 ? d1 : 1);
    p->off = m->nw;
    p->trainable = 1;
    p->decay = decay;
    m->nw += p->n;
    return m->np++;
}

static void layout_params(cn_model *m) {
    const cn_config *c = &m->c;
    int64_t C = c->d_model, F = c->d_ff, V = c->vocab, Q = (int64_t)c->n_head * c->head_dim, KV = (int64_t)c->n_kv_head * c->head_dim;
    char n[96];
    if (c->arch == CN_ARCH_LLAMA) {
        m->embed = cn_model_add_param(m, "model.embed_tokens.weight", V, C, 1);
        for (int l = 0; l < c->n_layer; l++) {
            layer_params *lp = &m->lp[l];
#define P(field, suffix, d0, d1, dec) (snprintf(n, sizeof n, "model.layers.%d.%s", l, suffix), lp->field = cn_model_add_param(m, n, d0, d1, dec))
            P(q, "self_attn.q_proj.weight", Q, C, 1);
            P(k, "self_attn.k_proj.weight", KV, C, 1);
            P(v, "self_attn.v_proj.weight", KV, C, 1);
            P(o, "self_attn.o_proj.weight", C, Q, 1);
            P(gate, "mlp.gate_proj.weight", F, C, 1);
            P(up, "mlp.up_proj.weight", F, C, 1);
            P(down, "mlp.down_proj.weight", C, F, 1);
            P(in_norm, "input_layernorm.weight", C, 0, 0);
            P(post_norm, "post_attention_layernorm.weight", C, 0, 0);
        }
        m->norm = cn_model_add_param(m, "model.norm.weight", C, 0, 0);
        m->head = c->tied ? m->embed : cn_model_add_param(m, "lm_head.weight", V, C, 1);
    } else {
        m->embed = cn_model_add_param(m, "embeddings.word_embeddings.weight", V, C, 1);
        m->pos_emb = cn_model_add_param(m, "embeddings.position_embeddings.weight", c->max_pos, C, 1);
        m->type_emb = cn_model_add_param(m, "embeddings.token_type_embeddings.weight", c->type_vocab, C, 1);
        m->eln_w = cn_model_add_param(m, "embeddings.LayerNorm.weight", C, 0, 0);
        m->eln_b = cn_model_add_param(m, "embeddings.LayerNorm.bias", C, 0, 0);
        for (int l = 0; l < c->n_layer; l++) {
            layer_params *lp = &m->lp[l];
#define PB(field, suffix, d0, d1, dec) (snprintf(n, sizeof n, "encoder.layer.%d.%s", l, suffix), lp->field = cn_model_add_param(m, n, d0, d1, dec))
            PB(q, "attention.self.query.weight", C, C, 1);
            PB(bq, "attention.self.query.bias", C, 0, 0);
            PB(k, "attention.self.key.weight", C, C, 1);
            PB(bk, "attention.self.key.bias", C, 0, 0);
            PB(v, "attention.self.value.weight", C, C, 1);
            PB(bv, "attention.self.value.bias", C, 0, 0);
            PB(o, "attention.output.dense.weight", C, C, 1);
            PB(bo, "attention.output.dense.bias", C, 0, 0);
            PB(ln1w, "attention.output.LayerNorm.weight", C, 0, 0);
            PB(ln1b, "attention.output.LayerNorm.bias", C, 0, 0);
            PB(inter, "intermediate.dense.weight", F, C, 1);
            PB(binter, "intermediate.dense.bias", F, 0, 0);
            PB(out, "output.dense.weight", C, F, 1);
            PB(bout, "output.dense.bias", C, 0, 0);
            PB(ln2w, "output.LayerNorm.weight", C, 0, 0);
            PB(ln2b, "output.LayerNorm.bias", C, 0, 0);
        }
    }
}

cn_model *cn_model_new(const cn_config *c, const cn_ops *ops) {
    cn_model *m = calloc(1, sizeof *m);
    if (!m) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    m->c = *c;
    m->ops = ops;
    m->lp = calloc((size_t)c->n_layer, sizeof *m->lp);
    if (!m->lp) goto nomem;
    layout_params(m);
    if (!m->p) goto nomem;
    for (int i = 0; i < m->np; i++) {
        cn_param *p = &m->p[i];
        p->goff = m->ng;
        m->ng += p->n;
    }
    m->opt.hi = m->ng;
    m->w = ops->alloc(m->nw * sizeof(float));
    m->g = ops->alloc(m->ng * sizeof(float));
    if (!m->w || !m->g) goto nomem;
    ops->zero(m->w, m->nw * sizeof(float));
    ops->zero(m->g, m->ng * sizeof(float));
    return m;
nomem:
    cn_model_free(m);
    return cn_fail(CN_ENOMEM, "out of memory for a model of %zu parameters", m ? m->nw : (size_t)0), NULL;
}

void cn_model_free(cn_model *m) {
    if (!m) return;
    const cn_ops *o = m->ops;
    if (m->w) o->free(m->w);
    if (m->g) o->free(m->g);
    cn_adamw_reset(&m->opt, o, 0);
    if (m->acc) o->free(m->acc);
    if (m->acts) o->free(m->acts);
    if (m->db) o->free(m->db);
    if (m->w16) o->free(m->w16);
    free(m->off16);
    if (m->adapter) m->adapter->free(m);
    free(m->la);
    free(m->hb);
    free(m->p);
    free(m->lp);
    free(m);
}

const cn_config *cn_model_config(const cn_model *m) { return &m->c; }
int cn_model_nparams(const cn_model *m) { return m->np; }
const cn_param *cn_model_param(const cn_model *m, int i) { return i >= 0 && i < m->np ? &m->p[i] : NULL; }

int cn_model_find(const cn_model *m, const char *name) {
    for (int i = 0; i < m->np; i++)
        if (strcmp(m->p[i].name, name) == 0) return i;
    return -1;
}

cn_status cn_model_get(const cn_model *m, int i, float *dst) {
    if (i < 0 || i >= m->np) return cn_fail(CN_EINVAL, "no parameter %d", i);
    m->ops->download(dst, m->w + m->p[i].off, m->p[i].n * sizeof(float));
    return CN_OK;
}

cn_status cn_model_set(cn_model *m, int i, const float *src) {
    if (i < 0 || i >= m->np) return cn_fail(CN_EINVAL, "no parameter %d", i);
    m->ops->upload(m->w + m->p[i].off, src, m->p[i].n * sizeof(float));
    CN_W_CHANGED(m);
    return CN_OK;
}

cn_status cn_model_get_grad(const cn_model *m, int i, float *dst) {
    if (i < 0 || i >= m->np) return cn_fail(CN_EINVAL, "no parameter %d", i);
    if (m->p[i].goff == SIZE_MAX) return cn_fail(CN_EINVAL, "parameter %s is frozen", m->p[i].name);
    m->ops->download(dst, m->g + m->p[i].goff, m->p[i].n * sizeof(float));
    return CN_OK;
}

void cn_model_zero_grad(cn_model *m) {
    if (m->ng) m->ops->zero(m->g, m->ng * sizeof(float));
}

void cn_model_set_trainable(cn_model *m, int i, int trainable) {
    if (i >= 0 && i < m->np) m->p[i].trainable = trainable != 0;
}

cn_status cn_model_commit_trainable(cn_model *m) {
    size_t ng = 0;
    for (int i = 0; i < m->np; i++) {
        m->p[i].goff = m->p[i].trainable ? ng : SIZE_MAX;
        ng += m->p[i].trainable ? m->p[i].n : 0;
    }
    const cn_ops *o = m->ops;
    if (m->g) o->free(m->g);
    if (m->acc) o->free(m->acc);
    m->g = m->acc = NULL;
    m->ng = ng;
    cn_adamw_reset(&m->opt, o, ng); /* a new layout: no moments, not sharded */
    if (ng && !(m->g = o->alloc(ng * sizeof(float)))) return cn_fail(CN_ENOMEM, "out of memory for %zu gradients", ng);
    cn_model_zero_grad(m);
    return CN_OK;
}

size_t cn_model_grad_size(const cn_model *m) { return m->ng; }

cn_status cn_model_accumulate(cn_model *m, int first) {
    if (!m->ng) return CN_OK;
    if (!m->acc && !(m->acc = m->ops->alloc(m->ng * sizeof(float)))) return cn_fail(CN_ENOMEM, "out of memory for accumulation");
    if (first) m->ops->zero(m->acc, m->ng * sizeof(float)); /* 0 + g is g, bit for bit */
    m->ops->add(m->acc, m->g, m->ng);
    return CN_OK;
}

void cn_model_accumulated(cn_model *m) {
    if (!m->ng || !m->acc) return;
    m->ops->zero(m->g, m->ng * sizeof(float));
    m->ops->add(m->g, m->acc, m->ng);
}

float *cn_model_grad_data(cn_model *m, size_t *n) {
    *n = m->ng;
    return m->g;
}

/* ---- the optimizer (optim.c), on the model's flat parameters ---- */

static cn_flat flat(const cn_model *m) { return (cn_flat){m->ops, m->w, m->nw, m->g, m->ng, m->p, m->np}; }

double cn_model_grad_norm(const cn_model *m) {
    cn_flat f = flat(m);
    return cn_grad_norm(&f);
}

void cn_model_scale_grad(cn_model *m, float s) {
    cn_flat f = flat(m);
    cn_grad_scale(&f, s);
}

cn_status cn_model_adamw(cn_model *m, float lr, float beta1, float beta2, float eps, float wd, int64_t step) {
    cn_flat f = flat(m);
    cn_status st = cn_adamw_step(&m->opt, &f, lr, beta1, beta2, eps, wd, step);
    if (!st) CN_W_CHANGED(m);
    return st;
}

cn_status cn_model_get_moments(const cn_model *m, int i, float *m1, float *m2) {
    cn_flat f = flat(m);
    return cn_adamw_get(&m->opt, &f, i, m1, m2);
}

cn_status cn_model_set_moments(cn_model *m, int i, const float *m1, const float *m2) {
    cn_flat f = flat(m);
    return cn_adamw_set(&m->opt, &f, i, m1, m2);
}

cn_status cn_model_shard_optimizer(cn_model *m, int part, int nparts) {
    cn_flat f = flat(m);
    return cn_adamw_shard(&m->opt, &f, part, nparts);
}

const size_t *cn_model_shard_bounds(const cn_model *m, int *nparts) {
    *nparts = m->opt.nparts;
    return m->opt.shard_off;
}

cn_status cn_model_shard_sync(cn_model *m, cn_allgather_fn gather) {
    cn_flat f = flat(m);
    cn_status st = cn_adamw_sync(&m->opt, &f, gather);
    if (!st && m->opt.nparts) CN_W_CHANGED(m);
    return st;
}

cn_status cn_model_unshard(cn_model *m, cn_allgather_fn gather) {
    cn_flat f = flat(m);
    return cn_adamw_unshard(&m->opt, &f, gather);
}

/* ---- precision ---- */

static const char *const prec_names[] = {"fp32", "bf16"};
const char *cn_precision_name(cn_precision p) { return (unsigned)p < 2 ? prec_names[p] : "?"; }

cn_status cn_precision_parse(const char *s, cn_precision *p) {
    for (int i = 0; i < 2; i++)
        if (strcmp(s, prec_names[i]) == 0) return *p = (cn_precision)i, CN_OK;
    return cn_fail(CN_EINVAL, "unknown precision '%s' (fp32 or bf16)", s);
}

/* a bf16 copy for every matrix a product reads: not the adapters, not the
 * tables only gathered from (positions, token types, an untied embedding) */
static int has_copy(const cn_model *m, int i) {
    const cn_param *p = &m->p[i];
    int bert = m->c.arch == CN_ARCH_BERT, gathered = i == m->embed || (bert && (i == m->pos_emb || i == m->type_emb));
    return p->ndim == 2 && !p->lora && (!gathered || (!bert && i == m->head));
}

cn_status cn_model_set_precision(cn_model *m, cn_precision p) {
    const cn_ops *o = m->ops;
    if (p == CN_PREC_FP32) {
        if (m->w16) o->free(m->w16);
        free(m->off16);
        m->w16 = NULL, m->off16 = NULL;
        return CN_OK;
    }
    if (p != CN_PREC_BF16) return cn_fail(CN_EINVAL, "unknown precision %d", (int)p);
    if (!o->matmul_bf16) return cn_fail(CN_EINVAL, "the %s backend has no bf16 products", o->name);
    if (m->w16) return CN_OK;
    size_t n16 = 0;
    if (!(m->off16 = malloc((size_t)m->np * sizeof *m->off16))) return cn_fail(CN_ENOMEM, "out of memory");
    for (int i = 0; i < m->np; i++) {
        m->off16[i] = has_copy(m, i) ? n16 : SIZE_MAX;
        n16 += has_copy(m, i) ? (m->p[i].n + 31) & ~(size_t)31 : 0; /* each copy on 64 bytes */
    }
    m->np16 = m->np; /* adapters added later have none */
    if (!(m->w16 = o->alloc((n16 ? n16 : 1) * sizeof *m->w16))) {
        free(m->off16);
        m->off16 = NULL;
        return cn_fail(CN_ENOMEM, "out of memory for the bf16 copies of %zu weights", n16);
    }
    m->w16_stale = 1;
    return CN_OK;
}

/* the bf16 copies from the master weights, when these changed */
static void refresh_w16(cn_model *m) {
    if (!m->w16 || !m->w16_stale) return;
    for (int i = 0; i < m->np16; i++)
        if (m->off16[i] != SIZE_MAX) m->ops->to_bf16(m->w16 + m->off16[i], m->w + m->p[i].off, m->p[i].n);
    m->w16_stale = 0;
}

static int is_norm_or_bias(const cn_param *p) { return p->ndim == 1; }

void cn_model_init_random(cn_model *m, uint64_t seed, float std) {
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    for (int i = 0; i < m->np; i++) {
        cn_param *p = &m->p[i];
        if (p->lora) continue; /* cn_model_add_lora's */
        float *h = malloc(p->n * sizeof *h);
        if (!h) continue;
        int norm_weight = is_norm_or_bias(p) && strstr(p->name, "bias") == NULL;
        for (size_t k = 0; k < p->n; k++) {
            if (!is_norm_or_bias(p)) {
                double u1 = cn_rng_double(&r), u2 = cn_rng_double(&r);
                h[k] = (float)(std * sqrt(-2 * log(u1 + 1e-300)) * cos(6.283185307179586 * u2));
            } else {
                /* norms near one and biases near zero, not exactly: so tests see their gradients matter */
                h[k] = (float)((norm_weight ? 1.0 : 0.0) + 0.1 * (cn_rng_double(&r) - 0.5));
            }
        }
        cn_model_set(m, i, h);
        free(h);
    }
}

/* ---- checkpoints ---- */

/* parameter p's tensor in s (the checkpoint at path), checked against its
 * shape; BERT names may carry a "bert." prefix */
static cn_status find_stored(const cn_st *s, const char *path, const cn_model *m, const cn_param *p, const cn_st_tensor **out) {
    const cn_st_tensor *t = cn_st_find(s, p->name);
    char alt[128];
    if (!t && m->c.arch == CN_ARCH_BERT) {
        snprintf(alt, sizeof alt, "bert.%s", p->name);
        t = cn_st_find(s, alt);
    }
    if (!t) return cn_fail(CN_EFORMAT, "%s: tensor '%s' missing", path, p->name);
    int shape_ok = t->ndim == p->ndim && t->shape[0] == p->shape[0] && (p->ndim == 1 || t->shape[1] == p->shape[1]);
    if (!shape_ok)
        return cn_fail(CN_EFORMAT, "%s: tensor '%s' has shape [%lld%s%lld], the config says [%lld, %lld]", path, p->name,
                       (long long)t->shape[0], t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)t->shape[1] : 0LL,
                       (long long)p->shape[0], (long long)p->shape[1]);
    *out = t;
    return CN_OK;
}

cn_status cn_model_load(cn_model *m, const char *path) {
    cn_st *s = cn_st_open(path);
    if (!s) return cn_last_status();
    cn_status st = CN_OK;
    for (int i = 0; i < m->np && !st; i++) {
        cn_param *p = &m->p[i];
        if (p->lora) continue; /* the adapter's, cn_model_load_adapter */
        const cn_st_tensor *t;
        if ((st = find_stored(s, path, m, p, &t))) break;
        float *h = malloc(p->n * sizeof *h + 4);
        if (!h) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        if (!(st = cn_st_to_f32(t, h, p->n))) cn_model_set(m, i, h);
        free(h);
    }
    cn_st_close(s);
    return st;
}

cn_model *cn_model_layout(const cn_config *c) {
    cn_model *m = calloc(1, sizeof *m);
    if (m) m->c = *c, m->lp = calloc((size_t)c->n_layer, sizeof *m->lp);
    if (m && m->lp) layout_params(m);
    if (!m || !m->lp || !m->p) {
        cn_model_layout_free(m);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    return m;
}

void cn_model_layout_free(cn_model *m) {
    if (!m) return;
    free(m->p);
    free(m->lp);
    free(m);
}

cn_status cn_model_read_each(const cn_config *c, const char *path, cn_model_read_fn fn, void *arg) {
    cn_model *m = cn_model_layout(c);
    if (!m) return cn_last_status();
    if (!path) { /* the layout alone */
        cn_status st = CN_OK;
        for (int i = 0; i < m->np && !st; i++) st = fn(&m->p[i], NULL, arg);
        cn_model_layout_free(m);
        return st;
    }
    cn_st *s = cn_st_open(path);
    size_t most = 0;
    for (int i = 0; i < m->np; i++) most = m->p[i].n > most ? m->p[i].n : most;
    float *h = s ? malloc(most * sizeof *h + 4) : NULL;
    cn_status st = !s ? cn_last_status() : !h ? cn_fail(CN_ENOMEM, "out of memory") : CN_OK;
    for (int i = 0; i < m->np && !st; i++) {
        const cn_st_tensor *t;
        if ((st = find_stored(s, path, m, &m->p[i], &t))) break;
        /* fp32 as stored is handed over in place (the file is mapped) */
        if (t->dtype == CN_ST_F32 && (uintptr_t)t->data % sizeof(float) == 0) st = fn(&m->p[i], t->data, arg);
        else if (!(st = cn_st_to_f32(t, h, m->p[i].n))) st = fn(&m->p[i], h, arg);
    }
    free(h);
    cn_st_close(s);
    cn_model_layout_free(m);
    return st;
}

cn_status cn_model_load_grown(cn_model *m, const char *path, const cn_new_row *rows, size_t n, int head_zero) {
    if (m->c.arch != CN_ARCH_LLAMA) return cn_fail(CN_EINVAL, "growing the vocabulary is for LLaMA-class models");
    cn_st *s = cn_st_open(path);
    if (!s) return cn_last_status();
    const cn_st_tensor *emb = cn_st_find(s, "model.embed_tokens.weight");
    int64_t C = m->c.d_model, V1 = m->c.vocab;
    if (!emb || emb->ndim != 2 || emb->shape[1] != C) {
        cn_st_close(s);
        return cn_fail(CN_EFORMAT, "%s: no model.embed_tokens.weight of width %lld", path, (long long)C);
    }
    int64_t V0 = emb->shape[0];
    cn_status st = CN_OK;
    if (V0 > V1 || (size_t)(V1 - V0) != n) {
        st = cn_fail(CN_EINVAL, "%s: vocabulary %lld, the model %lld: the map must give the %lld new rows exactly", path, (long long)V0,
                     (long long)V1, (long long)(V1 - V0));
    }
    uint8_t *seen = st ? NULL : calloc((size_t)(V1 - V0) + 1, 1);
    for (size_t i = 0; i < n && !st; i++) {
        if (rows[i].id < V0 || rows[i].id >= V1 || seen[rows[i].id - V0]++)
            st = cn_fail(CN_EINVAL, "vocabulary map: id %u is not a new id, or given twice", rows[i].id);
        for (uint32_t k = 0; k < rows[i].nbase && !st; k++)
            if (rows[i].base[k] >= V0) st = cn_fail(CN_EINVAL, "vocabulary map: id %u: base piece %u beyond the base vocabulary", rows[i].id, rows[i].base[k]);
        if (!st && !rows[i].nbase) st = cn_fail(CN_EINVAL, "vocabulary map: id %u has no base pieces", rows[i].id);
    }
    free(seen);
    /* the rest of the tensors as usual, the two grown ones by hand */
    for (int i = 0; i < m->np && !st; i++) {
        cn_param *p = &m->p[i];
        if (p->lora) continue;
        int grown = i == m->embed || (!m->c.tied && i == m->head);
        const cn_st_tensor *t = cn_st_find(s, p->name);
        if (!t) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s' missing", path, p->name);
            break;
        }
        float *h = malloc(p->n * sizeof *h + 4);
        if (!h) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        if (!grown) {
            if (t->numel != p->n) st = cn_fail(CN_EFORMAT, "%s: tensor '%s' does not fit the config", path, p->name);
            else st = cn_st_to_f32(t, h, p->n);
        } else if (t->ndim != 2 || t->shape[0] != V0 || t->shape[1] != C) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s' is not [%lld, %lld]", path, p->name, (long long)V0, (long long)C);
        } else if (!(st = cn_st_to_f32(t, h, (size_t)(V0 * C)))) {
            /* the embedding's new rows average its base rows; the head's its own (or zero) */
            for (size_t r = 0; r < n; r++) {
                float *row = h + (size_t)rows[r].id * C;
                memset(row, 0, (size_t)C * sizeof *row);
                if (i != m->embed && head_zero) continue;
                for (uint32_t k = 0; k < rows[r].nbase; k++)
                    for (int64_t c = 0; c < C; c++) row[c] += h[(size_t)rows[r].base[k] * C + c];
                for (int64_t c = 0; c < C; c++) row[c] /= (float)rows[r].nbase;
            }
        }
        if (!st) cn_model_set(m, i, h);
        free(h);
    }
    cn_st_close(s);
    return st;
}

cn_status cn_model_save(const cn_model *m, const char *dir) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return cn_fail(CN_EIO, "%s: %s", dir, strerror(errno));
    char *cfg = cn_config_to_json(&m->c), *path = cn_path_join(dir, "config.json");
    cn_status st = cfg && path ? cn_write_text(path, cfg) : cn_fail(CN_ENOMEM, "out of memory");
    free(cfg), free(path);
    path = NULL;
    if (st) return st;
    float *host = malloc(m->nw * sizeof *host + 4);
    cn_st_writer *w = cn_st_writer_new();
    if (!host || !w) {
        free(host);
        cn_st_writer_free(w);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    m->ops->download(host, m->w, m->nw * sizeof *host);
    for (int i = 0; i < m->np && !st; i++) {
        const cn_param *p = &m->p[i];
        if (!p->lora) st = cn_st_add(w, p->name, CN_ST_F32, p->shape, p->ndim, host + p->off);
    }
    if (!st) st = cn_st_set_metadata(w, "format", "pt");
    if (!st) st = (path = cn_path_join(dir, "model.safetensors")) ? cn_st_write(w, path) : CN_ENOMEM;
    free(path);
    cn_st_writer_free(w);
    free(host);
    return st;
}

/* ---- activations ---- */

/* sizes (in floats) of the activations; with base set, assigns the pointers */
static size_t act_layout(const cn_config *c, int b, int t, cn_model *m, float *base) {
    size_t N = (size_t)b * t, C = (size_t)c->d_model, F = (size_t)c->d_ff, V = (size_t)c->vocab;
    size_t Q = (size_t)c->n_head * c->head_dim, KV = (size_t)c->n_kv_head * c->head_dim, LSE = (size_t)b * c->n_head * t;
    size_t at = 0;
#define TAKE(ptr, n) (base ? ((ptr) = base + at) : NULL, at += (n))
    float *dummy;
    (void)dummy;
    for (int l = 0; l <= c->n_layer; l++) {
        layer_acts *a = m ? &m->la[l] : NULL;
        if (base) TAKE(a->x, N * C); else at += N * C;
        if (l == c->n_layer) break;
        if (c->arch == CN_ARCH_LLAMA) {
            if (base) {
                TAKE(a->h1, N * C), TAKE(a->rstd1, N), TAKE(a->q, N * Q), TAKE(a->k, N * KV), TAKE(a->v, N * KV);
                TAKE(a->att, N * Q), TAKE(a->lse, LSE), TAKE(a->xm, N * C), TAKE(a->h2, N * C), TAKE(a->rstd2, N);
                TAKE(a->gate, N * F), TAKE(a->up, N * F), TAKE(a->act, N * F);
            } else {
                at += N * C * 3 + N * 2 + N * Q * 2 + N * KV * 2 + LSE + N * F * 3;
            }
        } else {
            if (base) {
                TAKE(a->q, N * C), TAKE(a->k, N * C), TAKE(a->v, N * C), TAKE(a->att, N * C), TAKE(a->lse, LSE);
                TAKE(a->s1, N * C), TAKE(a->mean1, N), TAKE(a->rstd1, N), TAKE(a->x1, N * C);
                TAKE(a->pre, N * F), TAKE(a->inter, N * F), TAKE(a->s2, N * C), TAKE(a->mean2, N), TAKE(a->rstd2, N);
            } else {
                at += N * C * 7 + LSE + N * 4 + N * F * 2;
            }
        }
    }
    size_t G = Q > C ? Q : C; /* gradient scratch, reused by every layer */
    if (base) {
        if (c->arch == CN_ARCH_LLAMA) TAKE(m->hf, N * C), TAKE(m->rstdf, N), TAKE(m->logits, N * V);
        else TAKE(m->emb, N * C), TAKE(m->emean, N), TAKE(m->erstd, N);
        TAKE(m->dx, N * C), TAKE(m->dh, N * C), TAKE(m->dtmp, N * C), TAKE(m->dq, N * G), TAKE(m->dk, N * G), TAKE(m->dv, N * G);
        TAKE(m->datt, N * G), TAKE(m->dgate, N * F), TAKE(m->dup, N * F), TAKE(m->dact, N * F);
    } else {
        at += c->arch == CN_ARCH_LLAMA ? N * C + N + N * V : N * C + 2 * N;
        at += N * C * 3 + N * G * 4 + N * F * 3;
    }
#undef TAKE
    return at;
}

/* the batch's integers for N tokens: ids, pos, types, segment, targets
 * (int32 each), valid (bytes), and in backend memory (dev) the per-token
 * losses after them; bytes of the block */
static size_t batch_bytes(size_t n, int dev) { return 5 * n * 4 + ((n + 15) & ~(size_t)15) + (dev ? n * 4 : 0); }

/* points the host (dev 0) or backend (dev 1) arrays into a block of batch_bytes */
static void batch_point(cn_model *m, size_t n, void *block, int dev) {
    int32_t *i = block;
    uint8_t *valid = (uint8_t *)(i + 5 * n);
    if (!dev) {
        m->ids = i, m->pos = i + n, m->types = i + 2 * n, m->segment = i + 3 * n, m->tg = i + 4 * n, m->valid = valid;
        m->hb_bytes = 5 * n * 4 + n; /* one upload carries them all */
    } else {
        m->d_ids = i, m->d_pos = i + n, m->d_types = i + 2 * n, m->d_segment = i + 3 * n, m->d_tg = i + 4 * n, m->d_valid = valid;
        m->d_loss = (float *)(valid + ((n + 15) & ~(size_t)15));
    }
}

void cn_model_memory(const cn_config *c, int b, int t, int trainable_all, cn_model_mem *mm) {
    cn_model tmp = {0};
    tmp.c = *c;
    tmp.lp = calloc((size_t)c->n_layer, sizeof *tmp.lp);
    layout_params(&tmp);
    mm->params = (uint64_t)tmp.nw * 4;
    mm->grads = trainable_all ? mm->params : 0;
    mm->moments = 2 * mm->grads;
    mm->acts = (uint64_t)act_layout(c, b, t, NULL, NULL) * 4 + batch_bytes((size_t)b * t, 0) + batch_bytes((size_t)b * t, 1);
    mm->total = mm->params + mm->grads + mm->moments + mm->acts;
    free(tmp.p);
    free(tmp.lp);
}

cn_status cn_model_batch(cn_model *m, int b, int t) {
    if (b < 1 || t < 1) return cn_fail(CN_EINVAL, "batch %d x %d", b, t);
    cn_status st = cn_config_check_seq(&m->c, t);
    if (st) return st;
    if (m->B == b && m->T == t) return CN_OK;
    if (m->acts) m->ops->free(m->acts);
    if (m->db) m->ops->free(m->db);
    free(m->la), free(m->hb);
    m->acts = m->db = m->hb = NULL;
    size_t n = act_layout(&m->c, b, t, NULL, NULL), N = (size_t)b * t;
    m->la = calloc((size_t)m->c.n_layer + 1, sizeof *m->la);
    m->acts = m->ops->alloc(n * sizeof(float));
    m->hb = calloc(1, batch_bytes(N, 0));
    m->db = m->ops->alloc(batch_bytes(N, 1));
    if (!m->la || !m->acts || !m->hb || !m->db) {
        m->B = m->T = 0;
        return cn_fail(CN_ENOMEM, "out of memory for activations of %d x %d", b, t);
    }
    act_layout(&m->c, b, t, m, m->acts);
    batch_point(m, N, m->hb, 0);
    batch_point(m, N, m->db, 1);
    if (m->adapter && m->adapter->batch(m, N)) {
        m->B = m->T = 0;
        return cn_last_status();
    }
    m->B = b;
    m->T = t;
    return CN_OK;
}

/* ---- forward and backward ---- */

#define W(i) (m->w + m->p[(i)].off)
/* a parameter's gradient, or NULL when it is frozen */
static float *grad_of(const cn_model *m, int i) { return m->p[i].goff == SIZE_MAX ? NULL : m->g + m->p[i].goff; }
/* the gradient to add a norm's or bias's part into: the parameter's, or a scratch to discard */
static float *grad_or(const cn_model *m, int i, float *scratch) {
    float *g = grad_of(m, i);
    return g ? g : scratch;
}
#define G(i) grad_of(m, (i))

/* y[N, out] = x[N, in] W^T (HF Linear); in bf16 precision, with W's copy */
static void linear(cn_model *m, float *y, const float *x, int wi, int n, int out, int in, float beta) {
    if (m->w16) m->ops->matmul_bf16(y, x, NULL, NULL, m->w16 + m->off16[wi], n, out, in, 0, 1, 1, beta);
    else m->ops->matmul(y, x, W(wi), n, out, in, 0, 1, 1, beta);
    if (m->adapter) m->adapter->fwd(m, y, x, wi, n);
}

/* dx[N, in] (+)= dy[N, out] W; dW[out, in] += dy^T x */
static void linear_bwd(cn_model *m, float *dx, const float *dy, const float *x, int wi, int n, int out, int in, float beta) {
    const cn_ops *o = m->ops;
    float *gw = G(wi);
    if (m->w16) {
        o->matmul_bf16(dx, dy, NULL, NULL, m->w16 + m->off16[wi], n, in, out, 0, 0, 1, beta);
        if (gw) o->matmul_bf16(gw, dy, NULL, x, NULL, out, in, n, 1, 0, 1, 1);
    } else {
        o->matmul(dx, dy, W(wi), n, in, out, 0, 0, 1, beta);
        if (gw) o->matmul(gw, dy, x, out, in, n, 1, 0, 1, 1);
    }
    if (m->adapter) m->adapter->bwd(m, dx, dy, x, wi, n);
}

/* the forward; grad: the logits become the loss's gradient, for the backward */
static cn_status forward(cn_model *m, const cn_batch *bt, double *loss, int grad) {
    if (!m->B) return cn_fail(CN_EINVAL, "no batch size: call cn_model_batch first");
    refresh_w16(m);
    const cn_config *c = &m->c;
    const cn_ops *o = m->ops;
    int B = m->B, T = m->T, N = B * T, C = c->d_model, F = c->d_ff, V = c->vocab, D = c->head_dim;
    int Q = c->n_head * D, KV = c->n_kv_head * D;
    for (int i = 0; i < N; i++) {
        if (bt->ids[i] < 0 || bt->ids[i] >= V) return cn_fail(CN_ERANGE, "token id %d at %d is outside the vocabulary of %d", bt->ids[i], i, V);
        m->pos[i] = bt->pos ? bt->pos[i] : i % T;
        if (m->pos[i] < 0 || m->pos[i] >= c->max_pos) return cn_fail(CN_ERANGE, "position %d beyond max_position_embeddings", m->pos[i]);
        m->types[i] = bt->types ? bt->types[i] : 0;
        if (c->arch == CN_ARCH_BERT && (m->types[i] < 0 || m->types[i] >= c->type_vocab)) return cn_fail(CN_ERANGE, "token type %d", m->types[i]);
        m->segment[i] = bt->segment ? bt->segment[i] : 0;
        m->valid[i] = bt->valid ? bt->valid[i] : 1;
    }
    memcpy(m->ids, bt->ids, (size_t)N * 4);
    /* targets beyond the vocabulary are ignored, as negative ones */
    double nv = 0;
    int with_loss = c->arch == CN_ARCH_LLAMA && bt->targets && loss;
    for (int i = 0; i < N && with_loss; i++) {
        m->tg[i] = bt->targets[i] < V ? bt->targets[i] : -1;
        nv += m->tg[i] >= 0;
    }
    o->upload(m->db, m->hb, m->hb_bytes); /* the ops read the batch from there */
    m->has_segment = bt->segment != NULL;
    m->has_valid = bt->valid != NULL;
    cn_attn_mask mk = {c->arch == CN_ARCH_LLAMA, m->has_segment ? m->d_segment : NULL, m->has_valid ? m->d_valid : NULL};
    if (c->arch == CN_ARCH_LLAMA) {
        o->embed_fwd(m->la[0].x, W(m->embed), m->d_ids, N, C, 0); /* x (N, C) = embed[ids] */
        for (int l = 0; l < c->n_layer; l++) {
            layer_acts *a = &m->la[l];
            const layer_params *lp = &m->lp[l];
            /* attention: xm (N, C) = x + o(attn(rope(q(h1)), rope(k(h1)), v(h1))), h1 = rmsnorm(x) */
            o->rmsnorm_fwd(a->h1, a->rstd1, a->x, W(lp->in_norm), N, C, (float)c->eps);
            linear(m, a->q, a->h1, lp->q, N, Q, C, 0);
            linear(m, a->k, a->h1, lp->k, N, KV, C, 0);
            linear(m, a->v, a->h1, lp->v, N, KV, C, 0);
            o->rope_fwd(a->q, m->d_pos, N, c->n_head, D, (float)c->rope_theta);
            o->rope_fwd(a->k, m->d_pos, N, c->n_kv_head, D, (float)c->rope_theta);
            o->attn_fwd(a->att, a->lse, a->q, a->k, a->v, B, T, c->n_head, c->n_kv_head, D, &mk);
            o->copy(a->xm, a->x, (size_t)N * C * 4);
            linear(m, a->xm, a->att, lp->o, N, C, Q, 1);
            /* MLP: x_next (N, C) = xm + down(silu(gate(h2)) * up(h2)), h2 = rmsnorm(xm); gate, up (N, F) */
            o->rmsnorm_fwd(a->h2, a->rstd2, a->xm, W(lp->post_norm), N, C, (float)c->eps);
            linear(m, a->gate, a->h2, lp->gate, N, F, C, 0);
            linear(m, a->up, a->h2, lp->up, N, F, C, 0);
            o->swiglu_fwd(a->act, a->gate, a->up, (size_t)N * F);
            float *next = m->la[l + 1].x;
            o->copy(next, a->xm, (size_t)N * C * 4);
            linear(m, next, a->act, lp->down, N, C, F, 1);
        }
        /* the head: logits (N, V) = head(rmsnorm(x_L)) */
        o->rmsnorm_fwd(m->hf, m->rstdf, m->la[c->n_layer].x, W(m->norm), N, C, (float)c->eps);
        linear(m, m->logits, m->hf, m->head, N, V, C, 0);
        m->have_fwd = 1;
        if (with_loss && (grad || !o->xent_fwd)) {
            m->nvalid = nv;
            double total = o->xent_fwd_bwd(m->logits, m->d_loss, m->d_tg, N, V, nv > 0 ? (float)(1.0 / nv) : 0.0f);
            *loss = nv > 0 ? total / nv : 0.0;
            m->have_fwd = grad ? 2 : 0; /* logits now hold their gradient (which only a backward may use) */
        } else if (with_loss) {
            double total = o->xent_fwd(m->logits, m->d_loss, m->d_tg, N, V);
            *loss = nv > 0 ? total / nv : 0.0;
        }
        return CN_OK;
    }
    /* BERT */
    o->embed_fwd(m->emb, W(m->embed), m->d_ids, N, C, 0);
    o->embed_fwd(m->emb, W(m->pos_emb), m->d_pos, N, C, 1);
    o->embed_fwd(m->emb, W(m->type_emb), m->d_types, N, C, 1);
    o->layernorm_fwd(m->la[0].x, m->emean, m->erstd, m->emb, W(m->eln_w), W(m->eln_b), N, C, (float)c->eps);
    for (int l = 0; l < c->n_layer; l++) {
        layer_acts *a = &m->la[l];
        const layer_params *lp = &m->lp[l];
        /* biases first, the products add into them */
        o->fill_rows(a->q, W(lp->bq), N, C), linear(m, a->q, a->x, lp->q, N, C, C, 1);
        o->fill_rows(a->k, W(lp->bk), N, C), linear(m, a->k, a->x, lp->k, N, C, C, 1);
        o->fill_rows(a->v, W(lp->bv), N, C), linear(m, a->v, a->x, lp->v, N, C, C, 1);
        o->attn_fwd(a->att, a->lse, a->q, a->k, a->v, B, T, c->n_head, c->n_head, D, &mk);
        o->copy(a->s1, a->x, (size_t)N * C * 4);
        linear(m, a->s1, a->att, lp->o, N, C, C, 1), o->bias_fwd(a->s1, W(lp->bo), N, C);
        o->layernorm_fwd(a->x1, a->mean1, a->rstd1, a->s1, W(lp->ln1w), W(lp->ln1b), N, C, (float)c->eps);
        o->fill_rows(a->pre, W(lp->binter), N, F), linear(m, a->pre, a->x1, lp->inter, N, F, C, 1);
        o->gelu_fwd(a->inter, a->pre, (size_t)N * F);
        o->copy(a->s2, a->x1, (size_t)N * C * 4);
        linear(m, a->s2, a->inter, lp->out, N, C, F, 1), o->bias_fwd(a->s2, W(lp->bout), N, C);
        o->layernorm_fwd(m->la[l + 1].x, a->mean2, a->rstd2, a->s2, W(lp->ln2w), W(lp->ln2b), N, C, (float)c->eps);
    }
    m->have_fwd = 1;
    if (loss) *loss = 0;
    return CN_OK;
}

cn_status cn_model_forward(cn_model *m, const cn_batch *bt, double *loss) { return forward(m, bt, loss, 1); }

cn_status cn_model_loss(cn_model *m, const cn_batch *bt, double *loss) {
    if (m->c.arch != CN_ARCH_LLAMA || !bt->targets || !loss) return cn_fail(CN_EINVAL, "a loss needs a LLaMA model and targets");
    return forward(m, bt, loss, 0);
}

cn_status cn_model_logits(const cn_model *m, float *dst) { return cn_model_logits_rows(m, 0, (size_t)m->B * m->T, dst); }

cn_status cn_model_logits_rows(const cn_model *m, size_t row0, size_t n, float *dst) {
    if (m->c.arch != CN_ARCH_LLAMA || m->have_fwd != 1) return cn_fail(CN_EINVAL, "no logits: a forward without targets first");
    if (row0 + n > (size_t)m->B * m->T) return cn_fail(CN_ERANGE, "logit rows %zu..%zu of %d", row0, row0 + n, m->B * m->T);
    size_t v = (size_t)m->c.vocab;
    m->ops->download(dst, m->logits + row0 * v, n * v * sizeof(float));
    return CN_OK;
}

cn_status cn_model_hidden(const cn_model *m, float *dst) {
    if (!m->have_fwd) return cn_fail(CN_EINVAL, "no forward yet");
    const float *h = m->c.arch == CN_ARCH_LLAMA ? m->hf : m->la[m->c.n_layer].x;
    m->ops->download(dst, h, (size_t)m->B * m->T * m->c.d_model * sizeof(float));
    return CN_OK;
}

static void bias_grad(const cn_model *m, int bi, const float *dy, int n, int c) {
    float *g = G(bi);
    if (g) m->ops->bias_bwd(g, dy, n, c);
}

cn_status cn_model_backward(cn_model *m, const float *dhidden) {
    const cn_config *c = &m->c;
    const cn_ops *o = m->ops;
    int B = m->B, T = m->T, N = B * T, C = c->d_model, F = c->d_ff, V = c->vocab, D = c->head_dim;
    int Q = c->n_head * D, KV = c->n_kv_head * D;
    cn_attn_mask mk = {c->arch == CN_ARCH_LLAMA, m->has_segment ? m->d_segment : NULL, m->has_valid ? m->d_valid : NULL};
    if (c->arch == CN_ARCH_LLAMA) {
        if (m->have_fwd != 2) return cn_fail(CN_EINVAL, "backward needs a forward with targets");
        /* head: dlogits (in the logits) -> dhf */
        linear_bwd(m, m->dh, m->logits, m->hf, m->head, N, V, C, 0);
        o->rmsnorm_bwd(m->dx, grad_or(m, m->norm, m->dtmp), m->dh, m->la[c->n_layer].x, W(m->norm), m->rstdf, N, C);
        for (int l = c->n_layer - 1; l >= 0; l--) {
            layer_acts *a = &m->la[l];
            const layer_params *lp = &m->lp[l];
            /* MLP: x_next = xm + down(swiglu(gate(h2), up(h2))) */
            linear_bwd(m, m->dact, m->dx, a->act, lp->down, N, C, F, 0);
            o->swiglu_bwd(m->dgate, m->dup, m->dact, a->gate, a->up, (size_t)N * F);
            linear_bwd(m, m->dh, m->dgate, a->h2, lp->gate, N, F, C, 0);
            linear_bwd(m, m->dh, m->dup, a->h2, lp->up, N, F, C, 1);
            o->rmsnorm_bwd(m->dtmp, grad_or(m, lp->post_norm, m->dq), m->dh, a->xm, W(lp->post_norm), a->rstd2, N, C);
            o->add(m->dx, m->dtmp, (size_t)N * C);
            /* attention: xm = x + o(attn(rope(q(h1)), rope(k(h1)), v(h1))) */
            linear_bwd(m, m->datt, m->dx, a->att, lp->o, N, C, Q, 0);
            o->attn_bwd(m->dq, m->dk, m->dv, m->datt, a->q, a->k, a->v, a->att, a->lse, B, T, c->n_head, c->n_kv_head, D, &mk);
            o->rope_bwd(m->dq, m->d_pos, N, c->n_head, D, (float)c->rope_theta);
            o->rope_bwd(m->dk, m->d_pos, N, c->n_kv_head, D, (float)c->rope_theta);
            /* the projections saw h1; q and k were rotated in place after, so
             * their weight gradients use h1, which is kept */
            linear_bwd(m, m->dh, m->dq, a->h1, lp->q, N, Q, C, 0);
            linear_bwd(m, m->dh, m->dk, a->h1, lp->k, N, KV, C, 1);
            linear_bwd(m, m->dh, m->dv, a->h1, lp->v, N, KV, C, 1);
            o->rmsnorm_bwd(m->dtmp, grad_or(m, lp->in_norm, m->dq), m->dh, a->x, W(lp->in_norm), a->rstd1, N, C);
            o->add(m->dx, m->dtmp, (size_t)N * C);
        }
        float *ge = G(m->embed);
        if (ge) o->embed_bwd(ge, m->dx, m->d_ids, N, C, V);
        m->have_fwd = 0;
        return CN_OK;
    }
    if (m->have_fwd != 1 || !dhidden) return cn_fail(CN_EINVAL, "backward needs a forward and the hidden states' gradient");
    o->upload(m->dx, dhidden, (size_t)N * C * sizeof(float));
    for (int l = c->n_layer - 1; l >= 0; l--) {
        layer_acts *a = &m->la[l];
        const layer_params *lp = &m->lp[l];
        /* x_next = LN2(x1 + out(gelu(inter(x1)))) */
        o->layernorm_bwd(m->dh, grad_or(m, lp->ln2w, m->dq), grad_or(m, lp->ln2b, m->dk), m->dx, a->s2, W(lp->ln2w),
                         a->mean2, a->rstd2, N, C);
        bias_grad(m, lp->bout, m->dh, N, C);
        linear_bwd(m, m->dact, m->dh, a->inter, lp->out, N, C, F, 0);
        o->gelu_bwd(m->dgate, m->dact, a->pre, (size_t)N * F);
        bias_grad(m, lp->binter, m->dgate, N, F);
        o->copy(m->dtmp, m->dh, (size_t)N * C * 4);
        linear_bwd(m, m->dtmp, m->dgate, a->x1, lp->inter, N, F, C, 1);
        /* x1 = LN1(x + o(attn(q(x), k(x), v(x)))) */
        o->layernorm_bwd(m->dh, grad_or(m, lp->ln1w, m->dq), grad_or(m, lp->ln1b, m->dk), m->dtmp, a->s1, W(lp->ln1w),
                         a->mean1, a->rstd1, N, C);
        bias_grad(m, lp->bo, m->dh, N, C);
        linear_bwd(m, m->datt, m->dh, a->att, lp->o, N, C, C, 0);
        o->attn_bwd(m->dq, m->dk, m->dv, m->datt, a->q, a->k, a->v, a->att, a->lse, B, T, c->n_head, c->n_head, D, &mk);
        bias_grad(m, lp->bq, m->dq, N, C);
        bias_grad(m, lp->bk, m->dk, N, C);
        bias_grad(m, lp->bv, m->dv, N, C);
        o->copy(m->dx, m->dh, (size_t)N * C * 4);
        linear_bwd(m, m->dx, m->dq, a->x, lp->q, N, C, C, 1);
        linear_bwd(m, m->dx, m->dk, a->x, lp->k, N, C, C, 1);
        linear_bwd(m, m->dx, m->dv, a->x, lp->v, N, C, C, 1);
    }
    o->layernorm_bwd(m->dh, grad_or(m, m->eln_w, m->dq), grad_or(m, m->eln_b, m->dk), m->dx, m->emb, W(m->eln_w),
                     m->emean, m->erstd, N, C);
    if (G(m->embed)) o->embed_bwd(G(m->embed), m->dh, m->d_ids, N, C, V);
    if (G(m->pos_emb)) o->embed_bwd(G(m->pos_emb), m->dh, m->d_pos, N, C, c->max_pos);
    if (G(m->type_emb)) o->embed_bwd(G(m->type_emb), m->dh, m->d_types, N, C, c->type_vocab);
    m->have_fwd = 0;
    return CN_OK;
}
