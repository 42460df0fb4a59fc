/* ops_cpu_impl: the CPU kernels, written once for a REAL type. Included by
 * ops_cpu.c with REAL float (the backend) and by the finite-difference test
 * with REAL double. Define REAL, SFX (a name suffix) and GEMM (cblas_sgemm or
 * cblas_dgemm) before including. Reductions are deterministic: fixed chunks
 * summed in index order, whatever the threads. */
#include <cblas.h>
#include <omp.h>
#include <tgmath.h> /* exp, sqrt... of REAL: the float functions for float */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "exp_fast.h"
#include "ops.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define K(name) CAT(name, SFX)

#define ROWS_PER_CHUNK 32 /* the row chunks that column reductions sum, in order */
/* element-wise and per-row loops start the threads only for this much work
 * (in elements): a decoding step's single row is done faster by one thread
 * than by waking the others (row results do not depend on it) */
#define PAR_MIN (1 << 14)

/* e^x for the softmaxes: exp_fast in fp32 (it vectorizes; 0 at -inf), exp in
 * the double-precision test build */
static inline REAL K(expn)(REAL x) { return sizeof(REAL) == sizeof(float) ? (REAL)exp_fast((float)x) : exp(x); }

/* the element-wise loops in the widest vectors the CPU has (one build for
 * any x86-64: the loader picks the clone); the sums' order follows the
 * vector width, so bits may differ between CPUs, never between runs */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIMD_CLONES
#endif

/* row[0..n) becomes its softmax after the row's maximum m (finite) is
 * taken off; returns the sum of the exponentials */
SIMD_CLONES static REAL K(softmax_row)(REAL *row, int n, REAL m) {
    REAL l = 0;
#pragma omp simd reduction(+ : l)
    for (int j = 0; j < n; j++) l += (row[j] = K(expn)(row[j] - m));
    REAL il = 1 / l;
#pragma omp simd
    for (int j = 0; j < n; j++) row[j] *= il;
    return l;
}

static __attribute__((unused)) void K(matmul)(REAL *c, const REAL *a, const REAL *b, int m, int n, int k, int ta, int tb, REAL alpha, REAL beta) {
    GEMM(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, ta ? m : k, b,
         tb ? k : n, beta, c, n);
}

static __attribute__((unused)) void K(add)(REAL *y, const REAL *x, size_t n) {
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

static __attribute__((unused)) void K(scale)(REAL *x, REAL s, size_t n) {
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

static __attribute__((unused)) void K(fill_rows)(REAL *y, const REAL *b, int n, int c) {
#pragma omp parallel for schedule(static) if ((size_t)n * c >= PAR_MIN)
    for (int i = 0; i < n; i++) memcpy(y + (size_t)i * c, b, (size_t)c * sizeof *y);
}

static __attribute__((unused)) void K(bias_fwd)(REAL *y, const REAL *b, int n, int c) {
#pragma omp parallel for schedule(static) if ((size_t)n * c >= PAR_MIN)
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) y[(size_t)i * c + j] += b[j];
}

/* out[c] += sum over rows of f(row) [c], rows in fixed chunks summed in order */
static __attribute__((unused)) void K(bias_bwd)(REAL *db, const REAL *dy, int n, int c) {
    int nch = (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
    REAL *part = calloc((size_t)nch * c + 1, sizeof *part);
#pragma omp parallel for schedule(static)
    for (int k = 0; k < nch; k++)
        for (int i = k * ROWS_PER_CHUNK; i < n && i < (k + 1) * ROWS_PER_CHUNK; i++)
            for (int j = 0; j < c; j++) part[(size_t)k * c + j] += dy[(size_t)i * c + j];
    for (int k = 0; k < nch; k++)
        for (int j = 0; j < c; j++) db[j] += part[(size_t)k * c + j];
    free(part);
}

static __attribute__((unused)) void K(rmsnorm_fwd)(REAL *y, REAL *rstd, const REAL *x, const REAL *w, int n, int c, REAL eps) {
#pragma omp parallel for schedule(static) if ((size_t)n * c >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        const REAL *xi = x + (size_t)i * c;
        REAL ss = 0;
        for (int j = 0; j < c; j++) ss += xi[j] * xi[j];
        REAL r = 1 / sqrt(ss / c + eps);
        rstd[i] = r;
        for (int j = 0; j < c; j++) y[(size_t)i * c + j] = w[j] * (xi[j] * r);
    }
}

static __attribute__((unused)) void K(rmsnorm_bwd)(REAL *dx, REAL *dw, const REAL *dy, const REAL *x, const REAL *w, const REAL *rstd, int n, int c) {
    int nch = (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
    REAL *part = calloc((size_t)nch * c + 1, sizeof *part);
#pragma omp parallel for schedule(static)
    for (int k = 0; k < nch; k++) {
        for (int i = k * ROWS_PER_CHUNK; i < n && i < (k + 1) * ROWS_PER_CHUNK; i++) {
            const REAL *xi = x + (size_t)i * c, *dyi = dy + (size_t)i * c;
            REAL r = rstd[i], dot = 0;
            for (int j = 0; j < c; j++) {
                dot += dyi[j] * w[j] * xi[j] * r;
                part[(size_t)k * c + j] += dyi[j] * xi[j] * r;
            }
            dot /= c;
            for (int j = 0; j < c; j++) dx[(size_t)i * c + j] = r * (dyi[j] * w[j] - xi[j] * r * dot);
        }
    }
    for (int k = 0; k < nch; k++)
        for (int j = 0; j < c; j++) dw[j] += part[(size_t)k * c + j];
    free(part);
}

static __attribute__((unused)) void K(layernorm_fwd)(REAL *y, REAL *mean, REAL *rstd, const REAL *x, const REAL *w, const REAL *b, int n, int c, REAL eps) {
#pragma omp parallel for schedule(static) if ((size_t)n * c >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        const REAL *xi = x + (size_t)i * c;
        REAL m = 0, var = 0;
        for (int j = 0; j < c; j++) m += xi[j];
        m /= c;
        for (int j = 0; j < c; j++) var += (xi[j] - m) * (xi[j] - m);
        REAL r = 1 / sqrt(var / c + eps);
        mean[i] = m;
        rstd[i] = r;
        for (int j = 0; j < c; j++) y[(size_t)i * c + j] = (xi[j] - m) * r * w[j] + b[j];
    }
}

static __attribute__((unused)) void K(layernorm_bwd)(REAL *dx, REAL *dw, REAL *db, const REAL *dy, const REAL *x, const REAL *w, const REAL *mean,
                             const REAL *rstd, int n, int c) {
    int nch = (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
    REAL *part = calloc((size_t)nch * c * 2 + 1, sizeof *part);
#pragma omp parallel for schedule(static)
    for (int k = 0; k < nch; k++) {
        REAL *pw = part + (size_t)k * c * 2, *pb = pw + c;
        for (int i = k * ROWS_PER_CHUNK; i < n && i < (k + 1) * ROWS_PER_CHUNK; i++) {
            const REAL *xi = x + (size_t)i * c, *dyi = dy + (size_t)i * c;
            REAL m = mean[i], r = rstd[i], sg = 0, sgx = 0;
            for (int j = 0; j < c; j++) {
                REAL xh = (xi[j] - m) * r, g = dyi[j] * w[j];
                sg += g;
                sgx += g * xh;
                pw[j] += dyi[j] * xh;
                pb[j] += dyi[j];
            }
            sg /= c;
            sgx /= c;
            for (int j = 0; j < c; j++) {
                REAL xh = (xi[j] - m) * r;
                dx[(size_t)i * c + j] = r * (dyi[j] * w[j] - sg - xh * sgx);
            }
        }
    }
    for (int k = 0; k < nch; k++)
        for (int j = 0; j < c; j++) dw[j] += part[(size_t)k * c * 2 + j], db[j] += part[(size_t)k * c * 2 + c + j];
    free(part);
}

/* rotate-half RoPE: pairs (i, i + D/2) rotate by pos * theta^(-2i/D); the
 * frequencies and angles are computed in REAL as transformers does in fp32 */
static __attribute__((unused)) void K(rope)(REAL *x, const int32_t *pos, int n, int h, int d, REAL theta, REAL sign) {
    int half = d / 2;
#pragma omp parallel for schedule(static) if ((size_t)n * h * d * 16 >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < half; k++) {
            REAL inv = (REAL)1 / pow(theta, (REAL)(2 * k) / (REAL)d);
            REAL ang = (REAL)pos[i] * inv, cs = cos(ang), sn = sign * sin(ang);
            for (int hh = 0; hh < h; hh++) {
                REAL *p = x + (size_t)i * h * d + (size_t)hh * d;
                REAL a = p[k], b = p[k + half];
                p[k] = a * cs - b * sn;
                p[k + half] = b * cs + a * sn;
            }
        }
    }
}

static __attribute__((unused)) void K(rope_fwd)(REAL *x, const int32_t *pos, int n, int h, int d, REAL theta) { K(rope)(x, pos, n, h, d, theta, 1); }
static __attribute__((unused)) void K(rope_bwd)(REAL *dx, const int32_t *pos, int n, int h, int d, REAL theta) { K(rope)(dx, pos, n, h, d, theta, -1); }

/* 1 when query i may see key j of sequence b */
static inline int K(sees)(const cn_attn_mask *mk, int b, int t, int i, int j) {
    if (mk->causal && j > i) return 0;
    size_t qi = (size_t)b * t + i, kj = (size_t)b * t + j;
    if (mk->segment && mk->segment[qi] != mk->segment[kj]) return 0;
    if (mk->valid && !mk->valid[kj]) return 0;
    return 1;
}

/* masks row i of the scores s[tk] (keys 0..tk-1) of sequence b of t tokens
 * (not seen: -inf) and returns the row's maximum */
static REAL K(mask_row)(REAL *s, const cn_attn_mask *mk, int b, int t, int i, int tk) {
    REAL m = -INFINITY;
    if (!mk->causal && !mk->segment && !mk->valid) { /* nothing masked */
#pragma omp simd reduction(max : m)
        for (int j = 0; j < tk; j++) m = s[j] > m ? s[j] : m;
        return m;
    }
    if (mk->causal && !mk->segment && !mk->valid) {
        for (int j = 0; j <= i && j < tk; j++)
            if (s[j] > m) m = s[j];
        for (int j = i + 1; j < tk; j++) s[j] = -INFINITY;
        return m;
    }
    for (int j = 0; j < tk; j++) {
        if (!K(sees)(mk, b, t, i, j)) s[j] = -INFINITY;
        else if (s[j] > m) m = s[j];
    }
    return m;
}

/* causal attention goes by blocks of ATT_QB queries, each with only the keys
 * up to its last query (about half the work of the whole T x T) */
#define ATT_QB 64
static inline int K(att_block)(const cn_attn_mask *mk, int t) { return mk->causal ? ATT_QB : t; }

/* one (sequence, query head) at a time: S = q k^T / sqrt(D) as one product
 * a block of queries, masked row softmax in place, o = P v; a block of
 * scores per thread */
static __attribute__((unused)) void K(attn_fwd)(REAL *o, REAL *lse, const REAL *q, const REAL *k, const REAL *v, int b, int t, int hq,
                                               int hkv, int d, const cn_attn_mask *mk) {
    int group = hq / hkv, qb = K(att_block)(mk, t);
    REAL scale = 1 / sqrt((REAL)d);
    int qs = hq * d, ks = hkv * d;
#pragma omp parallel
    {
        REAL *s = malloc(((size_t)qb * t + 1) * sizeof *s);
#pragma omp for schedule(dynamic, 1)
        for (int bh = 0; bh < b * hq; bh++) {
            int bb = bh / hq, h = bh % hq, g = h / group;
            const REAL *qh = q + (size_t)bb * t * qs + (size_t)h * d, *kh = k + (size_t)bb * t * ks + (size_t)g * d;
            const REAL *vh = v + (size_t)bb * t * ks + (size_t)g * d;
            REAL *oh = o + (size_t)bb * t * qs + (size_t)h * d;
            for (int i0 = 0; i0 < t; i0 += qb) {
                int i1 = i0 + qb < t ? i0 + qb : t, tk = mk->causal ? i1 : t;
                GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, i1 - i0, tk, d, scale, qh + (size_t)i0 * qs, qs, kh, ks, 0, s, tk);
                for (int i = i0; i < i1; i++) {
                    REAL *row = s + (size_t)(i - i0) * tk;
                    REAL m = K(mask_row)(row, mk, bb, t, i, tk);
                    if (m == -INFINITY) { /* sees nothing: o = 0 */
                        for (int j = 0; j < tk; j++) row[j] = 0;
                        lse[(size_t)bh * t + i] = INFINITY;
                        continue;
                    }
                    lse[(size_t)bh * t + i] = m + log(K(softmax_row)(row, tk, m));
                }
                GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, i1 - i0, d, tk, 1, s, tk, vh, ks, 0, oh + (size_t)i0 * qs, qs);
            }
        }
        free(s);
    }
}

/* one (sequence, key head) at a time, its query heads in order: P again
 * from the saved lse, dV += P^T dO, dS = P (dO V^T - rowsum(dO o)), dQ = dS k,
 * dK += dS^T q (the 1/sqrt(D) folded in); dK and dV of a key head are summed
 * over its query heads in index order */
static __attribute__((unused)) void K(attn_bwd)(REAL *dq, REAL *dk, REAL *dv, const REAL *dout, const REAL *q, const REAL *k,
                                               const REAL *v, const REAL *o, const REAL *lse, int b, int t, int hq, int hkv, int d,
                                               const cn_attn_mask *mk) {
    int group = hq / hkv, qb = K(att_block)(mk, t);
    REAL scale = 1 / sqrt((REAL)d);
    int qs = hq * d, ks = hkv * d;
#pragma omp parallel
    {
        REAL *p = malloc(((size_t)qb * t + 1) * sizeof *p), *dp = malloc(((size_t)qb * t + 1) * sizeof *dp);
        REAL *di = malloc(((size_t)qb + 1) * sizeof *di);
#pragma omp for schedule(dynamic, 1)
        for (int bg = 0; bg < b * hkv; bg++) {
            int bb = bg / hkv, g = bg % hkv;
            const REAL *kh = k + (size_t)bb * t * ks + (size_t)g * d, *vh = v + (size_t)bb * t * ks + (size_t)g * d;
            REAL *dkh = dk + (size_t)bb * t * ks + (size_t)g * d, *dvh = dv + (size_t)bb * t * ks + (size_t)g * d;
            for (int j = 0; j < t; j++) { /* dK and dV sum every query block of every query head */
                memset(dkh + (size_t)j * ks, 0, (size_t)d * sizeof *dkh);
                memset(dvh + (size_t)j * ks, 0, (size_t)d * sizeof *dvh);
            }
            for (int h = g * group; h < (g + 1) * group; h++) {
                size_t off = (size_t)bb * t * qs + (size_t)h * d;
                const REAL *L = lse + ((size_t)bb * hq + h) * t;
                for (int i0 = 0; i0 < t; i0 += qb) {
                    int i1 = i0 + qb < t ? i0 + qb : t, tk = mk->causal ? i1 : t, nr = i1 - i0;
                    const REAL *qh = q + off + (size_t)i0 * qs, *doh = dout + off + (size_t)i0 * qs, *oh = o + off + (size_t)i0 * qs;
                    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, nr, tk, d, scale, qh, qs, kh, ks, 0, p, tk);
                    for (int i = 0; i < nr; i++) {
                        REAL *row = p + (size_t)i * tk, s = 0, li = L[i0 + i];
                        K(mask_row)(row, mk, bb, t, i0 + i, tk);
                        if (li == INFINITY) memset(row, 0, (size_t)tk * sizeof *row);
                        else {
#pragma omp simd
                            for (int j = 0; j < tk; j++) row[j] = K(expn)(row[j] - li);
                        }
                        for (int e = 0; e < d; e++) s += doh[(size_t)i * qs + e] * oh[(size_t)i * qs + e];
                        di[i] = s;
                    }
                    /* dV += P^T dO */
                    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, tk, d, nr, 1, p, tk, doh, qs, 1, dvh, ks);
                    /* dP = dO V^T; dS = P (dP - di) scale, into dp */
                    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, nr, tk, d, 1, doh, qs, vh, ks, 0, dp, tk);
                    for (int i = 0; i < nr; i++)
                        for (int j = 0; j < tk; j++) dp[(size_t)i * tk + j] = p[(size_t)i * tk + j] * (dp[(size_t)i * tk + j] - di[i]) * scale;
                    /* dQ = dS K; dK += dS^T Q */
                    GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, nr, d, tk, 1, dp, tk, kh, ks, 0, dq + off + (size_t)i0 * qs, qs);
                    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, tk, d, nr, 1, dp, tk, qh, qs, 1, dkh, ks);
                }
            }
        }
        free(p), free(dp), free(di);
    }
}

static __attribute__((unused)) void K(swiglu_fwd)(REAL *h, const REAL *g, const REAL *u, size_t n) {
#pragma omp parallel for schedule(static) if (n * 4 >= PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        REAL sg = 1 / (1 + K(expn)(-g[i]));
        h[i] = g[i] * sg * u[i];
    }
}

static __attribute__((unused)) void K(swiglu_bwd)(REAL *dg, REAL *du, const REAL *dh, const REAL *g, const REAL *u, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        REAL sg = 1 / (1 + K(expn)(-g[i])), silu = g[i] * sg;
        dg[i] = dh[i] * u[i] * sg * (1 + g[i] * (1 - sg));
        du[i] = dh[i] * silu;
    }
}

#ifdef OPS_FAST_ERF
#include "erf_fast.h"
#define ERF(x) erf_fast(x)
#else
#define ERF(x) erf(x)
#endif

SIMD_CLONES static void K(gelu_span)(REAL *restrict y, const REAL *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = (REAL)0.5 * x[i] * (1 + ERF(x[i] * (REAL)0.70710678118654752440));
}

/* in spans of 4,096 (the clones are called per span, not per element) */
static __attribute__((unused)) void K(gelu_fwd)(REAL *y, const REAL *x, size_t n) {
    size_t ns = (n + 4095) / 4096;
#pragma omp parallel for schedule(static) if (n * 4 >= PAR_MIN)
    for (size_t k = 0; k < ns; k++) K(gelu_span)(y + k * 4096, x + k * 4096, k + 1 < ns ? 4096 : n - k * 4096);
}

static __attribute__((unused)) void K(gelu_bwd)(REAL *dx, const REAL *dy, const REAL *x, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        REAL cdf = (REAL)0.5 * (1 + ERF(x[i] * (REAL)0.70710678118654752440));
        REAL pdf = K(expn)((REAL)-0.5 * x[i] * x[i]) * (REAL)0.39894228040143267794;
        dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
}

static __attribute__((unused)) void K(embed_fwd)(REAL *out, const REAL *table, const int32_t *ids, int n, int c, int accumulate) {
#pragma omp parallel for schedule(static) if ((size_t)n * c >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        const REAL *row = table + (size_t)ids[i] * c;
        REAL *o = out + (size_t)i * c;
        if (accumulate)
            for (int j = 0; j < c; j++) o[j] += row[j];
        else
            memcpy(o, row, (size_t)c * sizeof *o);
    }
}

/* scatter-add by column blocks: each block goes through the tokens in order */
static __attribute__((unused)) void K(embed_bwd)(REAL *dtable, const REAL *dout, const int32_t *ids, int n, int c, int vocab) {
    (void)vocab;
    int nb = (c + 63) / 64;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nb; blk++) {
        int j0 = blk * 64, j1 = j0 + 64 < c ? j0 + 64 : c;
        for (int i = 0; i < n; i++) {
            REAL *row = dtable + (size_t)ids[i] * c;
            const REAL *g = dout + (size_t)i * c;
            for (int j = j0; j < j1; j++) row[j] += g[j];
        }
    }
}

/* log(sum(exp(x))) of a row of v logits, the softmax's normaliser */
static inline REAL K(row_lse)(const REAL *x, int v) {
    REAL m = x[0];
    for (int j = 1; j < v; j++)
        if (x[j] > m) m = x[j];
    REAL s = 0;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < v; j++) s += K(expn)(x[j] - m);
    return m + log(s);
}

static __attribute__((unused)) double K(xent_fwd_bwd)(REAL *logits, REAL *loss, const int32_t *targets, int n, int v, REAL scale) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        REAL *x = logits + (size_t)i * v;
        int tg = targets[i];
        if (tg < 0) {
            loss[i] = 0;
            memset(x, 0, (size_t)v * sizeof *x);
            continue;
        }
        REAL lse = K(row_lse)(x, v);
        loss[i] = lse - x[tg];
#pragma omp simd
        for (int j = 0; j < v; j++) x[j] = K(expn)(x[j] - lse) * scale;
        x[tg] -= scale;
    }
    double total = 0;
    for (int i = 0; i < n; i++) total += (double)loss[i];
    return total;
}

/* the losses alone (the same bits as xent_fwd_bwd's), the logits kept */
static __attribute__((unused)) double K(xent_fwd)(const REAL *logits, REAL *loss, const int32_t *targets, int n, int v) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const REAL *x = logits + (size_t)i * v;
        loss[i] = targets[i] < 0 ? 0 : K(row_lse)(x, v) - x[targets[i]];
    }
    double total = 0;
    for (int i = 0; i < n; i++) total += (double)loss[i];
    return total;
}

static __attribute__((unused)) void K(adamw)(REAL *p, const REAL *g, REAL *m, REAL *v, size_t n, REAL lr, REAL beta1, REAL beta2, REAL eps, REAL wd,
                     int64_t step) {
    REAL bc1 = 1 - pow(beta1, (REAL)step), bc2 = 1 - pow(beta2, (REAL)step);
    REAL step_size = lr / bc1, bc2_sqrt = sqrt(bc2), decay = 1 - lr * wd;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        p[i] *= decay;
        m[i] += (g[i] - m[i]) * (1 - beta1);
        v[i] = v[i] * beta2 + (1 - beta2) * g[i] * g[i];
        REAL denom = sqrt(v[i]) / bc2_sqrt + eps;
        p[i] -= step_size * m[i] / denom;
    }
}

#define SUMSQ_CHUNK 65536
static __attribute__((unused)) double K(sumsq)(const REAL *x, size_t n) {
    size_t nch = (n + SUMSQ_CHUNK - 1) / SUMSQ_CHUNK;
    double *part = calloc(nch + 1, sizeof *part), total = 0;
#pragma omp parallel for schedule(static)
    for (size_t k = 0; k < nch; k++) {
        double s = 0;
        for (size_t i = k * SUMSQ_CHUNK; i < n && i < (k + 1) * SUMSQ_CHUNK; i++) s += (double)x[i] * (double)x[i];
        part[k] = s;
    }
    for (size_t k = 0; k < nch; k++) total += part[k];
    free(part);
    return total;
}

/* dropout's keep mask: a hash of (seed, i) (splitmix64), kept when its top
 * 24 bits as a fraction are at least p */
static inline int K(drop_keep)(uint64_t seed, size_t i, REAL p) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (REAL)(z >> 40) * (REAL)(1.0 / 16777216.0) >= p;
}
static __attribute__((unused)) void K(dropout_fwd)(REAL *y, const REAL *x, size_t n, REAL p, uint64_t seed) {
    REAL s = 1 / (1 - p);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) y[i] = K(drop_keep)(seed, i, p) ? x[i] * s : 0;
}
static __attribute__((unused)) void K(dropout_bwd)(REAL *dx, const REAL *dy, size_t n, REAL p, uint64_t seed) {
    K(dropout_fwd)(dx, dy, n, p, seed); /* the same mask and scale */
}

/* ---- decoding with a KV cache ---- */

/* attention of n new queries (positions past..past+n-1) over past + n cached
 * keys. A few queries (decoding): each thread takes a fixed range of heads
 * and goes through the cache row by row (a row holds every head's key), so
 * the cache streams in order; more queries (a prompt): one head per
 * iteration, S = q k^T as one product as in attn_fwd, the causal mask
 * shifted by past. A head's sums do not depend on who computes it. */
static __attribute__((unused)) void K(attn_cached_fwd)(REAL *o, const REAL *q, const REAL *kc, const REAL *vc, int n, int past,
                                                      int hq, int hkv, int d) {
    int group = hq / hkv, t = past + n, qs = hq * d, ks = hkv * d;
    REAL scale = 1 / sqrt((REAL)d);
    if (n <= 4) {
#pragma omp parallel if ((size_t)n * hq * t * d >= (1 << 15))
        {
            int nt = omp_get_num_threads(), me = omp_get_thread_num();
            int h0 = (int)((int64_t)hq * me / nt), h1 = (int)((int64_t)hq * (me + 1) / nt), nh = h1 - h0;
            REAL *s = malloc(((size_t)nh * t + 1) * sizeof *s), *l = malloc(((size_t)nh + 1) * sizeof *l);
            for (int i = 0; i < n && nh > 0; i++) {
                int seen = past + i + 1;
                const REAL *qi = q + (size_t)i * qs;
                REAL *oi = o + (size_t)i * qs;
                for (int j = 0; j < seen; j++) {
                    const REAL *krow = kc + (size_t)j * ks;
                    for (int h = h0; h < h1; h++) {
                        const REAL *qh = qi + (size_t)h * d, *kh = krow + (size_t)(h / group) * d;
                        REAL dot = 0;
#pragma omp simd reduction(+ : dot)
                        for (int e = 0; e < d; e++) dot += qh[e] * kh[e];
                        s[(size_t)(h - h0) * t + j] = dot * scale;
                    }
                }
                for (int h = 0; h < nh; h++) {
                    REAL *sh = s + (size_t)h * t, mx = -INFINITY, sum = 0;
                    for (int j = 0; j < seen; j++) mx = sh[j] > mx ? sh[j] : mx;
#pragma omp simd reduction(+ : sum)
                    for (int j = 0; j < seen; j++) sum += (sh[j] = K(expn)(sh[j] - mx));
                    l[h] = sum;
                    for (int e = 0; e < d; e++) oi[(size_t)(h0 + h) * d + e] = 0;
                }
                for (int j = 0; j < seen; j++) {
                    const REAL *vrow = vc + (size_t)j * ks;
                    for (int h = h0; h < h1; h++) {
                        REAL p = s[(size_t)(h - h0) * t + j], *oh = oi + (size_t)h * d;
                        const REAL *vh = vrow + (size_t)(h / group) * d;
#pragma omp simd
                        for (int e = 0; e < d; e++) oh[e] += p * vh[e];
                    }
                }
                for (int h = h0; h < h1; h++)
                    for (int e = 0; e < d; e++) oi[(size_t)h * d + e] /= l[h - h0];
            }
            free(s), free(l);
        }
        return;
    }
#pragma omp parallel
    {
        REAL *s = malloc(((size_t)n * t + 1) * sizeof *s);
#pragma omp for schedule(dynamic, 1)
        for (int h = 0; h < hq; h++) {
            int g = h / group;
            const REAL *qh = q + (size_t)h * d, *kh = kc + (size_t)g * d, *vh = vc + (size_t)g * d;
            GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, n, t, d, scale, qh, qs, kh, ks, 0, s, t);
            for (int i = 0; i < n; i++) {
                REAL *row = s + (size_t)i * t, m = -INFINITY;
                int seen = past + i + 1;
                for (int j = 0; j < seen; j++)
                    if (row[j] > m) m = row[j];
                K(softmax_row)(row, seen, m);
                for (int j = seen; j < t; j++) row[j] = 0;
            }
            GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, t, 1, s, t, vh, ks, 0, o + (size_t)h * d, qs);
        }
        free(s);
    }
}

#undef ERF
#undef K
#undef CAT
#undef CAT2
