/* ops_cpu: the CPU backend, the kernels of ops_cpu_impl.h in fp32 with
 * OpenBLAS sgemm and OpenMP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "ops.h"
#include "half.h"

#define REAL float
#define SFX _f
#define GEMM cblas_sgemm
#define OPS_FAST_ERF
#include "ops_cpu_impl.h"

/* large blocks (weights, caches, activations) on 2 MiB boundaries, and
 * transparent huge pages asked for: streaming the weights for every token
 * then walks a page table 512 times smaller */
#define HUGE_PAGE (2u << 20)
static void *cpu_alloc(size_t bytes) {
    void *p = NULL;
    if (bytes >= 4 * (size_t)HUGE_PAGE) {
        size_t n = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        if (posix_memalign(&p, HUGE_PAGE, n)) return NULL;
        madvise(p, n, MADV_HUGEPAGE); /* advice: where refused, small pages */
        return p;
    }
    if (posix_memalign(&p, 64, bytes ? bytes : 64)) return NULL;
    return p;
}
static void cpu_free(void *p) { free(p); }
static void cpu_copy(void *dst, const void *src, size_t bytes) { memcpy(dst, src, bytes); }
static void cpu_zero(void *p, size_t bytes) { memset(p, 0, bytes); }

/* ---- decoding: products of a few tokens with fp32 or bf16 weights ----
 * Bound by the bytes of the weights: the rows are read once, in blocks of
 * DEC_ROWS split over the threads, each row kept in L1 while every token
 * (up to DEC_FEW) takes its dot product with it. An output is summed by one
 * thread in a fixed order (16 lanes, then a fixed tree), so the result does
 * not depend on the thread count. More tokens (a prompt): sgemm by blocks
 * of rows (bf16 rows widened to fp32 first).
 * The AVX-512 kernels are chosen at run time (bf16: AVX-512 BF16's dot
 * products where the CPU has them, else widening to fp32); elsewhere a
 * portable scalar loop does it. CN_CPU_SIMD=scalar or =avx512 in the
 * environment asks for the lesser kernels (tests, comparisons). */
#include <immintrin.h>

#define DEC_FEW 8
#define DEC_ROWS 16
#define DEC_GEMM_ROWS 64
#define DEC_PARALLEL (1 << 15) /* multiply-adds worth starting the threads for */

enum { SIMD_SCALAR = 1, SIMD_AVX512, SIMD_AVX512BF16 };
static int simd_level(void) {
    static int level;
    if (!level) {
        const char *e = getenv("CN_CPU_SIMD");
        __builtin_cpu_init();
        int avx = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
        if (e && strcmp(e, "scalar") == 0) avx = 0;
        level = !avx ? SIMD_SCALAR : __builtin_cpu_supports("avx512bf16") && !(e && strcmp(e, "avx512") == 0) ? SIMD_AVX512BF16 : SIMD_AVX512;
    }
    return level;
}
static const char *bf16_kernel_cpu(void) {
    int l = simd_level();
    return l == SIMD_AVX512BF16 ? "avx512bf16" : l == SIMD_AVX512 ? "avx512" : "scalar";
}

/* y[t, r] = dot(W[r], x[t]) + beta y[t, r] for rows r0..r1 and n tokens:
 * W is fp32 (bf16 == 0) or bf16 (widened: its bits are an fp32's upper
 * half). A row at a time, one stream through memory, four sums of 16 lanes */
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void dec_rows_avx512(float *y, const float *x, const void *wv, int bf16,
                                                                                int n, int r0, int r1, int out, int in, float beta) {
    int full = in & ~63;
#define WLOAD(i) (bf16 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(wh + (i)))), 16)) \
                       : _mm512_loadu_ps(wf + (i)))
#define WLOADM(mk, i) (bf16 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mk, wh + (i))), 16)) \
                            : _mm512_maskz_loadu_ps(mk, wf + (i)))
    for (int r = r0; r < r1; r++) {
        const float *wf = (const float *)wv + (size_t)r * in;
        const uint16_t *wh = (const uint16_t *)wv + (size_t)r * in;
        for (int t = 0; t < n; t++) {
            const float *xt = x + (size_t)t * in;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < full; i += 64) {
                a0 = _mm512_fmadd_ps(WLOAD(i), _mm512_loadu_ps(xt + i), a0);
                a1 = _mm512_fmadd_ps(WLOAD(i + 16), _mm512_loadu_ps(xt + i + 16), a1);
                a2 = _mm512_fmadd_ps(WLOAD(i + 32), _mm512_loadu_ps(xt + i + 32), a2);
                a3 = _mm512_fmadd_ps(WLOAD(i + 48), _mm512_loadu_ps(xt + i + 48), a3);
            }
            for (int i = full; i < in; i += 16) { /* masked: zeros add nothing */
                __mmask16 mk = in - i >= 16 ? 0xffff : (__mmask16)((1u << (in - i)) - 1);
                a0 = _mm512_fmadd_ps(WLOADM(mk, i), _mm512_maskz_loadu_ps(mk, xt + i), a0);
            }
            float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
            float *yt = y + (size_t)t * out + r;
            *yt = beta != 0 ? s + beta * *yt : s;
        }
    }
#undef WLOAD
#undef WLOADM
}

/* the portable fallback: 16 partial sums (as the lanes above), then in order */
static void dec_rows_scalar(float *y, const float *x, const void *wv, int bf16, int n, int r0, int r1, int out, int in, float beta) {
    for (int r = r0; r < r1; r++) {
        const float *wf = (const float *)wv + (size_t)r * in;
        const uint16_t *wh = (const uint16_t *)wv + (size_t)r * in;
        for (int t = 0; t < n; t++) {
            const float *xt = x + (size_t)t * in;
            float acc[16] = {0}, s = 0;
            int i = 0;
            for (; i + 16 <= in; i += 16)
                for (int k = 0; k < 16; k++) acc[k] += (bf16 ? cn_bf16_to_f32(wh[i + k]) : wf[i + k]) * xt[i + k];
            for (int k = 0; i + k < in; k++) acc[k] += (bf16 ? cn_bf16_to_f32(wh[i + k]) : wf[i + k]) * xt[i + k];
            for (int k = 0; k < 16; k++) s += acc[k];
            float *yt = y + (size_t)t * out + r;
            *yt = beta != 0 ? s + beta * *yt : s;
        }
    }
}

/* bf16 weights with AVX-512 BF16: vdpbf16ps multiplies bf16 pairs exactly
 * and adds in fp32, but both operands are bf16, so each x is split in two,
 * x = hi + lo (each bf16; what remains is below 2^-16 of x), and every
 * weight meets both: 32 weights a load, two instructions, a product within
 * about 2^-17 of the exact one of the bf16 weight and the fp32 x */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) static void dec_rows_dpbf16(float *y, const uint16_t *xh,
                                                                                           const uint16_t *xl, const uint16_t *w,
                                                                                           int n, int r0, int r1, int out,
                                                                                           int in, float beta) {
    int full = in & ~63;
    for (int r = r0; r < r1; r++) {
        const uint16_t *wr = w + (size_t)r * in;
        for (int t = 0; t < n; t++) {
            const uint16_t *h = xh + (size_t)t * in, *l = xl + (size_t)t * in;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < full; i += 64) {
                __m512bh w0 = (__m512bh)_mm512_loadu_si512(wr + i), w1 = (__m512bh)_mm512_loadu_si512(wr + i + 32);
                a0 = _mm512_dpbf16_ps(a0, w0, (__m512bh)_mm512_loadu_si512(h + i));
                a1 = _mm512_dpbf16_ps(a1, w0, (__m512bh)_mm512_loadu_si512(l + i));
                a2 = _mm512_dpbf16_ps(a2, w1, (__m512bh)_mm512_loadu_si512(h + i + 32));
                a3 = _mm512_dpbf16_ps(a3, w1, (__m512bh)_mm512_loadu_si512(l + i + 32));
            }
            for (int i = full; i < in; i += 32) { /* masked: zeros add nothing */
                __mmask32 mk = in - i >= 32 ? 0xffffffffu : (__mmask32)((1u << (in - i)) - 1);
                __m512bh w0 = (__m512bh)_mm512_maskz_loadu_epi16(mk, wr + i);
                a0 = _mm512_dpbf16_ps(a0, w0, (__m512bh)_mm512_maskz_loadu_epi16(mk, h + i));
                a1 = _mm512_dpbf16_ps(a1, w0, (__m512bh)_mm512_maskz_loadu_epi16(mk, l + i));
            }
            float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
            float *yt = y + (size_t)t * out + r;
            *yt = beta != 0 ? s + beta * *yt : s;
        }
    }
}

static void dec_few(float *y, const float *x, const void *w, int bf16, int n, int out, int in, float beta) {
    int nb = (out + DEC_ROWS - 1) / DEC_ROWS, level = simd_level();
    int big = (size_t)n * out * in >= DEC_PARALLEL; /* else threads cost more than they save */
    void *xs = NULL;
    /* aligned: a load of x that crossed cache lines would cost two */
    if (bf16 && level == SIMD_AVX512BF16 && !posix_memalign(&xs, 64, ((size_t)n * in * 2 + 32) * sizeof(uint16_t))) {
        uint16_t *xh = xs, *xl = xh + ((size_t)n * in + 31) / 32 * 32;
        for (size_t i = 0; i < (size_t)n * in; i++) xh[i] = cn_f32_to_bf16(x[i]), xl[i] = cn_f32_to_bf16(x[i] - cn_bf16_to_f32(xh[i]));
#pragma omp parallel for schedule(static) if (big)
        for (int b = 0; b < nb; b++) {
            int r0 = b * DEC_ROWS, r1 = r0 + DEC_ROWS < out ? r0 + DEC_ROWS : out;
            dec_rows_dpbf16(y, xh, xl, w, n, r0, r1, out, in, beta);
        }
        free(xs);
        return;
    }
#pragma omp parallel for schedule(static) if (big)
    for (int b = 0; b < nb; b++) {
        int r0 = b * DEC_ROWS, r1 = r0 + DEC_ROWS < out ? r0 + DEC_ROWS : out;
        if (level != SIMD_SCALAR) dec_rows_avx512(y, x, w, bf16, n, r0, r1, out, in, beta);
        else dec_rows_scalar(y, x, w, bf16, n, r0, r1, out, in, beta);
    }
}

/* more tokens: fixed blocks of rows, each one sgemm on one thread (OpenBLAS
 * runs single-threaded inside a parallel region), so that the thread count
 * does not change the bits as a threaded sgemm's split would; bf16 blocks
 * are widened to fp32 first */
static void dec_gemm(float *y, const float *x, const void *w, int bf16, int n, int out, int in, float beta) {
    int nb = (out + DEC_GEMM_ROWS - 1) / DEC_GEMM_ROWS;
#pragma omp parallel
    {
        float *blk = bf16 ? malloc((size_t)DEC_GEMM_ROWS * in * sizeof *blk + 64) : NULL;
#pragma omp for schedule(static)
        for (int b = 0; b < nb; b++) {
            int r0 = b * DEC_GEMM_ROWS, rows = r0 + DEC_GEMM_ROWS < out ? DEC_GEMM_ROWS : out - r0;
            const float *wb = (const float *)w + (size_t)r0 * in;
            if (bf16) {
                const uint16_t *h = (const uint16_t *)w + (size_t)r0 * in;
                for (size_t i = 0; i < (size_t)rows * in; i++) blk[i] = cn_bf16_to_f32(h[i]);
                wb = blk;
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, in, 1, x, in, wb, in, beta, y + r0, out);
        }
        free(blk);
    }
}

static void linear_f32_cpu(float *y, const float *x, const float *w, int n, int out, int in, float beta) {
    if (n <= DEC_FEW) dec_few(y, x, w, 0, n, out, in, beta);
    else dec_gemm(y, x, w, 0, n, out, in, beta);
}

static void linear_bf16_cpu(float *y, const float *x, const uint16_t *w, int n, int out, int in, float beta) {
    if (n <= DEC_FEW) dec_few(y, x, w, 1, n, out, in, beta);
    else dec_gemm(y, x, w, 1, n, out, in, beta);
}

static void embed_bf16_fwd_cpu(float *out, const uint16_t *table, const int32_t *ids, int n, int c) {
#pragma omp parallel for schedule(static) if ((size_t)n * c >= PAR_MIN)
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) out[(size_t)i * c + j] = cn_bf16_to_f32(table[(size_t)ids[i] * c + j]);
}

static void to_bf16_cpu(uint16_t *dst, const float *src, size_t n) {
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++) dst[i] = cn_f32_to_bf16(src[i]);
}

/* ---- mixed precision's product: both operands as bf16 values (fp32 with
 * the low 16 bits zero), then sgemm: the products of two bf16 are exact in
 * fp32, so this is the tensor cores' product up to the order of the sums.
 * The operands are rounded into scratch on every call: the CPU side of
 * mixed precision is for checking it, the GPU is where it pays. */
static float *bf16_operand(const float *x, const uint16_t *x16, size_t n) {
    float *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) return NULL;
#pragma omp parallel for schedule(static) if (n >= DEC_PARALLEL)
    for (size_t i = 0; i < n; i++) r[i] = cn_bf16_to_f32(x16 ? x16[i] : cn_f32_to_bf16(x[i]));
    return r;
}

static void matmul_bf16_cpu(float *c, const float *a, const uint16_t *a16, const float *b, const uint16_t *b16, int m, int n, int k,
                            int ta, int tb, float alpha, float beta) {
    float *ra = bf16_operand(a, a16, (size_t)m * k), *rb = bf16_operand(b, b16, (size_t)k * n);
    if (!ra || !rb) {
        fprintf(stderr, "matmul_bf16: out of memory for the operands of a %d x %d x %d product\n", m, n, k);
        abort();
    }
    matmul_f(c, ra, rb, m, n, k, ta, tb, alpha, beta);
    free(ra);
    free(rb);
}

/* attention of a few new queries over the cache with AVX-512 (the decoding
 * step): each thread a fixed range of heads, the cache read row by row as in
 * attn_cached_fwd_f, the dot products and sums 16 lanes wide; more queries,
 * or no AVX-512: attn_cached_fwd_f */
__attribute__((target("avx512f"))) static void attn_dec_avx512(float *o, const float *q, const float *kc, const float *vc, int n,
                                                              int past, int hq, int hkv, int d, int h0, int h1, float *s) {
    int group = hq / hkv, t = past + n, qs = hq * d, ks = hkv * d, nh = h1 - h0;
    float scale = 1 / sqrtf((float)d);
    __mmask16 tail = (__mmask16)((1u << (d & 15)) - 1);
    for (int i = 0; i < n; i++) {
        int seen = past + i + 1;
        const float *qi = q + (size_t)i * qs;
        float *oi = o + (size_t)i * qs;
        for (int j = 0; j < seen; j++) {
            const float *krow = kc + (size_t)j * ks;
            for (int h = h0; h < h1; h++) {
                const float *qh = qi + (size_t)h * d, *kh = krow + (size_t)(h / group) * d;
                __m512 a = _mm512_setzero_ps();
                int e = 0;
                for (; e + 16 <= d; e += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(qh + e), _mm512_loadu_ps(kh + e), a);
                if (e < d) a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, qh + e), _mm512_maskz_loadu_ps(tail, kh + e), a);
                s[(size_t)(h - h0) * t + j] = _mm512_reduce_add_ps(a) * scale;
            }
        }
        for (int h = 0; h < nh; h++) {
            float *sh = s + (size_t)h * t, mx = -INFINITY, sum = 0;
            for (int j = 0; j < seen; j++) mx = sh[j] > mx ? sh[j] : mx;
            for (int j = 0; j < seen; j++) sum += (sh[j] = expf(sh[j] - mx));
            float inv = 1 / sum;
            for (int j = 0; j < seen; j++) sh[j] *= inv;
            memset(oi + (size_t)(h0 + h) * d, 0, (size_t)d * sizeof *oi);
        }
        for (int j = 0; j < seen; j++) {
            const float *vrow = vc + (size_t)j * ks;
            for (int h = h0; h < h1; h++) {
                __m512 p = _mm512_set1_ps(s[(size_t)(h - h0) * t + j]);
                float *oh = oi + (size_t)h * d;
                const float *vh = vrow + (size_t)(h / group) * d;
                int e = 0;
                for (; e + 16 <= d; e += 16) _mm512_storeu_ps(oh + e, _mm512_fmadd_ps(p, _mm512_loadu_ps(vh + e), _mm512_loadu_ps(oh + e)));
                if (e < d)
                    _mm512_mask_storeu_ps(oh + e, tail, _mm512_fmadd_ps(p, _mm512_maskz_loadu_ps(tail, vh + e), _mm512_maskz_loadu_ps(tail, oh + e)));
            }
        }
    }
}

static void attn_cached_cpu(float *o, const float *q, const float *kc, const float *vc, int n, int past, int hq, int hkv, int d) {
    int t = past + n;
    if (n > 4 || simd_level() == SIMD_SCALAR) {
        attn_cached_fwd_f(o, q, kc, vc, n, past, hq, hkv, d);
        return;
    }
#pragma omp parallel if ((size_t)n * hq * t * d >= DEC_PARALLEL)
    {
        int nt = omp_get_num_threads(), me = omp_get_thread_num();
        int h0 = (int)((int64_t)hq * me / nt), h1 = (int)((int64_t)hq * (me + 1) / nt);
        float *s = malloc(((size_t)(h1 - h0) * t + 1) * sizeof *s);
        if (h1 > h0 && s) attn_dec_avx512(o, q, kc, vc, n, past, hq, hkv, d, h0, h1, s);
        free(s);
    }
}

static const cn_ops cpu = {
    .name = "cpu",
    .alloc = cpu_alloc, .free = cpu_free, .upload = cpu_copy, .download = cpu_copy, .zero = cpu_zero,
    .copy = cpu_copy,
    .matmul = matmul_f, .matmul_bf16 = matmul_bf16_cpu, .add = add_f, .bias_bwd = bias_bwd_f, .bias_fwd = bias_fwd_f, .fill_rows = fill_rows_f,
    .rmsnorm_fwd = rmsnorm_fwd_f, .rmsnorm_bwd = rmsnorm_bwd_f,
    .layernorm_fwd = layernorm_fwd_f, .layernorm_bwd = layernorm_bwd_f,
    .rope_fwd = rope_fwd_f, .rope_bwd = rope_bwd_f,
    .attn_fwd = attn_fwd_f, .attn_bwd = attn_bwd_f,
    .swiglu_fwd = swiglu_fwd_f, .swiglu_bwd = swiglu_bwd_f,
    .gelu_fwd = gelu_fwd_f, .gelu_bwd = gelu_bwd_f,
    .embed_fwd = embed_fwd_f, .embed_bwd = embed_bwd_f,
    .xent_fwd_bwd = xent_fwd_bwd_f, .xent_fwd = xent_fwd_f,
    .adamw = adamw_f, .sumsq = sumsq_f, .scale = scale_f,
    .dropout_fwd = dropout_fwd_f, .dropout_bwd = dropout_bwd_f,
    /* decoding */
    .linear_f32 = linear_f32_cpu, .linear_bf16 = linear_bf16_cpu, .embed_bf16_fwd = embed_bf16_fwd_cpu, .to_bf16 = to_bf16_cpu,
    .attn_cached_fwd = attn_cached_cpu, .bf16_kernel = bf16_kernel_cpu,
};

const cn_ops *cn_ops_cpu(void) { return &cpu; }
