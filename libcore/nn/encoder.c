/* encoder: texts to sentence vectors with a BERT model directory (encoder.h).
 *   N texts, B batch, T time (the batch's longest), D hidden size */
#include "encoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <unistd.h>
#include <cjson/cJSON.h>
#include "crc.h"
#include "io.h"
#include "par.h"
#include "tok.h"
#include "vec.h"

struct cn_encoder {
    cn_mdir md;
    cn_model *m;
    int32_t cls, sep; /* put around each text */
    int batch;
    cn_encoder_progress progress;
    void *progress_arg;
    char *prompt[2];       /* config_sentence_transformers.json's query and passage prompts, or NULL */
    cn_tok_state **states; /* the tokenizer's, one a thread (cn_tok_encode_batch) */
    int nstates;
    const cn_ops *ops;
    cn_model **rep; /* [nrep] with replicas: rep[0] is m, the rest copies */
    int nrep;
};

static const char *const prompt_names[2] = {"query", "passage"};

/* the prompts of DIR/config_sentence_transformers.json, where there is one */
static cn_status read_prompts(cn_encoder *e, const char *dir) {
    char *path = cn_path_join(dir, "config_sentence_transformers.json");
    if (!path) return cn_fail(CN_ENOMEM, "out of memory");
    if (access(path, F_OK) != 0) {
        free(path);
        return CN_OK;
    }
    size_t n;
    char *text = cn_read_all(path, &n);
    cJSON *j = text ? cJSON_ParseWithLength(text, n) : NULL;
    cn_status st = !text ? cn_last_status() : cJSON_IsObject(j) ? CN_OK : cn_fail(CN_EFORMAT, "%s: not a JSON object", path);
    const cJSON *pr = st ? NULL : cJSON_GetObjectItemCaseSensitive(j, "prompts");
    for (int i = 0; cJSON_IsObject(pr) && i < 2 && !st; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(pr, prompt_names[i]);
        if (cJSON_IsString(v) && !(e->prompt[i] = strdup(v->valuestring))) st = cn_fail(CN_ENOMEM, "out of memory");
    }
    cJSON_Delete(j);
    free(text), free(path);
    return st;
}

/* dir opened (config and tokenizer), then its weights loaded, or random ones
 * of deviation std drawn with seed when random is set */
static cn_encoder *open_encoder(const char *dir, const char *tokenizer, int random, uint64_t seed, float std, const cn_ops *ops) {
    cn_encoder *e = calloc(1, sizeof *e);
    if (!e) {
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    e->batch = 32;
    if (cn_mdir_open(&e->md, dir, tokenizer, CN_MDIR_TOKENIZER)) {
        free(e);
        return NULL;
    }
    cn_status st = CN_OK;
    if (e->md.c.arch != CN_ARCH_BERT)
        st = cn_fail(CN_EFORMAT, "%s: an encoder needs a BERT-family model (%s given)", dir, e->md.c.architecture);
    else if (e->md.c.max_pos < 2)
        st = cn_fail(CN_EFORMAT, "%s: max_position_embeddings %d: [CLS] and [SEP] need 2", dir, e->md.c.max_pos);
    else if (e->md.bos < 0 || e->md.eos < 0)
        st = cn_fail(CN_EFORMAT, "%s: the tokenizer's post-processor puts no [CLS] and [SEP] around a text", e->md.tok_path);
    else if (!(e->m = cn_model_new(&e->md.c, ops)))
        st = cn_last_status();
    else if (random)
        cn_model_init_random(e->m, seed, std);
    else if (cn_model_load(e->m, e->md.weights))
        st = cn_last_status();
    if (!st && !random) st = read_prompts(e, dir);
    e->ops = ops;
    if (st) {
        cn_encoder_close(e);
        return NULL;
    }
    e->cls = (int32_t)e->md.bos, e->sep = (int32_t)e->md.eos;
    return e;
}

cn_encoder *cn_encoder_open(const char *dir, const cn_ops *ops) { return open_encoder(dir, NULL, 0, 0, 0, ops); }

cn_encoder *cn_encoder_new(const char *config, const char *tokenizer, uint64_t seed, float std, const cn_ops *ops) {
    return open_encoder(config, tokenizer, 1, seed, std, ops);
}

const char *cn_encoder_prompt(const cn_encoder *e, const char *name) {
    for (int i = 0; i < 2; i++)
        if (!strcmp(name, prompt_names[i])) return e->prompt[i];
    return NULL;
}

void cn_encoder_close(cn_encoder *e) {
    if (!e) return;
    for (int i = 1; i < e->nrep; i++) cn_model_free(e->rep[i]);
    free(e->rep);
    cn_model_free(e->m);
    cn_mdir_close(&e->md);
    for (int i = 0; i < e->nstates; i++) cn_tok_state_free(e->states[i]);
    free(e->prompt[0]), free(e->prompt[1]);
    free(e->states);
    free(e);
}

int cn_encoder_dim(const cn_encoder *e) { return e->md.c.d_model; }
const cn_mdir *cn_encoder_dir(const cn_encoder *e) { return &e->md; }
cn_model *cn_encoder_model(cn_encoder *e) { return e->m; }
void cn_encoder_set_batch(cn_encoder *e, int batch) { e->batch = batch > 0 ? batch : 32; }
/* to's weights made from's (the same config) */
static cn_status copy_weights(cn_model *to, const cn_model *from) {
    float *x = NULL;
    size_t cap = 0;
    cn_status st = CN_OK;
    for (int i = 0; i < cn_model_nparams(from) && !st; i++) {
        const cn_param *p = cn_model_param(from, i);
        if (p->n > cap) {
            float *y = realloc(x, p->n * sizeof *x);
            if (!y) st = cn_fail(CN_ENOMEM, "out of memory");
            else x = y, cap = p->n;
        }
        if (!st) st = cn_model_get(from, i, x);
        if (!st) st = cn_model_set(to, i, x);
    }
    free(x);
    return st;
}

cn_status cn_encoder_set_replicas(cn_encoder *e, int n) {
    if (n < 0 || n > 1024) return cn_fail(CN_EINVAL, "%d replicas", n);
    for (int i = 1; i < e->nrep; i++) cn_model_free(e->rep[i]);
    free(e->rep);
    e->rep = NULL, e->nrep = 0;
    if (!n) return CN_OK;
    if (!(e->rep = calloc((size_t)n, sizeof *e->rep))) return cn_fail(CN_ENOMEM, "out of memory");
    e->rep[0] = e->m, e->nrep = 1;
    for (; e->nrep < n; e->nrep++) {
        cn_model *m = cn_model_new(&e->md.c, e->ops);
        cn_status st = m ? copy_weights(m, e->m) : cn_last_status();
        if (st) {
            cn_model_free(m);
            return st;
        }
        e->rep[e->nrep] = m;
    }
    return CN_OK;
}

void cn_encoder_set_progress(cn_encoder *e, cn_encoder_progress fn, void *arg) { e->progress = fn, e->progress_arg = arg; }

cn_status cn_encoder_sha256(const cn_encoder *e, uint8_t out[32]) {
    cn_sha256 h;
    cn_sha256_init(&h);
    float *x = NULL;
    size_t cap = 0;
    cn_status st = CN_OK;
    for (int i = 0; i < cn_model_nparams(e->m) && !st; i++) { /* each tensor's name, then its values */
        const cn_param *p = cn_model_param(e->m, i);
        if (p->lora) continue;
        if (p->n > cap) {
            free(x);
            if (!(x = malloc((cap = p->n) * sizeof *x))) st = cn_fail(CN_ENOMEM, "out of memory");
        }
        if (!st && !(st = cn_model_get(e->m, i, x))) {
            cn_sha256_update(&h, p->name, strlen(p->name) + 1);
            cn_sha256_update(&h, x, p->n * sizeof *x);
        }
    }
    free(x);
    cn_sha256_final(&h, out);
    return st;
}

/* the texts' order by token count (stable: ties keep the texts' order) */
static int by_len(const void *a, const void *b, void *arg) {
    const cn_ids *ids = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    size_t lx = ids[x].n, ly = ids[y].n;
    return lx < ly ? -1 : lx > ly ? 1 : (x > y) - (x < y);
}

/* batches k, k + every, k + 2 every, ... of the sorted texts through model m
 * into out; *stop (may be NULL), set by another thread's failure, ends it */
static cn_status encode_batches(cn_encoder *e, cn_model *m, const cn_ids *ids, const size_t *order, size_t n, size_t k, size_t every,
                                float *out, volatile int *stop) {
    int B = e->batch, D = e->md.c.d_model;
    int32_t *tok = NULL;
    uint8_t *valid = NULL;
    float *h = NULL, *v = NULL;
    cn_status st = CN_OK;
    for (size_t b0 = k * (size_t)B; b0 < n && !st && !(stop && *stop); b0 += every * (size_t)B) {
        int nb = (int)(n - b0 < (size_t)B ? n - b0 : (size_t)B);
        int T = (int)ids[order[b0 + nb - 1]].n + 2; /* the longest of the batch (sorted) */
        T = (T + 7) & ~7; /* fewer shapes, fewer reallocations */
        if (T > e->md.c.max_pos) T = e->md.c.max_pos;
        free(tok), free(valid), free(h), free(v);
        tok = calloc((size_t)nb * T, sizeof *tok), valid = calloc((size_t)nb * T, 1);
        h = malloc((size_t)nb * T * D * sizeof *h), v = malloc((size_t)nb * D * sizeof *v);
        if (!tok || !valid || !h || !v) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        for (int s = 0; s < nb; s++) { /* [CLS] text [SEP], then padding */
            const cn_ids *x = &ids[order[b0 + s]];
            int32_t *row = tok + (size_t)s * T;
            row[0] = e->cls;
            for (size_t j = 0; j < x->n; j++) row[1 + j] = (int32_t)x->v[j];
            row[1 + x->n] = e->sep;
            memset(valid + (size_t)s * T, 1, x->n + 2);
        }
        cn_batch bt = {tok, NULL, NULL, valid, NULL, NULL};
        if ((st = cn_model_batch(m, nb, T)) || (st = cn_model_forward(m, &bt, NULL)) || (st = cn_model_hidden(m, h))) break;
        cn_vec_pool(v, NULL, h, valid, nb, T, D);
        for (int s = 0; s < nb; s++) memcpy(out + order[b0 + s] * D, v + (size_t)s * D, (size_t)D * sizeof *v);
        if (e->progress && k == 0) e->progress(e->progress_arg, b0 + (size_t)nb, n);
    }
    free(tok), free(valid), free(h), free(v);
    return st;
}

typedef struct {
    cn_encoder *e;
    const cn_ids *ids;
    const size_t *order;
    size_t n;
    float *out;
} replicas_job;

static cn_status replica_part(void *arg, int t, volatile int *stop) {
    replicas_job *j = arg;
    return encode_batches(j->e, j->e->rep[t], j->ids, j->order, j->n, (size_t)t, (size_t)j->e->nrep, j->out, stop);
}

/* the batches dealt round-robin to the replicas, one a thread (par.h: the
 * same vectors whatever the count) */
static cn_status encode_replicas(cn_encoder *e, const cn_ids *ids, const size_t *order, size_t n, float *out) {
    replicas_job j = {e, ids, order, n, out};
    return cn_par_run(e->nrep, replica_part, &j);
}

cn_status cn_encoder_encode(cn_encoder *e, const char *prompt, const char *const *texts, const size_t *lens, size_t n, float *out,
                            size_t *truncated) {
    if (truncated) *truncated = 0;
    if (!n) return CN_OK;
    size_t plen = prompt ? strlen(prompt) : 0, failed = 0;
    int maxlen = e->md.c.max_pos - 2; /* the text's tokens, [CLS] and [SEP] around them */
    char **full = calloc(n, sizeof *full);
    size_t *order = malloc(n * sizeof *order);
    cn_ids *ids = calloc(n, sizeof *ids);
    cn_status st = full && order && ids ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !st; i++) { /* the prompt, then the text */
        if (!(full[i] = malloc(plen + lens[i] + 1))) st = cn_fail(CN_ENOMEM, "out of memory");
        else {
            if (plen) memcpy(full[i], prompt, plen);
            if (lens[i]) memcpy(full[i] + plen, texts[i], lens[i]);
            full[i][plen + lens[i]] = 0;
        }
    }
    size_t *flen = st ? NULL : malloc(n * sizeof *flen);
    if (!st && !flen) st = cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !st; i++) flen[i] = plen + lens[i];
    if (!st && !e->states) {
        int th = 1;
#ifdef _OPENMP
        th = omp_get_max_threads();
#endif
        if (!(e->states = calloc((size_t)th, sizeof *e->states))) st = cn_fail(CN_ENOMEM, "out of memory");
        else e->nstates = th;
    }
    if (!st && (st = cn_tok_encode_batch(e->md.tok, e->states, e->nstates, (const char *const *)full, flen, n, 0, ids, &failed))) {
        char why[256];
        snprintf(why, sizeof why, "%s", cn_errmsg());
        st = cn_fail(st, "text %zu: %s", failed, why);
    }
    for (size_t i = 0; i < n && !st; i++) {
        order[i] = i;
        if (ids[i].n > (size_t)maxlen) ids[i].n = (size_t)maxlen, truncated && ++*truncated;
    }
    if (!st) qsort_r(order, n, sizeof *order, by_len, ids);
    if (!st) st = e->nrep ? encode_replicas(e, ids, order, n, out) : encode_batches(e, e->m, ids, order, n, 0, 1, out, NULL);
    for (size_t i = 0; full && i < n; i++) free(full[i]);
    for (size_t i = 0; ids && i < n; i++) cn_ids_free(&ids[i]);
    free(full), free(flen), free(order), free(ids);
    return st;
}

cn_status cn_encoder_row(cn_encoder *e, const char *prompt, const char *text, size_t n, int t, int32_t *ids, uint8_t *valid, int *cut) {
    if (t < 2) return cn_fail(CN_EINVAL, "a row of %d tokens: [CLS] and [SEP] need 2", t);
    size_t plen = prompt ? strlen(prompt) : 0;
    char *full = malloc(plen + n + 1);
    if (!full) return cn_fail(CN_ENOMEM, "out of memory");
    if (plen) memcpy(full, prompt, plen);
    if (n) memcpy(full + plen, text, n);
    full[plen + n] = 0;
    cn_ids x = {0};
    cn_status st = cn_tok_encode(e->md.tok, full, plen + n, 0, &x);
    free(full);
    if (st) return st;
    size_t keep = x.n > (size_t)t - 2 ? (size_t)t - 2 : x.n;
    if (cut) *cut = keep < x.n;
    memset(ids, 0, (size_t)t * sizeof *ids), memset(valid, 0, (size_t)t);
    ids[0] = e->cls;
    for (size_t j = 0; j < keep; j++) ids[1 + j] = (int32_t)x.v[j];
    ids[1 + keep] = e->sep;
    memset(valid, 1, keep + 2);
    cn_ids_free(&x);
    return CN_OK;
}
