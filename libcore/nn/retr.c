/* retr: an index and its encoder, a query's best passages (retr.h) */
#include "retr.h"

#include <stdlib.h>
#include "encoder.h"

struct cn_retr {
    cn_vindex *ix;
    cn_encoder *enc; /* or */
    cn_bm25 *bm;
    float *v; /* [dim] a query's vector */
};

cn_retr *cn_retr_open(const char *index_dir, const char *encoder_dir, const cn_ops *ops) {
    cn_retr *r = calloc(1, sizeof *r);
    if (!r) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    const char *dir = NULL;
    if (!(r->ix = cn_vindex_open(index_dir))) goto fail;
    dir = encoder_dir ? encoder_dir : cn_vindex_meta_of(r->ix)->encoder;
    if (!(r->enc = cn_encoder_open(dir, ops)) || cn_vindex_check_encoder(r->ix, index_dir, r->enc, dir)) goto fail;
    if (!(r->v = malloc((size_t)cn_vindex_meta_of(r->ix)->dim * sizeof *r->v))) {
        cn_fail(CN_ENOMEM, "out of memory");
        goto fail;
    }
    return r;
fail:
    cn_retr_close(r);
    return NULL;
}

cn_retr *cn_retr_open_bm25(const char *index_dir, double k1, double b) {
    cn_retr *r = calloc(1, sizeof *r);
    if (!r) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    if (!(r->ix = cn_vindex_open(index_dir))) goto fail;
    int64_t n = cn_vindex_count(r->ix);
    const char **text = malloc(((size_t)n + 1) * sizeof *text);
    size_t *len = malloc(((size_t)n + 1) * sizeof *len);
    if (text && len) {
        for (int64_t i = 0; i < n; i++) text[i] = cn_vindex_passage(r->ix, i)->text, len[i] = cn_vindex_passage(r->ix, i)->len;
        r->bm = cn_bm25_new(text, len, (size_t)n, k1, b);
    } else {
        cn_fail(CN_ENOMEM, "out of memory");
    }
    free(text), free(len);
    if (r->bm) return r;
fail:
    cn_retr_close(r);
    return NULL;
}

void cn_retr_close(cn_retr *r) {
    if (!r) return;
    cn_bm25_free(r->bm);
    cn_encoder_close(r->enc);
    cn_vindex_close(r->ix);
    free(r->v), free(r);
}

const cn_vindex *cn_retr_index(const cn_retr *r) { return r->ix; }

cn_status cn_retr_search(cn_retr *r, const char *q, size_t len, int k, int64_t *rows, float *scores) {
    if (r->bm && k >= 1) return cn_bm25_search(r->bm, q, len, k, rows, scores);
    if (k < 1 || k > cn_vindex_count(r->ix)) return cn_fail(CN_EINVAL, "%d passages asked of an index of %lld", k, (long long)cn_vindex_count(r->ix));
    size_t truncated;
    cn_status st = cn_encoder_encode(r->enc, cn_vindex_meta_of(r->ix)->query_prompt, &q, &len, 1, r->v, &truncated);
    return st ? st : cn_vec_search(cn_vindex_vectors(r->ix), r->v, 1, k, rows, scores);
}

cn_status cn_retr_fit(cn_retr *r, const char *q, size_t len, int k, size_t budget, cn_ragctx_count_fn count, void *arg, int64_t *rows,
                      float *scores, cn_ragctx *ctx) {
    cn_status st = cn_retr_search(r, q, len, k, rows, scores);
    if (st) return st;
    const char **text = malloc(((size_t)k + 1) * sizeof *text);
    size_t *n = malloc(((size_t)k + 1) * sizeof *n);
    if (!text || !n) st = cn_fail(CN_ENOMEM, "out of memory");
    int found = 0; /* BM25 may find fewer: the rows found come first */
    for (int i = 0; !st && i < k && rows[i] >= 0; i++, found++) {
        const cn_passage *p = cn_vindex_passage(r->ix, rows[i]);
        text[i] = p->text, n[i] = p->len;
    }
    if (!st) st = cn_ragctx_fit(q, len, text, n, found, budget, count, arg, ctx);
    free(text), free(n);
    return st;
}
