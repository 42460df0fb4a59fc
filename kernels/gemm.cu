/* gemm: matrix products. N tokens, in / out features.
 * Row-major C[M,N] is column-major C^T, so C = op(A) op(B) is computed by
 * cuBLAS as C^T = op(B)^T op(A)^T, operands swapped. fp32 storage and
 * accumulation (cublasSgemm; TF32 tensor cores when CN_CUDA_TF32=1; with
 * CN_CUDA_MATMUL=bf16 both operands rounded to bf16 into scratch, then a
 * bf16 product on the tensor cores accumulating in fp32 into fp32 C).
 * Decoding products of a few tokens (linear_f32, linear_bf16 with n <= 8)
 * are bound by the weights' bytes: one warp per output row reads the row
 * once for every token. bf16 weights with more tokens: x split into two bf16
 * halves (hi + lo, as the CPU's dpbf16 path), two bf16 products on the
 * tensor cores accumulated in fp32. */
#include "cuda_common.cuh"

__global__ void round_bf16_kernel(__nv_bfloat16 *dst, const float *src, size_t n) {
    GRID_STRIDE(i, n) dst[i] = __float2bfloat16_rn(src[i]);
}

void cu_matmul(float *c, const float *a, const float *b, int m, int n, int k, int ta, int tb, float alpha, float beta) {
    if (m <= 0 || n <= 0) return;
    int lda = ta ? m : k, ldb = tb ? k : n;
    if (cn_cuda.bf16_products && k > 0) {
        size_t na = (size_t)m * k, nb = (size_t)k * n, ha = (na * 2 + 255) & ~(size_t)255;
        __nv_bfloat16 *a16 = (__nv_bfloat16 *)cn_cuda_scratch(ha + nb * 2), *b16 = (__nv_bfloat16 *)((char *)a16 + ha);
        round_bf16_kernel<<<cn_grid(na, 256), 256>>>(a16, a, na);
        CN_LAUNCHED();
        round_bf16_kernel<<<cn_grid(nb, 256), 256>>>(b16, b, nb);
        CN_LAUNCHED();
        CN_BLAS_CHECK(cublasGemmEx(cn_cuda.blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, b16,
                                   CUDA_R_16BF, ldb, a16, CUDA_R_16BF, lda, &beta, c, CUDA_R_32F, n, CUBLAS_COMPUTE_32F,
                                   CUBLAS_GEMM_DEFAULT));
        return;
    }
    CN_BLAS_CHECK(cublasSgemm(cn_cuda.blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, b,
                              ldb > 0 ? ldb : 1, a, lda > 0 ? lda : 1, &beta, c, n));
}

#define FEW 8            /* tokens the row kernel takes */
#define FEW_WARPS 8      /* rows a block */

__device__ __forceinline__ float wval(const float *w, size_t i) { return w[i]; }
__device__ __forceinline__ float wval(const uint16_t *w, size_t i) { return __uint_as_float((uint32_t)w[i] << 16); }

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

template <typename WT> static void few_rows(float *y, const float *x, const WT *w, int n, int out, int in, float beta) {
    few_rows_kernel<WT><<<(unsigned)cn_ceil_div((size_t)out, FEW_WARPS), FEW_WARPS * 32>>>(y, x, w, n, out, in, beta);
    CN_LAUNCHED();
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
        lo[i] = __float2bfloat16_rn(x[i] - __bfloat162float(h));
    }
}

void cu_linear_bf16(float *y, const float *x, const uint16_t *w, int n, int out, int in, float beta) {
    if (n <= 0 || out <= 0) return;
    if (n <= FEW) {
        few_rows(y, x, w, n, out, in, beta);
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
