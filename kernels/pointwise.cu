/* pointwise: element-wise and per-row ops. N tokens, C channels, H heads,
 * D head size. The arithmetic is written as the CPU kernels write it
 * (libcore/nn/ops_cpu_impl.h), so most results match the CPU's to the last bit
 * or within a few ulp of the math functions. */
#include "cuda_common.cuh"

#define T256 256

__global__ void add_kernel(float *y, const float *x, size_t n) {
    GRID_STRIDE(i, n) y[i] += x[i];
}
void cu_add(float *y, const float *x, size_t n) {
    if (!n) return;
    add_kernel<<<cn_grid(n, T256), T256>>>(y, x, n);
    CN_LAUNCHED();
}

__global__ void scale_kernel(float *x, float s, size_t n) {
    GRID_STRIDE(i, n) x[i] *= s;
}
void cu_scale(float *x, float s, size_t n) {
    if (!n) return;
    scale_kernel<<<cn_grid(n, T256), T256>>>(x, s, n);
    CN_LAUNCHED();
}

/* y[i, j] (+)= b[j] */
__global__ void rows_kernel(float *y, const float *b, size_t n, int c, int add) {
    GRID_STRIDE(i, n) {
        float v = b[i % (size_t)c];
        y[i] = add ? y[i] + v : v;
    }
}
void cu_bias_fwd(float *y, const float *b, int n, int c) {
    size_t nn = (size_t)n * c;
    if (!nn) return;
    rows_kernel<<<cn_grid(nn, T256), T256>>>(y, b, nn, c, 1);
    CN_LAUNCHED();
}
void cu_fill_rows(float *y, const float *b, int n, int c) {
    size_t nn = (size_t)n * c;
    if (!nn) return;
    rows_kernel<<<cn_grid(nn, T256), T256>>>(y, b, nn, c, 0);
    CN_LAUNCHED();
}

/* part[k, j] = sum of dy[i, j] over chunk k's rows, in order (as the CPU) */
__global__ void chunk_colsum_kernel(float *part, const float *dy, int n, int c, int nch) {
    GRID_STRIDE(idx, (size_t)nch * c) {
        int k = (int)(idx / c), j = (int)(idx % c), i1 = min(n, (k + 1) * CN_ROWS_PER_CHUNK);
        float s = 0;
        for (int i = k * CN_ROWS_PER_CHUNK; i < i1; i++) s = __fadd_rn(s, dy[(size_t)i * c + j]);
        part[idx] = s;
    }
}
void cu_bias_bwd(float *db, const float *dy, int n, int c) {
    if (n <= 0 || c <= 0) return;
    int nch = (n + CN_ROWS_PER_CHUNK - 1) / CN_ROWS_PER_CHUNK;
    float *part = (float *)cn_cuda_scratch((size_t)nch * c * sizeof(float));
    chunk_colsum_kernel<<<cn_grid((size_t)nch * c, T256), T256>>>(part, dy, n, c, nch);
    CN_LAUNCHED();
    cu_chunk_colsum_finish(db, part, nch, c);
}

/* ---- RoPE, rotate-half: pairs (k, k + D/2) turn by pos x theta^(-2k/D).
 * The frequency as the CPU's float powf gives it: the power in double,
 * rounded to float once (glibc's powf is correctly rounded but for rare
 * inputs), then the same float steps. One thread a (token, pair), every
 * head. ---- */
__global__ void rope_kernel(float *x, const int32_t *pos, int n, int h, int d, float theta, float sign) {
    int half = d / 2;
    GRID_STRIDE(idx, (size_t)n * half) {
        int i = (int)(idx / half), k = (int)(idx % half);
        float e = (float)(2 * k) / (float)d;
        float p = (float)pow((double)theta, (double)e);
        float inv = 1.0f / p, ang = (float)pos[i] * inv;
        float cs = cosf(ang), sn = sign * sinf(ang);
        float *row = x + (size_t)i * h * d;
        for (int hh = 0; hh < h; hh++) {
            float *q = row + (size_t)hh * d;
            float a = q[k], b = q[k + half];
            q[k] = __fsub_rn(__fmul_rn(a, cs), __fmul_rn(b, sn));
            q[k + half] = __fadd_rn(__fmul_rn(b, cs), __fmul_rn(a, sn));
        }
    }
}
static void rope(float *x, const int32_t *pos, int n, int h, int d, float theta, float sign) {
    size_t nn = (size_t)n * (d / 2);
    if (!nn || h <= 0) return;
    rope_kernel<<<cn_grid(nn, T256), T256>>>(x, pos, n, h, d, theta, sign);
    CN_LAUNCHED();
}
void cu_rope_fwd(float *x, const int32_t *pos, int n, int h, int d, float theta) { rope(x, pos, n, h, d, theta, 1); }
void cu_rope_bwd(float *dx, const int32_t *pos, int n, int h, int d, float theta) { rope(dx, pos, n, h, d, theta, -1); }

/* ---- SwiGLU, GELU ---- */
__global__ void swiglu_fwd_kernel(float *h, const float *g, const float *u, size_t n) {
    GRID_STRIDE(i, n) {
        float sg = 1.0f / (1.0f + expf(-g[i]));
        h[i] = __fmul_rn(__fmul_rn(g[i], sg), u[i]);
    }
}
void cu_swiglu_fwd(float *h, const float *g, const float *u, size_t n) {
    if (!n) return;
    swiglu_fwd_kernel<<<cn_grid(n, T256), T256>>>(h, g, u, n);
    CN_LAUNCHED();
}
__global__ void swiglu_bwd_kernel(float *dg, float *du, const float *dh, const float *g, const float *u, size_t n) {
    GRID_STRIDE(i, n) {
        float gi = g[i], sg = 1.0f / (1.0f + expf(-gi)), silu = __fmul_rn(gi, sg);
        float t = __fadd_rn(1.0f, __fmul_rn(gi, __fsub_rn(1.0f, sg)));
        float a = __fmul_rn(__fmul_rn(__fmul_rn(dh[i], u[i]), sg), t), b = __fmul_rn(dh[i], silu);
        dg[i] = a, du[i] = b; /* dg may be dh */
    }
}
void cu_swiglu_bwd(float *dg, float *du, const float *dh, const float *g, const float *u, size_t n) {
    if (!n) return;
    swiglu_bwd_kernel<<<cn_grid(n, T256), T256>>>(dg, du, dh, g, u, n);
    CN_LAUNCHED();
}

#include "erf_fast.h" /* the CPU's erf, so both backends' GELU agree to rounding */

__global__ void gelu_fwd_kernel(float *y, const float *x, size_t n) {
    GRID_STRIDE(i, n) y[i] = 0.5f * x[i] * (1.0f + erf_fast(x[i] * 0.70710678118654752440f));
}
void cu_gelu_fwd(float *y, const float *x, size_t n) {
    if (!n) return;
    gelu_fwd_kernel<<<cn_grid(n, T256), T256>>>(y, x, n);
    CN_LAUNCHED();
}
__global__ void gelu_bwd_kernel(float *dx, const float *dy, const float *x, size_t n) {
    GRID_STRIDE(i, n) {
        float xi = x[i], cdf = 0.5f * (1.0f + erf_fast(xi * 0.70710678118654752440f));
        float pdf = expf(-0.5f * xi * xi) * 0.39894228040143267794f;
        dx[i] = dy[i] * (cdf + xi * pdf);
    }
}
void cu_gelu_bwd(float *dx, const float *dy, const float *x, size_t n) {
    if (!n) return;
    gelu_bwd_kernel<<<cn_grid(n, T256), T256>>>(dx, dy, x, n);
    CN_LAUNCHED();
}

/* ---- dropout: the CPU's mask exactly (a splitmix64 hash of seed and
 * index; kept when its top 24 bits as a fraction are at least p) ---- */
__device__ __forceinline__ bool drop_keep(uint64_t seed, size_t i, float p) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return __fmul_rn((float)(z >> 40), (float)(1.0 / 16777216.0)) >= p;
}
__global__ void dropout_kernel(float *y, const float *x, size_t n, float p, float s, uint64_t seed) {
    GRID_STRIDE(i, n) y[i] = drop_keep(seed, i, p) ? __fmul_rn(x[i], s) : 0.0f;
}
void cu_dropout_fwd(float *y, const float *x, size_t n, float p, uint64_t seed) {
    if (!n) return;
    dropout_kernel<<<cn_grid(n, T256), T256>>>(y, x, n, p, 1.0f / (1.0f - p), seed);
    CN_LAUNCHED();
}
void cu_dropout_bwd(float *dx, const float *dy, size_t n, float p, uint64_t seed) { cu_dropout_fwd(dx, dy, n, p, seed); }

/* ---- bf16: round to nearest even, NaN kept a (quiet) NaN ---- */
__global__ void to_bf16_kernel(uint16_t *dst, const float *src, size_t n) {
    GRID_STRIDE(i, n) {
        uint32_t u = __float_as_uint(src[i]);
        dst[i] = (u & 0x7fffffffu) > 0x7f800000u ? (uint16_t)((u >> 16) | 0x40) : (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
    }
}
void cu_to_bf16(uint16_t *dst, const float *src, size_t n) {
    if (!n) return;
    to_bf16_kernel<<<cn_grid(n, T256), T256>>>(dst, src, n);
    CN_LAUNCHED();
}
