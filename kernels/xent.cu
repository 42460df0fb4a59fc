/* xent: softmax cross-entropy over logits [N, V] that starts the backward in
 * the same pass. A block per row reads the row twice: once for its max and
 * sum of exponentials (each thread a running max and sum over its columns,
 * combined in a fixed tree), once to overwrite it with the gradient of
 * scale x sum(loss); probabilities are never stored. Without the gradient
 * (GRAD false, evaluation) the row is read once and left as it is. The losses' sum is
 * then taken in double by one block in a fixed order and is the op's one
 * number back to the host. */
#include <math.h>
#include "cuda_common.cuh"

#define XENT_THREADS 512

template <bool GRAD>
__global__ void __launch_bounds__(XENT_THREADS) xent_kernel(float *logits, float *loss, const int32_t *targets, int v, float scale) {
    __shared__ float sh[32];
    float *x = logits + (size_t)blockIdx.x * v;
    int tg = targets[blockIdx.x];
    if (tg < 0 || tg >= v) { /* ignored: no loss, no gradient */
        if (GRAD)
            for (int j = threadIdx.x; j < v; j += blockDim.x) x[j] = 0;
        if (threadIdx.x == 0) loss[blockIdx.x] = 0;
        return;
    }
    float m = -INFINITY, s = 0;
    for (int j = threadIdx.x; j < v; j += blockDim.x) {
        float xj = x[j];
        if (xj > m) s = s * expf(m - xj), m = xj;
        s += xj == -INFINITY ? 0.f : expf(xj - m); /* -inf - -inf would be NaN */
    }
    float mx = block_max(m, sh, -INFINITY);
    float tot = block_sum(m == -INFINITY ? 0.f : s * expf(m - mx), sh);
    float lse = mx + logf(tot), xt = x[tg];
    __syncthreads(); /* every thread has read x[tg] before it is overwritten */
    for (int j = threadIdx.x; GRAD && j < v; j += blockDim.x) {
        float g = expf(x[j] - lse) * scale;
        x[j] = j == tg ? g - scale : g;
    }
    if (threadIdx.x == 0) loss[blockIdx.x] = lse - xt;
}

/* result[0] = the sum of x[0..n) in double: each thread its stride, then the tree */
__global__ void sum_f64_kernel(double *result, const float *x, int n) {
    __shared__ double sh[32];
    double s = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += (double)x[i];
    s = block_sum(s, sh);
    if (threadIdx.x == 0) result[0] = s;
}

double cu_xent_fwd_bwd(float *logits, float *loss, const int32_t *targets, int n, int v, float scale) {
    if (n <= 0) return 0;
    xent_kernel<true><<<n, XENT_THREADS>>>(logits, loss, targets, v, scale);
    CN_LAUNCHED();
    sum_f64_kernel<<<1, 1024>>>(cn_cuda.result, loss, n);
    CN_LAUNCHED();
    return cn_cuda_read_result();
}

double cu_xent_fwd(const float *logits, float *loss, const int32_t *targets, int n, int v) {
    if (n <= 0) return 0;
    xent_kernel<false><<<n, XENT_THREADS>>>(const_cast<float *>(logits), loss, targets, v, 0.f); /* read only */
    CN_LAUNCHED();
    sum_f64_kernel<<<1, 1024>>>(cn_cuda.result, loss, n);
    CN_LAUNCHED();
    return cn_cuda_read_result();
}
