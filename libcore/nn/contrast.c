/* contrast: InfoNCE over pooled sentence vectors (contrast.h).
 *   Q queries, N candidates, D dims, T time */
#include "contrast.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "vec.h"

cn_status cn_infonce(const float *q, const float *c, int nq, int nc, int d, float scale, double *out, float *dq, float *dc) {
    float *s = malloc((size_t)nq * nc * sizeof *s); /* (Q, N) scores, then their gradient */
    if (!s) return cn_fail(CN_ENOMEM, "out of memory");
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, nc, d, scale, q, d, c, d, 0.0f, s, nc);
    double loss = 0;
    for (int i = 0; i < nq; i++) {
        float *row = s + (size_t)i * nc; /* (N) */
        float mx = row[0];
        for (int j = 1; j < nc; j++) mx = row[j] > mx ? row[j] : mx;
        double sum = 0;
        for (int j = 0; j < nc; j++) sum += exp((double)row[j] - mx);
        double lse = mx + log(sum);
        loss += lse - row[i];
        /* d loss / d score: (softmax - one-hot) / Q */
        for (int j = 0; j < nc; j++) row[j] = (float)((exp((double)row[j] - lse) - (j == i)) / nq);
    }
    if (dq) { /* scores = scale q c^T: dq = scale ds c, dc = scale ds^T q */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, d, nc, scale, s, nc, c, d, 0.0f, dq, d);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nc, d, nq, scale, s, nc, q, d, 0.0f, dc, d);
    }
    free(s);
    *out = loss / nq;
    return isfinite(loss) ? CN_OK : cn_fail(CN_ERANGE, "the contrastive loss is not finite (%g): the vectors hold a NaN or infinity", loss);
}

cn_status cn_contrast_step(cn_model *m, const cn_contrast_batch *b, float scale, int train, double *loss) {
    int n = b->nq + b->nc, T = b->t, D = cn_model_config(m)->d_model;
    size_t rows = (size_t)n * T;
    float *h = malloc(rows * D * sizeof *h), *v = malloc((size_t)n * D * sizeof *v), *norm = malloc((size_t)n * sizeof *norm);
    float *dv = train ? malloc((size_t)n * D * sizeof *dv) : NULL;
    cn_status st = h && v && norm && (dv || !train) ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    cn_batch bt = {b->ids, NULL, NULL, b->valid, NULL, NULL};
    if (!st) st = cn_model_forward(m, &bt, NULL);
    if (!st) st = cn_model_hidden(m, h);
    if (!st) {
        cn_vec_pool(v, norm, h, b->valid, n, T, D);
        const float *q = v, *c = v + (size_t)b->nq * D; /* (Q, D), (N, D) */
        st = cn_infonce(q, c, b->nq, b->nc, D, scale, loss, dv, dv ? dv + (size_t)b->nq * D : NULL);
    }
    if (!st && train) {
        cn_vec_pool_bwd(h, dv, v, norm, b->valid, n, T, D); /* h becomes d loss / d hidden */
        st = cn_model_backward(m, h);
    }
    free(h), free(v), free(norm), free(dv);
    return st;
}
