/* lora: low-rank adapters on a LLaMA's projections, in Hugging Face PEFT's
 * layout. N tokens, r rank; a site adapts W [out, in] with A [r, in] and
 * B [out, r]: y += s (drop(x) A^T) B^T, s = alpha / r. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "io.h"
#include "jsonl.h"
#include "model_impl.h"
#include "rng.h"
#include "st.h"

static const struct {
    const char *name, *module;
    unsigned bit;
} targets[] = {
    {"q", "self_attn.q_proj", CN_LORA_Q},   {"k", "self_attn.k_proj", CN_LORA_K},     {"v", "self_attn.v_proj", CN_LORA_V},
    {"o", "self_attn.o_proj", CN_LORA_O},   {"gate", "mlp.gate_proj", CN_LORA_GATE}, {"up", "mlp.up_proj", CN_LORA_UP},
    {"down", "mlp.down_proj", CN_LORA_DOWN},
};
#define NTARGETS (int)(sizeof targets / sizeof *targets)

/* "q" or "q_proj" -> its index, or -1 */
static int target_index(const char *s, size_t n) {
    for (int i = 0; i < NTARGETS; i++) {
        size_t k = strlen(targets[i].name);
        if ((n == k && memcmp(s, targets[i].name, k) == 0) || (n == k + 5 && memcmp(s, targets[i].name, k) == 0 && memcmp(s + k, "_proj", 5) == 0))
            return i;
    }
    return -1;
}

cn_status cn_lora_parse_targets(const char *list, unsigned *mask) {
    *mask = 0;
    if (strcmp(list, "all") == 0) {
        for (int i = 0; i < NTARGETS; i++) *mask |= targets[i].bit;
        return CN_OK;
    }
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int i = target_index(p, n);
        if (i < 0) return cn_fail(CN_EINVAL, "unknown LoRA target '%.*s' (q, k, v, o, gate, up, down or all)", (int)n, p);
        *mask |= targets[i].bit;
        p += n + (p[n] == ',');
    }
    return *mask ? CN_OK : cn_fail(CN_EINVAL, "no LoRA targets");
}

int cn_model_has_lora(const cn_model *m) { return m->nlora > 0; }

/* the site of layer l's target t: the weight's parameter index */
static int target_weight(const cn_model *m, int l, int t) {
    const layer_params *lp = &m->lp[l];
    int w[] = {lp->q, lp->k, lp->v, lp->o, lp->gate, lp->up, lp->down};
    return w[t];
}

/* PEFT's name of layer l's target t's adapter half ("A" or "B") */
static void site_name(char *buf, size_t n, int l, int t, const char *half) {
    snprintf(buf, n, "base_model.model.model.layers.%d.%s.lora_%s.weight", l, targets[t].module, half);
}

static const cn_adapter_hooks lora_hooks;

cn_status cn_model_add_lora(cn_model *m, const cn_lora_opts *o, uint64_t seed) {
    if (m->c.arch != CN_ARCH_LLAMA) return cn_fail(CN_EINVAL, "LoRA is implemented for LLaMA-class models");
    if (m->nlora) return cn_fail(CN_EINVAL, "the model has adapters already");
    if (m->B) return cn_fail(CN_EINVAL, "add LoRA before the batch");
    if (o->rank < 1 || !(o->alpha > 0) || !(o->dropout >= 0 && o->dropout < 1) || !o->targets)
        return cn_fail(CN_EINVAL, "LoRA: rank >= 1, alpha > 0, 0 <= dropout < 1 and a target needed");
    int per = 0;
    for (int t = 0; t < NTARGETS; t++) per += (o->targets & targets[t].bit) != 0;
    int n = per * m->c.n_layer;
    size_t nw0 = m->nw;
    if (!(m->lora = calloc((size_t)n, sizeof *m->lora))) return cn_fail(CN_ENOMEM, "out of memory");
    m->adapter = &lora_hooks; /* (from here its state is freed with the model) */
    char name[96];
    for (int l = 0; l < m->c.n_layer; l++)
        for (int t = 0; t < NTARGETS; t++) {
            if (!(o->targets & targets[t].bit)) continue;
            cn_lora_site *s = &m->lora[m->nlora++];
            s->w = target_weight(m, l, t);
            s->out = (int)m->p[s->w].shape[0], s->in = (int)m->p[s->w].shape[1];
            site_name(name, sizeof name, l, t, "A");
            s->a = cn_model_add_param(m, name, o->rank, s->in, 1);
            site_name(name, sizeof name, l, t, "B");
            s->b = cn_model_add_param(m, name, s->out, o->rank, 1);
            if (s->a < 0 || s->b < 0) return cn_fail(CN_ENOMEM, "out of memory");
            m->p[s->a].lora = m->p[s->b].lora = 1;
        }
    /* the parameter buffer grows: the base's values move over */
    float *w = m->ops->alloc(m->nw * sizeof(float));
    if (!w || !(m->lora_of = malloc((size_t)m->np * sizeof *m->lora_of))) return cn_fail(CN_ENOMEM, "out of memory for the adapters");
    m->ops->zero(w, m->nw * sizeof(float));
    m->ops->copy(w, m->w, nw0 * sizeof(float));
    m->ops->free(m->w);
    m->w = w;
    /* A as PEFT's kaiming_uniform_(a = sqrt(5)): uniform in +-1/sqrt(in); B zero */
    cn_rng r;
    uint64_t keys[2] = {seed, 0x4c6f5241}; /* "LoRA" */
    cn_rng_seed(&r, keys, 2);
    for (int i = 0; i < m->nlora; i++) {
        const cn_param *a = &m->p[m->lora[i].a];
        float *h = malloc(a->n * sizeof *h), bound = 1.0f / sqrtf((float)m->lora[i].in);
        if (!h) return cn_fail(CN_ENOMEM, "out of memory");
        for (size_t k = 0; k < a->n; k++) h[k] = (float)((2 * cn_rng_double(&r) - 1) * bound);
        cn_model_set(m, m->lora[i].a, h);
        free(h);
    }
    for (int i = 0; i < m->np; i++) m->lora_of[i] = -1, m->p[i].trainable = m->p[i].lora;
    for (int i = 0; i < m->nlora; i++) m->lora_of[m->lora[i].w] = i;
    m->lopt = *o;
    return cn_model_commit_trainable(m);
}

void cn_model_set_training(cn_model *m, int training, uint64_t seed) {
    m->training = training;
    m->drop_seed = seed;
    m->drop_calls = 0;
}

static cn_status lora_batch(cn_model *m, size_t n) {
    if (m->lora_acts) m->ops->free(m->lora_acts);
    if (m->lora_tmp) m->ops->free(m->lora_tmp);
    m->lora_acts = m->lora_tmp = NULL;
    if (!m->nlora) return CN_OK;
    size_t r = (size_t)m->lopt.rank, wide = 0;
    for (int i = 0; i < m->nlora; i++) wide = (size_t)m->lora[i].in > wide ? (size_t)m->lora[i].in : wide;
    m->lora_acts = m->ops->alloc(((size_t)m->nlora + 1) * n * r * sizeof(float));
    m->lora_tmp = m->ops->alloc(n * (wide > r ? wide : r) * sizeof(float));
    if (!m->lora_acts || !m->lora_tmp) return cn_fail(CN_ENOMEM, "out of memory for the adapters' activations");
    for (int i = 0; i < m->nlora; i++) m->lora[i].xa = m->lora_acts + (size_t)i * n * r;
    return CN_OK;
}

static void lora_free(cn_model *m) {
    if (m->lora_acts) m->ops->free(m->lora_acts);
    if (m->lora_tmp) m->ops->free(m->lora_tmp);
    free(m->lora), free(m->lora_of);
}

static float lora_scale(const cn_model *m) { return m->lopt.alpha / (float)m->lopt.rank; }

/* the adapter's input: x, or x through dropout (into the scratch) */
static const float *lora_input(cn_model *m, const cn_lora_site *s, const float *x, int n) {
    if (!m->training || m->lopt.dropout <= 0) return x;
    m->ops->dropout_fwd(m->lora_tmp, x, (size_t)n * s->in, m->lopt.dropout, s->seed);
    return m->lora_tmp;
}

static void lora_fwd(cn_model *m, float *y, const float *x, int wi, int n) {
    if (!m->nlora || m->merged || m->lora_of[wi] < 0) return;
    cn_lora_site *s = &m->lora[m->lora_of[wi]];
    int r = m->lopt.rank;
    s->seed = m->drop_seed * 0x9E3779B97F4A7C15ull + ++m->drop_calls;
    const float *xd = lora_input(m, s, x, n);
    m->ops->matmul(s->xa, xd, CN_W(m, s->a), n, r, s->in, 0, 1, 1, 0);          /* xa = drop(x) A^T  (N, r) */
    m->ops->matmul(y, s->xa, CN_W(m, s->b), n, s->out, r, 0, 1, lora_scale(m), 1); /* y += s xa B^T  (N, out) */
}

static void lora_bwd(cn_model *m, float *dx, const float *dy, const float *x, int wi, int n) {
    if (!m->nlora || m->merged || m->lora_of[wi] < 0) return;
    cn_lora_site *s = &m->lora[m->lora_of[wi]];
    const cn_ops *o = m->ops;
    int r = m->lopt.rank;
    float sc = lora_scale(m), *ga = m->g + m->p[s->a].goff, *gb = m->g + m->p[s->b].goff;
    float *dxa = m->lora_acts + (size_t)m->nlora * n * r; /* (N, r) */
    o->matmul(gb, dy, s->xa, s->out, r, n, 1, 0, sc, 1);     /* dB += s dy^T xa  (out, r) */
    o->matmul(dxa, dy, CN_W(m, s->b), n, r, s->out, 0, 0, sc, 0); /* dxa = s dy B  (N, r) */
    const float *xd = lora_input(m, s, x, n);
    o->matmul(ga, dxa, xd, r, s->in, n, 1, 0, 1, 1); /* dA += dxa^T drop(x)  (r, in) */
    if (xd == x) {
        o->matmul(dx, dxa, CN_W(m, s->a), n, s->in, r, 0, 0, 1, 1); /* dx += dxa A */
    } else { /* dx += drop'(dxa A): the same mask */
        o->matmul(m->lora_tmp, dxa, CN_W(m, s->a), n, s->in, r, 0, 0, 1, 0);
        o->dropout_bwd(m->lora_tmp, m->lora_tmp, (size_t)n * s->in, m->lopt.dropout, s->seed);
        o->add(dx, m->lora_tmp, (size_t)n * s->in);
    }
}

static const cn_adapter_hooks lora_hooks = {lora_fwd, lora_bwd, lora_batch, lora_free};

cn_status cn_model_merge_lora(cn_model *m) {
    if (!m->nlora) return cn_fail(CN_EINVAL, "the model has no adapters to merge");
    if (m->merged) return CN_OK;
    float sc = lora_scale(m);
    for (int i = 0; i < m->nlora; i++) {
        const cn_lora_site *s = &m->lora[i];
        m->ops->matmul(CN_W(m, s->w), CN_W(m, s->b), CN_W(m, s->a), s->out, s->in, m->lopt.rank, 0, 0, sc, 1); /* W += s B A */
    }
    m->merged = 1;
    CN_W_CHANGED(m);
    return CN_OK;
}

/* the target modules' PEFT names, a JSON array */
static cJSON *target_list(unsigned mask) {
    cJSON *a = cJSON_CreateArray();
    for (int t = 0; t < NTARGETS; t++)
        if (mask & targets[t].bit) cJSON_AddItemToArray(a, cJSON_CreateString(strrchr(targets[t].module, '.') + 1));
    return a;
}

cn_status cn_model_save_adapter(const cn_model *m, const char *dir, const char *base) {
    if (!m->nlora) return cn_fail(CN_EINVAL, "the model has no adapters to save");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return cn_fail(CN_EIO, "%s: %s", dir, strerror(errno));
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "peft_type", "LORA");
    cJSON_AddStringToObject(j, "task_type", "CAUSAL_LM");
    cJSON_AddStringToObject(j, "base_model_name_or_path", base ? base : "");
    cJSON_AddNumberToObject(j, "r", m->lopt.rank);
    cJSON_AddNumberToObject(j, "lora_alpha", m->lopt.alpha);
    cJSON_AddNumberToObject(j, "lora_dropout", m->lopt.dropout);
    cJSON_AddItemToObject(j, "target_modules", target_list(m->lopt.targets));
    cJSON_AddStringToObject(j, "bias", "none");
    cJSON_AddBoolToObject(j, "fan_in_fan_out", 0);
    cJSON_AddBoolToObject(j, "inference_mode", 1);
    cJSON_AddBoolToObject(j, "init_lora_weights", 1);
    cJSON_AddBoolToObject(j, "use_rslora", 0);
    cJSON_AddBoolToObject(j, "use_dora", 0);
    cJSON_AddNullToObject(j, "modules_to_save");
    cn_status st = cn_json_write_file(dir, "adapter_config.json", j);
    if (st) return st;
    cn_st_writer *w = cn_st_writer_new();
    float **host = calloc((size_t)m->np, sizeof *host);
    st = w && host ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (int i = 0; i < m->np && !st; i++) {
        const cn_param *p = &m->p[i];
        if (!p->lora) continue;
        if (!(host[i] = malloc(p->n * sizeof(float)))) st = cn_fail(CN_ENOMEM, "out of memory");
        if (!st) st = cn_model_get(m, i, host[i]);
        if (!st) st = cn_st_add(w, p->name, CN_ST_F32, p->shape, p->ndim, host[i]);
    }
    if (!st) st = cn_st_set_metadata(w, "format", "pt");
    char *path = st ? NULL : cn_path_join(dir, "adapter_model.safetensors");
    if (!st) st = path ? cn_st_write(w, path) : CN_ENOMEM;
    free(path);
    for (int i = 0; host && i < m->np; i++) free(host[i]);
    free(host);
    cn_st_writer_free(w);
    return st;
}

cn_status cn_lora_read_config(const char *dir, cn_lora_opts *o) {
    char *path = cn_path_join(dir, "adapter_config.json");
    size_t n;
    char *text = path ? cn_read_all(path, &n) : NULL;
    if (!text) return free(path), cn_last_status();
    cJSON *j = cJSON_ParseWithLength(text, n);
    free(text);
    cn_status st = CN_OK;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "r"), *al = cJSON_GetObjectItemCaseSensitive(j, "lora_alpha");
    const cJSON *dr = cJSON_GetObjectItemCaseSensitive(j, "lora_dropout"), *tm = cJSON_GetObjectItemCaseSensitive(j, "target_modules");
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(j, "peft_type"), *bias = cJSON_GetObjectItemCaseSensitive(j, "bias");
    if (!cJSON_IsObject(j)) st = cn_fail(CN_EFORMAT, "%s: not a JSON object", path);
    else if (!cJSON_IsString(ty) || strcmp(ty->valuestring, "LORA") != 0) st = cn_fail(CN_EFORMAT, "%s: peft_type is not LORA", path);
    else if (!cJSON_IsNumber(r) || r->valuedouble < 1 || !cJSON_IsNumber(al) || !cJSON_IsArray(tm))
        st = cn_fail(CN_EFORMAT, "%s: r, lora_alpha and target_modules needed", path);
    else if (cJSON_IsString(bias) && strcmp(bias->valuestring, "none") != 0)
        st = cn_fail(CN_EFORMAT, "%s: bias '%s' is not supported (only none)", path, bias->valuestring);
    static const char *unsupported[] = {"use_rslora", "use_dora", "fan_in_fan_out"};
    for (size_t i = 0; i < 3 && !st; i++)
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, unsupported[i]))) st = cn_fail(CN_EFORMAT, "%s: %s is not supported", path, unsupported[i]);
    if (!st) {
        o->rank = (int)r->valuedouble, o->alpha = (float)al->valuedouble;
        o->dropout = cJSON_IsNumber(dr) ? (float)dr->valuedouble : 0;
        o->targets = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, tm) {
            int t = cJSON_IsString(e) ? target_index(e->valuestring, strlen(e->valuestring)) : -1;
            if (t < 0) {
                st = cn_fail(CN_EFORMAT, "%s: target module %s is not one of LLaMA's projections", path, cJSON_IsString(e) ? e->valuestring : "?");
                break;
            }
            o->targets |= targets[t].bit;
        }
    }
    cJSON_Delete(j);
    free(path);
    return st;
}

cn_status cn_model_load_adapter(cn_model *m, const char *dir) {
    char *path = cn_path_join(dir, "adapter_model.safetensors");
    cn_st *s = path ? cn_st_open(path) : NULL;
    if (!s) return free(path), cn_last_status();
    cn_status st = CN_OK;
    for (int i = 0; i < m->np && !st; i++) {
        const cn_param *p = &m->p[i];
        if (!p->lora) continue;
        const cn_st_tensor *t = cn_st_find(s, p->name);
        if (!t || t->ndim != 2 || t->shape[0] != p->shape[0] || t->shape[1] != p->shape[1]) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s' [%lld, %lld] missing or of another shape", path, p->name, (long long)p->shape[0],
                         (long long)p->shape[1]);
            break;
        }
        float *h = malloc(p->n * sizeof *h + 4);
        if (!h) st = cn_fail(CN_ENOMEM, "out of memory");
        if (!st && !(st = cn_st_to_f32(t, h, p->n))) st = cn_model_set(m, i, h);
        free(h);
    }
    cn_st_close(s);
    free(path);
    return st;
}

/* one half of an adapter as fp32 (rows x cols), checked */
static cn_status read_half(const cn_st *s, const char *path, const char *name, int64_t rows, int64_t cols, float *dst) {
    const cn_st_tensor *t = cn_st_find(s, name);
    if (!t || t->ndim != 2 || t->shape[0] != rows || t->shape[1] != cols)
        return cn_fail(CN_EFORMAT, "%s: tensor '%s' [%lld, %lld] missing or of another shape", path, name, (long long)rows, (long long)cols);
    return cn_st_to_f32(t, dst, (size_t)(rows * cols));
}

cn_status cn_lora_read_each(const cn_config *c, const char *dir, cn_lora_opts *o, cn_lora_read_fn fn, void *arg) {
    if (c->arch != CN_ARCH_LLAMA) return cn_fail(CN_EINVAL, "LoRA is implemented for LLaMA-class models");
    cn_status st = cn_lora_read_config(dir, o);
    if (st) return st;
    char *path = cn_path_join(dir, "adapter_model.safetensors");
    cn_st *s = path ? cn_st_open(path) : NULL;
    cn_model *m = s ? cn_model_layout(c) : NULL;
    if (!m) {
        cn_st_close(s);
        free(path);
        return cn_last_status();
    }
    int64_t most = 0;
    for (int i = 0; i < m->np; i++) most = m->p[i].shape[0] > most ? m->p[i].shape[0] : most, most = m->p[i].shape[1] > most ? m->p[i].shape[1] : most;
    float *a = malloc((size_t)(most * o->rank) * sizeof *a + 4), *b = malloc((size_t)(most * o->rank) * sizeof *b + 4);
    if (!a || !b) st = cn_fail(CN_ENOMEM, "out of memory");
    char name[96];
    for (int l = 0; l < c->n_layer && !st; l++)
        for (int t = 0; t < NTARGETS && !st; t++) {
            if (!(o->targets & targets[t].bit)) continue;
            const cn_param *w = &m->p[target_weight(m, l, t)];
            site_name(name, sizeof name, l, t, "A");
            if ((st = read_half(s, path, name, o->rank, w->shape[1], a))) break;
            site_name(name, sizeof name, l, t, "B");
            if (!(st = read_half(s, path, name, w->shape[0], o->rank, b))) st = fn(w, a, b, arg);
        }
    free(a);
    free(b);
    cn_model_layout_free(m);
    cn_st_close(s);
    free(path);
    return st;
}
