/* optim: AdamW on fp32 master weights, and the gradient's sum of squares.
 * AdamW does the CPU kernel's float operations in its order (no fused
 * multiply-adds), with the same host-computed step constants, so the two
 * backends take the same step from the same gradient, bit for bit. */
#include <math.h>
#include "cuda_common.cuh"

__global__ void adamw_kernel(float *p, const float *g, float *m, float *v, size_t n, float b1c, float beta2, float b2c, float eps,
                             float step_size, float bc2_sqrt, float decay) {
    GRID_STRIDE(i, n) {
        float pi = __fmul_rn(p[i], decay), gi = g[i];
        float mi = __fadd_rn(m[i], __fmul_rn(__fsub_rn(gi, m[i]), b1c));
        float vi = __fadd_rn(__fmul_rn(v[i], beta2), __fmul_rn(__fmul_rn(b2c, gi), gi));
        float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), bc2_sqrt), eps);
        p[i] = __fsub_rn(pi, __fdiv_rn(__fmul_rn(step_size, mi), denom));
        m[i] = mi, v[i] = vi;
    }
}

void cu_adamw(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2, float eps, float wd,
              int64_t step) {
    if (!n) return;
    /* as ops_cpu_impl.h: float powf and sqrtf on the host */
    float bc1 = 1 - powf(beta1, (float)step), bc2 = 1 - powf(beta2, (float)step);
    float step_size = lr / bc1, bc2_sqrt = sqrtf(bc2), decay = 1 - lr * wd;
    adamw_kernel<<<cn_grid(n, 256), 256>>>(p, g, m, v, n, 1 - beta1, beta2, 1 - beta2, eps, step_size, bc2_sqrt, decay);
    CN_LAUNCHED();
}

/* chunks of SUMSQ_CHUNK values, as the CPU's: a block each, its threads'
 * double sums in a fixed tree; then the chunks in order by one thread */
#define SUMSQ_CHUNK 65536
__global__ void sumsq_chunk_kernel(double *part, const float *x, size_t n) {
    __shared__ double sh[32];
    size_t k = blockIdx.x, i0 = k * SUMSQ_CHUNK, i1 = i0 + SUMSQ_CHUNK < n ? i0 + SUMSQ_CHUNK : n;
    double s = 0;
    for (size_t i = i0 + threadIdx.x; i < i1; i += blockDim.x) s += (double)x[i] * (double)x[i];
    s = block_sum(s, sh);
    if (threadIdx.x == 0) part[k] = s;
}
__global__ void sumsq_finish_kernel(double *result, const double *part, size_t nch) {
    double s = 0;
    for (size_t k = 0; k < nch; k++) s += part[k];
    result[0] = s;
}

double cu_sumsq(const float *x, size_t n) {
    if (!n) return 0;
    size_t nch = (n + SUMSQ_CHUNK - 1) / SUMSQ_CHUNK;
    double *part = (double *)cn_cuda_scratch(nch * sizeof(double));
    sumsq_chunk_kernel<<<(unsigned)nch, 256>>>(part, x, n);
    CN_LAUNCHED();
    sumsq_finish_kernel<<<1, 1>>>(cn_cuda.result, part, nch);
    CN_LAUNCHED();
    return cn_cuda_read_result();
}
