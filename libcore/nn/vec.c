/* vec: pooling, FAISS's IndexFlatIP file, exact top-k search (vec.h).
 *   B batch, T time, C channels, D dims, N rows, Q queries, K results */
#include "vec.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "topk.h"

void cn_vec_pool(float *out, float *norm_out, const float *h, const uint8_t *valid, int b, int t, int c) {
    for (int i = 0; i < b; i++) {
        float *o = out + (size_t)i * c; /* (C) */
        memset(o, 0, (size_t)c * sizeof *o);
        int count = 0;
        for (int j = 0; j < t; j++) {
            size_t r = (size_t)i * t + j;
            if (valid && !valid[r]) continue;
            const float *x = h + r * c; /* (C) */
            for (int k = 0; k < c; k++) o[k] += x[k];
            count++;
        }
        if (norm_out) norm_out[i] = 0;
        if (!count) continue;
        double ss = 0;
        for (int k = 0; k < c; k++) o[k] /= (float)count, ss += (double)o[k] * o[k];
        float norm = (float)sqrt(ss);
        if (norm < 1e-12f) norm = 1e-12f;
        for (int k = 0; k < c; k++) o[k] /= norm;
        if (norm_out) norm_out[i] = norm;
    }
}

void cn_vec_pool_bwd(float *dh, const float *dout, const float *out, const float *norm, const uint8_t *valid, int b, int t, int c) {
    for (int i = 0; i < b; i++) {
        const float *y = out + (size_t)i * c, *dy = dout + (size_t)i * c; /* (C) */
        int count = 0;
        for (int j = 0; j < t; j++) count += !valid || valid[(size_t)i * t + j];
        /* through y = m / |m|: dm = (dy - y (y . dy)) / |m|; then the mean: dh = dm / count at each valid token */
        double yd = 0;
        for (int k = 0; k < c; k++) yd += (double)y[k] * dy[k];
        float scale = count && norm[i] > 0 ? 1.0f / (norm[i] * (float)count) : 0.0f;
        for (int j = 0; j < t; j++) {
            size_t r = (size_t)i * t + j;
            float *d = dh + r * c; /* (C) */
            if (valid && !valid[r]) {
                memset(d, 0, (size_t)c * sizeof *d);
                continue;
            }
            for (int k = 0; k < c; k++) d[k] = (dy[k] - y[k] * (float)yd) * scale;
        }
    }
}

/* ---- the file ---- */

#define HEADER 45 /* "IxFI", d, ntotal, two unused i64, is_trained, metric_type (37 bytes), the float count: the rows follow */

struct cn_vec_index {
    void *map;
    size_t size;
    const unsigned char *rows; /* (N, D) floats at byte 45: not aligned, so read with memcpy or by BLAS */
    int64_t n;
    int d;
};

static void put(unsigned char **p, const void *v, size_t n) {
    memcpy(*p, v, n);
    *p += n;
}

cn_status cn_vec_write_header(cn_out *out, int64_t n, int d) {
    unsigned char h[HEADER], *p = h;
    int32_t d32 = d, metric = 0; /* METRIC_INNER_PRODUCT */
    int64_t unused = 1 << 20;
    uint64_t floats = (uint64_t)n * (uint64_t)d;
    uint8_t trained = 1;
    put(&p, "IxFI", 4), put(&p, &d32, 4), put(&p, &n, 8), put(&p, &unused, 8), put(&p, &unused, 8);
    put(&p, &trained, 1), put(&p, &metric, 4), put(&p, &floats, 8);
    return cn_out_write(out, h, (size_t)(p - h));
}

cn_vec_index *cn_vec_index_open(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cn_fail(CN_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        cn_fail(CN_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    if (size < HEADER) {
        cn_fail(CN_EFORMAT, "%s: %zu bytes, shorter than a FAISS IndexFlatIP header (%d)", path, size, HEADER);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        cn_fail(CN_EIO, "%s: mmap: %s", path, strerror(errno));
        return NULL;
    }
    const unsigned char *b = map;
    int32_t d, metric;
    int64_t n;
    uint64_t floats;
    memcpy(&d, b + 4, 4), memcpy(&n, b + 8, 8), memcpy(&metric, b + 33, 4), memcpy(&floats, b + HEADER - 8, 8);
    cn_status bad = CN_OK;
    if (memcmp(b, "IxFI", 4) != 0)
        bad = cn_fail(CN_EFORMAT, "%s: not a FAISS IndexFlatIP file (class %.4s)", path, (const char *)b);
    else if (metric != 0)
        bad = cn_fail(CN_EFORMAT, "%s: metric type %d, not inner product (0)", path, metric);
    else if (d < 1 || n < 0 || (uint64_t)n > (UINT64_MAX / 4) / (uint64_t)d || floats != (uint64_t)n * (uint64_t)d)
        bad = cn_fail(CN_EFORMAT, "%s: a header of %lld rows of %d dims holding %llu floats", path, (long long)n, d,
                      (unsigned long long)floats);
    else if ((uint64_t)(size - HEADER) != floats * 4)
        bad = cn_fail(CN_EFORMAT, "%s: %lld rows of %d need %llu bytes, the file has %zu", path, (long long)n, d,
                      (unsigned long long)(HEADER + floats * 4), size);
    cn_vec_index *ix = bad ? NULL : malloc(sizeof *ix);
    if (!ix) {
        if (!bad) cn_fail(CN_ENOMEM, "out of memory");
        munmap(map, size);
        return NULL;
    }
    *ix = (cn_vec_index){map, size, b + HEADER, n, d};
    return ix;
}

void cn_vec_index_close(cn_vec_index *ix) {
    if (!ix) return;
    munmap(ix->map, ix->size);
    free(ix);
}

int64_t cn_vec_index_count(const cn_vec_index *ix) { return ix->n; }
int cn_vec_index_dim(const cn_vec_index *ix) { return ix->d; }

void cn_vec_index_row(const cn_vec_index *ix, int64_t i, float *dst) {
    memcpy(dst, ix->rows + (size_t)i * ix->d * sizeof(float), (size_t)ix->d * sizeof(float));
}

/* ---- search ---- */

#define BLOCK 4096 /* rows scored by one sgemm */

#define QBLOCK 1024 /* queries scored at once: their score buffer is QBLOCK x BLOCK floats at most */

static cn_status search_block(const cn_vec_index *ix, const float *q, int nq, int k, int64_t *ids, float *scores) {
    int64_t n = ix->n;
    int d = ix->d;
    cn_topk *heap = malloc(((size_t)nq + 1) * sizeof *heap);
    float *s = malloc((size_t)nq * (n < BLOCK ? (size_t)n + 1 : BLOCK) * sizeof *s); /* (Q, block) */
    if (!heap || !s) {
        free(heap), free(s);
        return cn_fail(CN_ENOMEM, "out of memory for the scores of %d queries", nq);
    }
    for (int qi = 0; qi < nq; qi++) heap[qi] = (cn_topk){scores + (size_t)qi * k, ids + (size_t)qi * k, k, 0};
    for (int64_t r0 = 0; r0 < n; r0 += BLOCK) {
        int nb = (int)(n - r0 < BLOCK ? n - r0 : BLOCK);
        const float *x = (const float *)(const void *)(ix->rows + (size_t)r0 * d * sizeof(float)); /* (nb, D), read by BLAS only */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, nb, d, 1.0f, q, d, x, d, 0.0f, s, nb);
#pragma omp parallel for schedule(static)
        for (int qi = 0; qi < nq; qi++) {
            const float *row = s + (size_t)qi * nb; /* (nb) */
            cn_topk *h = &heap[qi];
            /* a score enters when the heap has room or it beats the worst kept (rows come in order: a tie ranks
             * below); most do not, so eight at a time are first checked against that worst */
            float worst = h->filled < h->k ? -INFINITY : h->score[0];
            int j = 0;
            for (; j + 8 <= nb; j += 8) {
                int any = 0;
                for (int u = 0; u < 8; u++) any |= row[j + u] > worst;
                if (!any && h->filled == h->k) continue;
                for (int u = 0; u < 8; u++)
                    if (h->filled < h->k || row[j + u] > h->score[0]) cn_topk_push(h, row[j + u], r0 + j + u);
                worst = h->filled < h->k ? -INFINITY : h->score[0];
            }
            for (; j < nb; j++)
                if (h->filled < h->k || row[j] > h->score[0]) cn_topk_push(h, row[j], r0 + j);
        }
    }
#pragma omp parallel for schedule(static)
    for (int qi = 0; qi < nq; qi++) cn_topk_sort(&heap[qi]);
    free(heap), free(s);
    return CN_OK;
}

cn_status cn_vec_search(const cn_vec_index *ix, const float *q, int nq, int k, int64_t *ids, float *scores) {
    if (k < 1 || nq < 0) return cn_fail(CN_EINVAL, "a search for the best %d of %d queries", k, nq);
    cn_status st = CN_OK;
    for (int q0 = 0; q0 < nq && !st; q0 += QBLOCK) {
        int m = nq - q0 < QBLOCK ? nq - q0 : QBLOCK;
        st = search_block(ix, q + (size_t)q0 * ix->d, m, k, ids + (size_t)q0 * k, scores + (size_t)q0 * k);
    }
    return st;
}
