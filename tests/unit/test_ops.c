/* ops: every backward against central finite differences of its forward, in
 * a double build of the CPU kernels; the fp32 backend against the double one;
 * the same bits whatever the thread count. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "ops.h"
#include "half.h"
#include "st.h"

#define REAL double
#define SFX _d
#define GEMM cblas_dgemm
#include "ops_cpu_impl.h"
#undef REAL
#undef SFX
#undef GEMM

static uint64_t rs = 88172645463325252ull;
static double urand(void) { /* xorshift, uniform in [-1, 1) */
    rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
    return (double)(rs >> 11) / 4503599627370496.0 - 1.0;
}
static double *rnd(size_t n, double s) {
    double *x = malloc(n * sizeof *x + 8);
    for (size_t i = 0; i < n; i++) x[i] = s * urand();
    return x;
}
static double dot(const double *a, const double *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* a forward as a function of one of its inputs: writes the output */
typedef void (*fwd_fn)(void *ctx, double *out);

/* checks grad (analytic, of L = <r, f>) against central differences in x */
static void fd(const char *what, void *ctx, fwd_fn f, double *x, size_t nx, const double *grad, const double *r, size_t nout) {
    double *o1 = malloc(nout * sizeof *o1), *o2 = malloc(nout * sizeof *o2), maxd = 0, maxg = 0;
    const double h = 1e-6;
    for (size_t i = 0; i < nx; i++) {
        double keep = x[i];
        x[i] = keep + h;
        f(ctx, o1);
        x[i] = keep - h;
        f(ctx, o2);
        x[i] = keep;
        double num = (dot(r, o1, nout) - dot(r, o2, nout)) / (2 * h);
        if (fabs(num - grad[i]) > maxd) maxd = fabs(num - grad[i]);
        if (fabs(grad[i]) > maxg) maxg = fabs(grad[i]);
    }
    CHECK_MSG(maxd <= 1e-6 * (1 + maxg) && maxg > 0, "%s: max |fd - grad| %.3g (max |grad| %.3g)", what, maxd, maxg);
    free(o1), free(o2);
}

/* ---- per-op contexts ---- */
typedef struct {
    double *x, *w, *b, *mean, *rstd;
    int n, c;
} norm_ctx;
static void rms_f(void *p, double *out) {
    norm_ctx *z = p;
    rmsnorm_fwd_d(out, z->rstd, z->x, z->w, z->n, z->c, 1e-5);
}
static void ln_f(void *p, double *out) {
    norm_ctx *z = p;
    layernorm_fwd_d(out, z->mean, z->rstd, z->x, z->w, z->b, z->n, z->c, 1e-5);
}

typedef struct {
    double *q, *k, *v, *lse;
    int b, t, hq, hkv, d;
    cn_attn_mask mk;
} attn_ctx;
static void attn_f(void *p, double *out) {
    attn_ctx *z = p;
    attn_fwd_d(out, z->lse, z->q, z->k, z->v, z->b, z->t, z->hq, z->hkv, z->d, &z->mk);
}

typedef struct {
    double *a, *b;
    size_t n;
} pw_ctx;
static void swiglu_f(void *p, double *out) {
    pw_ctx *z = p;
    swiglu_fwd_d(out, z->a, z->b, z->n);
}
static void gelu_f(void *p, double *out) {
    pw_ctx *z = p;
    gelu_fwd_d(out, z->a, z->n);
}

typedef struct {
    double *x;
    int32_t *pos;
    int n, h, d;
} rope_ctx;
static void rope_f(void *p, double *out) {
    rope_ctx *z = p;
    memcpy(out, z->x, (size_t)z->n * z->h * z->d * sizeof *out);
    rope_fwd_d(out, z->pos, z->n, z->h, z->d, 10000);
}

typedef struct {
    double *logits;
    int32_t *tg;
    int n, v;
} xent_ctx;
static void xent_f(void *p, double *out) { /* out[0] = sum of losses */
    xent_ctx *z = p;
    double *tmp = malloc((size_t)z->n * z->v * sizeof *tmp), *loss = malloc((size_t)z->n * sizeof *loss);
    memcpy(tmp, z->logits, (size_t)z->n * z->v * sizeof *tmp);
    out[0] = xent_fwd_bwd_d(tmp, loss, z->tg, z->n, z->v, 1);
    free(tmp), free(loss);
}

static float *to_f(const double *x, size_t n) {
    float *f = malloc(n * sizeof *f + 4);
    for (size_t i = 0; i < n; i++) f[i] = (float)x[i];
    return f;
}
static double maxrel(const float *a, const double *b, size_t n) {
    double d = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(a[i] - b[i]) > d) d = fabs(a[i] - b[i]);
        if (fabs(b[i]) > m) m = fabs(b[i]);
    }
    return d / (1e-30 + m);
}

static void check_attention(const char *what, int b, int t, int hq, int hkv, int d, int causal, int segments, int padding) {
    size_t nq = (size_t)b * t * hq * d, nk = (size_t)b * t * hkv * d;
    attn_ctx z = {rnd(nq, 1), rnd(nk, 1), rnd(nk, 1), malloc((size_t)b * hq * t * sizeof(double)), b, t, hq, hkv, d, {causal, NULL, NULL}};
    int32_t *seg = malloc((size_t)b * t * sizeof *seg);
    uint8_t *valid = malloc((size_t)b * t);
    for (int i = 0; i < b * t; i++) {
        seg[i] = (i % t) < t / 2 ? 0 : 1; /* two documents per sequence */
        valid[i] = !(padding && (i % t) >= t - 2); /* the last two keys are padding */
    }
    if (segments) z.mk.segment = seg;
    if (padding) z.mk.valid = valid;
    double *o = malloc(nq * sizeof *o), *r = rnd(nq, 1);
    double *dq = malloc(nq * sizeof *dq), *dk = malloc(nk * sizeof *dk), *dv = malloc(nk * sizeof *dv);
    attn_f(&z, o);
    attn_bwd_d(dq, dk, dv, r, z.q, z.k, z.v, o, z.lse, b, t, hq, hkv, d, &z.mk);
    char name[128];
    snprintf(name, sizeof name, "%s dq", what);
    fd(name, &z, attn_f, z.q, nq, dq, r, nq);
    snprintf(name, sizeof name, "%s dk", what);
    fd(name, &z, attn_f, z.k, nk, dk, r, nq);
    snprintf(name, sizeof name, "%s dv", what);
    fd(name, &z, attn_f, z.v, nk, dv, r, nq);
    /* fp32 against double, and the same bits on 1 and 2 threads */
    float *qf = to_f(z.q, nq), *kf = to_f(z.k, nk), *vf = to_f(z.v, nk), *rf = to_f(r, nq);
    float *of = malloc(nq * 4), *lf = malloc((size_t)b * hq * t * 4), *g[2][3];
    cn_ops_cpu()->attn_fwd(of, lf, qf, kf, vf, b, t, hq, hkv, d, &z.mk);
    CHECK_MSG(maxrel(of, o, nq) < 1e-5, "%s: fp32 forward off by %.3g", what, maxrel(of, o, nq));
    for (int th = 0; th < 2; th++) {
        omp_set_num_threads(th + 1);
        g[th][0] = malloc(nq * 4), g[th][1] = malloc(nk * 4), g[th][2] = malloc(nk * 4);
        cn_ops_cpu()->attn_bwd(g[th][0], g[th][1], g[th][2], rf, qf, kf, vf, of, lf, b, t, hq, hkv, d, &z.mk);
    }
    CHECK(memcmp(g[0][0], g[1][0], nq * 4) == 0 && memcmp(g[0][1], g[1][1], nk * 4) == 0 && memcmp(g[0][2], g[1][2], nk * 4) == 0);
    CHECK_MSG(maxrel(g[0][1], dk, nk) < 1e-4, "%s: fp32 dk off by %.3g", what, maxrel(g[0][1], dk, nk));
    for (int th = 0; th < 2; th++)
        for (int i = 0; i < 3; i++) free(g[th][i]);
    free(qf), free(kf), free(vf), free(rf), free(of), free(lf);
    free(z.q), free(z.k), free(z.v), free(z.lse), free(seg), free(valid), free(o), free(r), free(dq), free(dk), free(dv);
}

/* ---- decoding ops: products of a few tokens (fp32, bf16), the cached
 * attention, bf16 conversions ---- */

static float bf16_round(float f) { /* through libcore's st.h conversion */
    uint16_t h = cn_f32_to_bf16(f);
    return cn_bf16_to_f32(h);
}

/* linear_f32 / linear_bf16 against double loops (bf16: of the rounded
 * weights), every path: few tokens, many, odd sizes, beta 0 and 1 */
static void check_linear_dec(const char *what) {
    const cn_ops *ops = cn_ops_cpu();
    int ns[] = {1, 2, 5, 8, 9, 33}, outs[] = {37, 64, 130}, ins[] = {5, 16, 64, 70};
    double worst[2] = {0, 0};
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (size_t b = 0; b < sizeof outs / sizeof *outs; b++)
            for (size_t e = 0; e < sizeof ins / sizeof *ins; e++)
                for (int beta = 0; beta < 2; beta++) {
                    int n = ns[a], out = outs[b], in = ins[e];
                    double *xd = rnd((size_t)n * in, 1), *wd = rnd((size_t)out * in, 1), *yd = rnd((size_t)n * out, 1);
                    float *x = to_f(xd, (size_t)n * in), *w = to_f(wd, (size_t)out * in), *y0 = to_f(yd, (size_t)n * out);
                    uint16_t *wh = malloc((size_t)out * in * 2);
                    for (size_t i = 0; i < (size_t)out * in; i++) wh[i] = cn_f32_to_bf16(w[i]);
                    for (int bf = 0; bf < 2; bf++) {
                        float *y = malloc((size_t)n * out * 4);
                        double *ref = malloc((size_t)n * out * 8);
                        memcpy(y, y0, (size_t)n * out * 4);
                        for (int t = 0; t < n; t++)
                            for (int r = 0; r < out; r++) {
                                double s = beta ? y0[(size_t)t * out + r] : 0;
                                for (int i = 0; i < in; i++) {
                                    float wv = bf ? bf16_round(w[(size_t)r * in + i]) : w[(size_t)r * in + i];
                                    s += (double)wv * x[(size_t)t * in + i];
                                }
                                ref[(size_t)t * out + r] = s;
                            }
                        if (bf) ops->linear_bf16(y, x, wh, n, out, in, (float)beta);
                        else ops->linear_f32(y, x, w, n, out, in, (float)beta);
                        double d = maxrel(y, ref, (size_t)n * out);
                        if (d > worst[bf]) worst[bf] = d;
                        CHECK_MSG(d < 1e-5, "%s: linear_%s n=%d out=%d in=%d beta=%d off by %.3g", what, bf ? "bf16" : "f32", n, out,
                                  in, beta, d);
                        free(y), free(ref);
                    }
                    free(xd), free(wd), free(yd), free(x), free(w), free(y0), free(wh);
                }
    printf("%s: linear_f32 worst %.3g, linear_bf16 worst %.3g\n", what, worst[0], worst[1]);
}

/* cached attention: the rows of full causal attention at past..past+n-1,
 * in double; fp32 against double; the same bits on 1 and 2 threads */
static void check_attn_cached(const char *what) {
    const cn_ops *ops = cn_ops_cpu();
    int t = 11, hq = 6, hkv = 2, d = 5, qs = hq * d, ks = hkv * d;
    for (int big = 0; big < 2; big++) {
        if (big) d = 40, qs = hq * d, ks = hkv * d; /* 16 lanes and a tail */
        double *q = rnd((size_t)t * qs, 1), *k = rnd((size_t)t * ks, 1), *v = rnd((size_t)t * ks, 1);
        double *full = malloc((size_t)t * qs * 8), *lse = malloc((size_t)hq * t * 8), *o = malloc((size_t)t * qs * 8);
        cn_attn_mask mk = {1, NULL, NULL};
        attn_fwd_d(full, lse, q, k, v, 1, t, hq, hkv, d, &mk);
        float *qf = to_f(q, (size_t)t * qs), *kf = to_f(k, (size_t)t * ks), *vf = to_f(v, (size_t)t * ks);
        int pasts[] = {0, 3, 6, 7, 10};
        for (size_t p = 0; p < sizeof pasts / sizeof *pasts; p++) {
            int past = pasts[p], n = t - past;
            attn_cached_fwd_d(o, q + (size_t)past * qs, k, v, n, past, hq, hkv, d);
            double dd = 0;
            for (size_t i = 0; i < (size_t)n * qs; i++) dd = fmax(dd, fabs(o[i] - full[(size_t)past * qs + i]));
            CHECK_MSG(dd < 1e-12, "attn_cached past=%d n=%d: off full attention by %.3g", past, n, dd);
            float *of[2];
            for (int th = 0; th < 2; th++) {
                omp_set_num_threads(th + 1);
                of[th] = malloc((size_t)n * qs * 4);
                ops->attn_cached_fwd(of[th], qf + (size_t)past * qs, kf, vf, n, past, hq, hkv, d);
            }
            CHECK_MSG(maxrel(of[0], o, (size_t)n * qs) < 1e-5, "%s: attn_cached fp32 past=%d d=%d: off by %.3g", what, past, d,
                      maxrel(of[0], o, (size_t)n * qs));
            CHECK(memcmp(of[0], of[1], (size_t)n * qs * 4) == 0);
            free(of[0]), free(of[1]);
        }
        free(q), free(k), free(v), free(full), free(lse), free(o), free(qf), free(kf), free(vf);
    }
}

/* run before anything starts OpenMP's threads: the lesser kernels (the
 * portable one, AVX-512 without BF16), each in a child process whose
 * environment asks for it */
static void check_other_kernels(const char *kind) {
    fflush(stdout), fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("CN_CPU_SIMD", kind, 1);
        const char *got = cn_ops_cpu()->bf16_kernel();
        if (strcmp(got, kind) != 0) { /* not on this CPU */
            printf("skipped: the %s kernels: not on this CPU (its best is %s)\n", kind, got);
            _exit(0);
        }
        check_linear_dec(kind);
        check_attn_cached(kind);
        fflush(stdout);
        _exit(check_failures ? 1 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the %s kernels failed", kind);
}

static void check_decoding_ops(void) {
    const cn_ops *ops = cn_ops_cpu();
    printf("bf16 kernel here: %s\n", ops->bf16_kernel());
    check_linear_dec(ops->bf16_kernel());
    check_attn_cached(ops->bf16_kernel());

    /* the same bits on 1 and 2 threads, every path */
    {
        int n[] = {1, 7, 40}, out = 650, in = 48;
        double *xd = rnd((size_t)40 * in, 1), *wd = rnd((size_t)out * in, 1);
        float *x = to_f(xd, (size_t)40 * in), *w = to_f(wd, (size_t)out * in), *y[2];
        uint16_t *wh = malloc((size_t)out * in * 2);
        ops->to_bf16(wh, w, (size_t)out * in);
        for (int k = 0; k < 3; k++)
            for (int bf = 0; bf < 2; bf++) {
                for (int th = 0; th < 2; th++) {
                    omp_set_num_threads(th + 1);
                    y[th] = calloc((size_t)n[k] * out, 4);
                    if (bf) ops->linear_bf16(y[th], x, wh, n[k], out, in, 0);
                    else ops->linear_f32(y[th], x, w, n[k], out, in, 0);
                }
                CHECK_MSG(memcmp(y[0], y[1], (size_t)n[k] * out * 4) == 0, "linear n=%d bf16=%d: threads change the bits", n[k], bf);
                free(y[0]), free(y[1]);
            }
        free(xd), free(wd), free(x), free(w), free(wh);
    }

    /* bf16: round to nearest even (ties to even, overflow to inf, NaN kept),
     * as st.h's conversion; the embedding widens exactly */
    {
        float in[] = {1.0f, 1.00390625f, 1.01171875f, -2.5f, 3.4e38f, -0.0f, INFINITY, NAN, 1e-40f};
        uint16_t want[] = {0x3F80, 0x3F80, 0x3F82, 0xC020, 0x7F80, 0x8000, 0x7F80, 0, 0x0001};
        uint16_t got[9];
        ops->to_bf16(got, in, 9);
        for (int i = 0; i < 9; i++)
            if (i == 7) CHECK((got[i] & 0x7F80) == 0x7F80 && (got[i] & 0x7F) != 0);
            else CHECK_MSG(got[i] == want[i], "bf16(%g) = %04x, expected %04x", in[i], got[i], want[i]);
        uint64_t st = 12345;
        int same = 1;
        for (int i = 0; i < 100000; i++) {
            st ^= st << 13, st ^= st >> 7, st ^= st << 17;
            uint32_t u = (uint32_t)st;
            float f;
            memcpy(&f, &u, 4);
            if (f != f) continue;
            uint16_t h;
            ops->to_bf16(&h, &f, 1);
            same &= h == cn_f32_to_bf16(f);
        }
        CHECK(same);
        uint16_t table[6] = {0x3F80, 0x4000, 0xC040, 0x0000, 0x3E80, 0x7F80};
        int32_t ids[2] = {2, 0};
        float out[6];
        ops->embed_bf16_fwd(out, table, ids, 2, 2);
        CHECK(out[0] == 0.25f && out[1] == INFINITY && out[2] == 1 && out[3] == 2);
    }
}

int main(void) {
    check_other_kernels("scalar"); /* first: these fork */
    check_other_kernels("avx512");
    /* matmul, every transposition, against loops */
    {
        int m = 5, n = 7, k = 3;
        double *a = rnd((size_t)m * k, 1), *b = rnd((size_t)k * n, 1), *c = rnd((size_t)m * n, 1), *want = malloc((size_t)m * n * 8);
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int l = 0; l < k; l++) s += (ta ? a[l * m + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * n + j]);
                        want[i * n + j] = 2 * s + 0.5 * c[i * n + j];
                    }
                double *got = malloc((size_t)m * n * 8);
                memcpy(got, c, (size_t)m * n * 8);
                matmul_d(got, a, b, m, n, k, ta, tb, 2, 0.5);
                double d = 0;
                for (int i = 0; i < m * n; i++) d = fmax(d, fabs(got[i] - want[i]));
                CHECK_MSG(d < 1e-12, "matmul ta=%d tb=%d off by %g", ta, tb, d);
                free(got);
            }
        free(a), free(b), free(c), free(want);
    }

    /* RMSNorm and LayerNorm: dx, dw (db) */
    {
        int n = 6, c = 11;
        norm_ctx z = {rnd((size_t)n * c, 2), rnd(c, 1), rnd(c, 1), malloc(n * 8), malloc(n * 8), n, c};
        double *out = malloc((size_t)n * c * 8), *r = rnd((size_t)n * c, 1), *dx = malloc((size_t)n * c * 8), *dw = calloc(c, 8),
               *db = calloc(c, 8);
        rms_f(&z, out);
        rmsnorm_bwd_d(dx, dw, r, z.x, z.w, z.rstd, n, c);
        fd("rmsnorm dx", &z, rms_f, z.x, (size_t)n * c, dx, r, (size_t)n * c);
        fd("rmsnorm dw", &z, rms_f, z.w, c, dw, r, (size_t)n * c);
        memset(dw, 0, c * 8);
        ln_f(&z, out);
        layernorm_bwd_d(dx, dw, db, r, z.x, z.w, z.mean, z.rstd, n, c);
        fd("layernorm dx", &z, ln_f, z.x, (size_t)n * c, dx, r, (size_t)n * c);
        fd("layernorm dw", &z, ln_f, z.w, c, dw, r, (size_t)n * c);
        fd("layernorm db", &z, ln_f, z.b, c, db, r, (size_t)n * c);
        free(z.x), free(z.w), free(z.b), free(z.mean), free(z.rstd), free(out), free(r), free(dx), free(dw), free(db);
    }

    /* RoPE: a rotation, its backward the inverse; positions per token */
    {
        int n = 5, h = 3, d = 8;
        int32_t pos[5] = {0, 1, 2, 7, 4095};
        rope_ctx z = {rnd((size_t)n * h * d, 1), pos, n, h, d};
        double *r = rnd((size_t)n * h * d, 1), *dx = malloc((size_t)n * h * d * 8), *out = malloc((size_t)n * h * d * 8);
        memcpy(dx, r, (size_t)n * h * d * 8);
        rope_bwd_d(dx, pos, n, h, d, 10000);
        fd("rope", &z, rope_f, z.x, (size_t)n * h * d, dx, r, (size_t)n * h * d);
        rope_f(&z, out);
        CHECK(fabs(out[0] - z.x[0]) < 1e-15 && fabs(out[d / 2] - z.x[d / 2]) < 1e-15); /* position 0: unchanged */
        free(z.x), free(r), free(dx), free(out);
    }

    /* attention: causal GQA, packed documents, padding, odd sizes */
    check_attention("attention causal GQA", 2, 5, 4, 2, 4, 1, 0, 0);
    check_attention("attention causal segments", 2, 6, 2, 1, 3, 1, 1, 0);
    check_attention("attention bidirectional padding", 2, 5, 3, 3, 4, 0, 0, 1);
    check_attention("attention all three", 1, 7, 6, 2, 2, 1, 1, 1);
    check_attention("attention unmasked", 2, 6, 2, 2, 5, 0, 0, 0);

    /* SwiGLU, GELU */
    {
        size_t n = 40;
        pw_ctx z = {rnd(n, 4), rnd(n, 2), n};
        double *r = rnd(n, 1), *da = malloc(n * 8), *db = malloc(n * 8);
        swiglu_bwd_d(da, db, r, z.a, z.b, n);
        fd("swiglu dg", &z, swiglu_f, z.a, n, da, r, n);
        fd("swiglu du", &z, swiglu_f, z.b, n, db, r, n);
        gelu_bwd_d(da, r, z.a, n);
        fd("gelu", &z, gelu_f, z.a, n, da, r, n);
        free(z.a), free(z.b), free(r), free(da), free(db);
    }

    /* the fp32 GELU (a fast erf) against the double one on a dense grid */
    {
        size_t n = 200001;
        double *x = malloc(n * 8), *y = malloc(n * 8);
        for (size_t i = 0; i < n; i++) x[i] = -10 + 20.0 * (double)i / (double)(n - 1);
        float *xf = to_f(x, n), *yf = malloc(n * 4), *gf = malloc(n * 4), *ones = malloc(n * 4);
        for (size_t i = 0; i < n; i++) ones[i] = 1;
        gelu_fwd_d(y, x, n);
        cn_ops_cpu()->gelu_fwd(yf, xf, n);
        double maxd = 0;
        for (size_t i = 0; i < n; i++) maxd = fmax(maxd, fabs(yf[i] - y[i]) / (1 + fabs(y[i])));
        CHECK_MSG(maxd < 2e-6, "gelu fp32: %.3g", maxd); /* fp32 inputs and outputs: a few ulp */
        gelu_bwd_d(y, x, x, n); /* dy = x: any weights */
        for (size_t i = 0; i < n; i++) ones[i] = xf[i];
        cn_ops_cpu()->gelu_bwd(gf, ones, xf, n);
        maxd = 0;
        for (size_t i = 0; i < n; i++) maxd = fmax(maxd, fabs(gf[i] - y[i]) / (1 + fabs(y[i])));
        CHECK_MSG(maxd < 2e-6, "gelu backward fp32: %.3g", maxd);
        free(x), free(y), free(xf), free(yf), free(gf), free(ones);
    }

    /* the softmaxes' exp_fast against exp in double on a dense grid: a few
     * ulp over the range, 0 below it and at -inf, finite above it */
    {
        double maxd = 0;
        for (int i = 0; i <= 2000000; i++) {
            float x = (float)(-87.0 + 175.0 * i / 2000000.0);
            double want = exp((double)x);
            maxd = fmax(maxd, fabs(exp_fast(x) - want) / want);
        }
        CHECK_MSG(maxd < 3e-7, "exp_fast: max relative error %.3g", maxd); /* 2.5 ulp */
        CHECK(exp_fast(0) == 1 && exp_fast(-INFINITY) == 0 && exp_fast(-88.f) == 0 && isfinite(exp_fast(1000.f)));
    }

    /* cross-entropy: gradient of the summed loss, ignored targets */
    {
        int n = 4, v = 9;
        int32_t tg[4] = {3, -100, 0, 8};
        xent_ctx z = {rnd((size_t)n * v, 3), tg, n, v};
        double *g = malloc((size_t)n * v * 8), *loss = malloc(n * 8), one = 1;
        memcpy(g, z.logits, (size_t)n * v * 8);
        double total = xent_fwd_bwd_d(g, loss, tg, n, v, 1);
        CHECK(loss[1] == 0 && fabs(total - (loss[0] + loss[2] + loss[3])) < 1e-12);
        for (int j = 0; j < v; j++) CHECK(g[v + j] == 0);
        fd("cross-entropy", &z, xent_f, z.logits, (size_t)n * v, g, &one, 1);
        /* the losses alone: the same bits, the logits as they were */
        double *x = malloc((size_t)n * v * 8), *l2 = malloc(n * 8);
        memcpy(x, z.logits, (size_t)n * v * 8);
        CHECK(xent_fwd_d(x, l2, tg, n, v) == total && memcmp(l2, loss, n * 8) == 0 && memcmp(x, z.logits, (size_t)n * v * 8) == 0);
        free(x), free(l2);
        free(z.logits), free(g), free(loss);
    }

    /* embedding: gather, scatter-add with repeated ids */
    {
        int n = 5, c = 70, vocab = 4;
        int32_t ids[5] = {2, 0, 2, 3, 2};
        double *table = rnd((size_t)vocab * c, 1), *out = malloc((size_t)n * c * 8), *dt = calloc((size_t)vocab * c, 8);
        embed_fwd_d(out, table, ids, n, c, 0);
        CHECK(memcmp(out + 2 * c, table + 2 * c, c * 8) == 0);
        embed_bwd_d(dt, out, ids, n, c, vocab);
        CHECK(fabs(dt[2 * c + 5] - 3 * table[2 * c + 5]) < 1e-12 && dt[1 * c + 5] == 0);
        free(table), free(out), free(dt);
    }

    /* bias: forward adds per column; backward sums the rows */
    {
        int n = 70, c = 3;
        double *y = rnd((size_t)n * c, 1), *b = rnd(c, 1), *db = calloc(c, 8), want[3] = {0}, y0 = y[4];
        bias_fwd_d(y, b, n, c);
        CHECK(fabs(y[4] - (y0 + b[1])) < 1e-15);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < c; j++) want[j] += y[i * c + j];
        bias_bwd_d(db, y, n, c);
        for (int j = 0; j < c; j++) CHECK(fabs(db[j] - want[j]) < 1e-12);
        add_d(y, y, (size_t)n * c);
        scale_d(y, 0.5, (size_t)n * c);
        CHECK(fabs(sumsq_d(y, (size_t)n * c) - dot(y, y, (size_t)n * c)) < 1e-9);
        free(y), free(b), free(db);
    }

    /* AdamW's first step: p (1 - lr wd) - lr g / (|g| + eps) */
    {
        float p[3] = {1, -2, 0.5f}, g[3] = {0.1f, -0.3f, 2}, m[3] = {0}, v[3] = {0};
        cn_ops_cpu()->adamw(p, g, m, v, 3, 0.01f, 0.9f, 0.95f, 1e-8f, 0.1f, 1);
        CHECK(fabsf(p[0] - (1 * 0.999f - 0.01f)) < 1e-6f && fabsf(p[1] - (-2 * 0.999f + 0.01f)) < 1e-6f);
        CHECK(fabsf(p[2] - (0.5f * 0.999f - 0.01f)) < 1e-6f);
    }

    /* the same bits on 1 and 2 threads for the reductions */
    {
        int n = 333, c = 37;
        double *xd = rnd((size_t)n * c, 2), *wd = rnd(c, 1);
        float *x = to_f(xd, (size_t)n * c), *w = to_f(wd, c), *dy = to_f(xd, (size_t)n * c);
        float *y = malloc((size_t)n * c * 4), *rstd = malloc(n * 4), *dx = malloc((size_t)n * c * 4), *dw[2];
        double ss[2];
        const cn_ops *ops = cn_ops_cpu();
        ops->rmsnorm_fwd(y, rstd, x, w, n, c, 1e-5f);
        for (int th = 0; th < 2; th++) {
            omp_set_num_threads(th + 1);
            dw[th] = calloc(c, 4);
            ops->rmsnorm_bwd(dx, dw[th], dy, x, w, rstd, n, c);
            ss[th] = ops->sumsq(x, (size_t)n * c);
        }
        CHECK(memcmp(dw[0], dw[1], c * 4) == 0 && ss[0] == ss[1]);
        free(xd), free(wd), free(x), free(w), free(dy), free(y), free(rstd), free(dx), free(dw[0]), free(dw[1]);
    }
    /* copy: backend to backend memory (a memcpy here) */
    {
        const cn_ops *ops = cn_ops_cpu();
        float src[37], *dst = ops->alloc(sizeof src);
        for (int i = 0; i < 37; i++) src[i] = (float)urand();
        ops->copy(dst, src, sizeof src);
        CHECK(memcmp(dst, src, sizeof src) == 0);
        ops->free(dst);
    }
    check_decoding_ops();
    return check_done();
}
