/* gemm: matrix products. N tokens, in / out features.
 * Row-major C[M,N] is column-major C^T, so C = op(A) op(B) is computed by
 * cuBLAS as C^T = op(B)^T op(A)^T, operands swapped. fp32 storage and
 * accumulation (cublasSgemm; TF32 tensor cores when CN_CUDA_TF32=1);
 * matmul_bf16, mixed precision's product: bf16 operands on the tensor
 * cores, fp32 accumulation into fp32 C.
 * Decoding products of a few tokens (linear_f32, linear_bf16 with n <= 8)
 * are bound by the weights' bytes: one warp per output row reads the row
 * once for every token (bf16 rows 16 bytes a lane where aligned). bf16 weights with more tokens: x split into two bf16
 * halves (hi + lo, as the CPU's dpbf16 path), two bf16 products on the
 * tensor cores accumulated in fp32. */
#include "cuda_common.cuh"

__global__ void round_bf16_kernel(__nv_bfloat16 *dst, const float *src, size_t n) {
    GRID_STRIDE(i, n) dst[i] = __float2bfloat16_rn(src[i]);
}

void cu_matmul(float *c, const float *a, const float *b, int m, int n, int k, int ta, int tb, float alpha, float beta) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* nothing to sum: C = beta C, as BLAS (not left to cuBLAS) */
        if (beta == 0) CN_CUDA_CHECK(cudaMemsetAsync(c, 0, (size_t)m * n * sizeof *c, 0));
        else if (beta != 1) cu_scale(c, beta, (size_t)m * n);
        return;
    }
    int lda = ta ? m : k, ldb = tb ? k : n;
    CN_BLAS_CHECK(cublasSgemm(cn_cuda.blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, b,
                              ldb > 0 ? ldb : 1, a, lda > 0 ? lda : 1, &beta, c, n));
}

/* mixed precision: the fp32 operands rounded to bf16 into scratch (a bf16
 * one, a weight's copy, taken as it is), one bf16 product on the tensor
 * cores accumulating in fp32 into fp32 C */
void cu_matmul_bf16(float *c, const float *a, const uint16_t *a16, const float *b, const uint16_t *b16, int m, int n, int k, int ta,
                    int tb, float alpha, float beta) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* nothing to sum: C = beta C */
        cu_matmul(c, a, b, m, n, k, ta, tb, alpha, beta);
        return;
    }
    int lda = ta ? m : k, ldb = tb ? k : n;
    size_t na = (size_t)m * k, nb = (size_t)k * n, ha = a16 ? 0 : (na * 2 + 255) & ~(size_t)255, hb = b16 ? 0 : nb * 2;
    char *s = ha + hb ? (char *)cn_cuda_scratch(ha + hb) : NULL;
    const void *pa = a16, *pb = b16;
    if (!a16) {
        round_bf16_kernel<<<cn_grid(na, 256), 256>>>((__nv_bfloat16 *)s, a, na);
        CN_LAUNCHED();
        pa = s;
    }
    if (!b16) {
        round_bf16_kernel<<<cn_grid(nb, 256), 256>>>((__nv_bfloat16 *)(s + ha), b, nb);
        CN_LAUNCHED();
        pb = s + ha;
    }
    CN_BLAS_CHECK(cublasGemmEx(cn_cuda.blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, pb, CUDA_R_16BF,
                               ldb, pa, CUDA_R_16BF, lda, &beta, c, CUDA_R_32F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

#define FEW 8            /* tokens the row kernel takes */
#define FEW_WARPS 8      /* rows a block */

__device__ __forceinline__ float wval(const float *w, size_t i) { return w[i]; }
__device__ __forceinline__ float wval(const uint16_t *w, size_t i) { return __uint_as_float((uint32_t)w[i] << 16); }

/* y[t, r] = the sum of the warp's acc[t] + beta y[t, r], for the n tokens */
__device__ __forceinline__ void store_rows(float *y, const float *acc, int n, int out, int r, int lane, float beta) {
#pragma unroll
    for (int t = 0; t < FEW; t++) {
        if (t >= n) break;
        float s = warp_sum(acc[t]);
        if (lane == 0) {
            float *yt = y + (size_t)t * out + r;
            *yt = beta != 0 ? s + beta * *yt : s;
        }
    }
}

/* y[t, r] = dot(W[r], x[t]) + beta y[t, r]: warp per row r, lanes stride the
 * row, a fixed butterfly sums the lanes */
template <typename WT>
__global__ void __launch_bounds__(FEW_WARPS * 32) few_rows_kernel(float *y, const float *x, const WT *w, int n, int out, int in, float beta) {
    int r = blockIdx.x * FEW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (r >= out) return;
    const WT *wr = w + (size_t)r * in;
    float acc[FEW];
#pragma unroll
    for (int t = 0; t < FEW; t++) acc[t] = 0;
    for (int i = lane; i < in; i += 32) {
        float wv = wval(wr, i);
#pragma unroll
        for (int t = 0; t < FEW; t++)
            if (t < n) acc[t] += wv * x[(size_t)t * in + i];
    }
    store_rows(y, acc, n, out, r, lane, beta);
}

template <typename WT> static void few_rows(float *y, const float *x, const WT *w, int n, int out, int in, float beta) {
    few_rows_kernel<WT><<<(unsigned)cn_ceil_div((size_t)out, FEW_WARPS), FEW_WARPS * 32>>>(y, x, w, n, out, in, beta);
    CN_LAUNCHED();
}

/* the same for bf16 rows read 16 bytes (8 weights) a lane at a time, x as
 * two float4: rows of a multiple of 8 and 16-byte aligned operands (the
 * decoding step's matrices); the loads a warp makes are 512 bytes wide */
__global__ void __launch_bounds__(FEW_WARPS * 32) few_rows_bf16x8_kernel(float *y, const float *x, const uint16_t *w, int n, int out,
                                                                         int in, float beta) {
    int r = blockIdx.x * FEW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (r >= out) return;
    const uint4 *wr = (const uint4 *)(w + (size_t)r * in);
    int nv = in / 8;
    float acc[FEW];
#pragma unroll
    for (int t = 0; t < FEW; t++) acc[t] = 0;
    for (int v = lane; v < nv; v += 32) {
        uint4 pk = __ldg(wr + v);
        /* little-endian: a word's first bf16 is its low half */
        float wf[8] = {__uint_as_float(pk.x << 16), __uint_as_float(pk.x & 0xffff0000u), __uint_as_float(pk.y << 16),
                       __uint_as_float(pk.y & 0xffff0000u), __uint_as_float(pk.z << 16), __uint_as_float(pk.z & 0xffff0000u),
                       __uint_as_float(pk.w << 16), __uint_as_float(pk.w & 0xffff0000u)};
#pragma unroll
        for (int t = 0; t < FEW; t++) {
            if (t >= n) break;
            const float4 *xv = (const float4 *)(x + (size_t)t * in) + 2 * v;
            float4 a = xv[0], b = xv[1];
            acc[t] += wf[0] * a.x + wf[1] * a.y + wf[2] * a.z + wf[3] * a.w + wf[4] * b.x + wf[5] * b.y + wf[6] * b.z + wf[7] * b.w;
        }
    }
    store_rows(y, acc, n, out, r, lane, beta);
}

void cu_linear_f32(float *y, const float *x, const float *w, int n, int out, int in, float beta) {
    if (n <= 0 || out <= 0) return;
    if (n <= FEW) few_rows(y, x, w, n, out, in, beta);
    else cu_matmul(y, x, w, n, out, in, 0, 1, 1, beta);
}

/* x = hi + lo, both bf16 (what remains is below 2^-16 of x) */
__global__ void split_bf16_kernel(__nv_bfloat16 *hi, __nv_bfloat16 *lo, const float *x, size_t n) {
    GRID_STRIDE(i, n) {
        __nv_bfloat16 h = __float2bfloat16_rn(x[i]);
        hi[i] = h;
        lo[i] = isinf(__bfloat162float(h)) ? __float2bfloat16_rn(0.f) : __float2bfloat16_rn(x[i] - __bfloat162float(h)); /* not inf - inf */
    }
}

void cu_linear_bf16(float *y, const float *x, const uint16_t *w, int n, int out, int in, float beta) {
    if (n <= 0 || out <= 0) return;
    if (in <= 0) { /* y = beta y */
        cu_matmul(y, x, NULL, n, out, 0, 0, 1, 1, beta);
        return;
    }
    if (n <= FEW) {
        if (in % 8 == 0 && ((uintptr_t)x | (uintptr_t)w) % 16 == 0) {
            few_rows_bf16x8_kernel<<<(unsigned)cn_ceil_div((size_t)out, FEW_WARPS), FEW_WARPS * 32>>>(y, x, w, n, out, in, beta);
            CN_LAUNCHED();
        } else few_rows(y, x, w, n, out, in, beta);
        return;
    }
    size_t nx = (size_t)n * in, half = (nx * 2 + 255) & ~(size_t)255;
    __nv_bfloat16 *hi = (__nv_bfloat16 *)cn_cuda_scratch(2 * half), *lo = (__nv_bfloat16 *)((char *)hi + half);
    split_bf16_kernel<<<cn_grid(nx, 256), 256>>>(hi, lo, x, nx);
    CN_LAUNCHED();
    float one = 1;
    /* y^T [out, n] = W [out, in] x^T: W row-major is column-major [in, out], transposed */
    CN_BLAS_CHECK(cublasGemmEx(cn_cuda.blas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, w, CUDA_R_16BF, in, hi, CUDA_R_16BF, in,
                               &beta, y, CUDA_R_32F, out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    CN_BLAS_CHECK(cublasGemmEx(cn_cuda.blas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, w, CUDA_R_16BF, in, lo, CUDA_R_16BF, in,
                               &one, y, CUDA_R_32F, out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}
