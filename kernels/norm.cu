/* norm: RMSNorm and LayerNorm, forward and backward. N rows, C channels.
 * A block per row; its sums are block_sum's fixed tree. The weight (and
 * bias) gradients sum rows in fixed chunks of CN_ROWS_PER_CHUNK, each chunk
 * in row order, then the chunks in order, no atomics: the CPU's order, so
 * the same bits whatever the schedule (and the CPU's bits for the same dy). */
#include "cuda_common.cuh"

/* out[j] += part[0, j] + part[1, j] + ... in order */
__global__ void chunk_finish_kernel(float *out, const float *part, int nch, int c) {
    GRID_STRIDE(j, (size_t)c) {
        float s = out[j];
        for (int k = 0; k < nch; k++) s = __fadd_rn(s, part[(size_t)k * c + j]);
        out[j] = s;
    }
}
void cu_chunk_colsum_finish(float *out, const float *part, int nch, int c) {
    chunk_finish_kernel<<<cn_grid((size_t)c, 256), 256>>>(out, part, nch, c);
    CN_LAUNCHED();
}

/* ---- RMSNorm: y = w * (x * rstd), rstd = 1 / sqrt(mean(x^2) + eps) ---- */
__global__ void rmsnorm_fwd_kernel(float *y, float *rstd, const float *x, const float *w, int c, float eps) {
    __shared__ float sh[32];
    const float *xi = x + (size_t)blockIdx.x * c;
    float ss = 0;
    for (int j = threadIdx.x; j < c; j += blockDim.x) ss += xi[j] * xi[j];
    ss = block_sum(ss, sh);
    float r = 1.0f / sqrtf(ss / (float)c + eps);
    if (threadIdx.x == 0) rstd[blockIdx.x] = r;
    float *yi = y + (size_t)blockIdx.x * c;
    for (int j = threadIdx.x; j < c; j += blockDim.x) yi[j] = __fmul_rn(w[j], __fmul_rn(xi[j], r));
}
void cu_rmsnorm_fwd(float *y, float *rstd, const float *x, const float *w, int n, int c, float eps) {
    if (n <= 0 || c <= 0) return;
    rmsnorm_fwd_kernel<<<n, cn_row_threads(c)>>>(y, rstd, x, w, c, eps);
    CN_LAUNCHED();
}

/* dx = rstd (dy w - x rstd mean(dy w x rstd)) */
__global__ void rmsnorm_dx_kernel(float *dx, const float *dy, const float *x, const float *w, const float *rstd, int c) {
    __shared__ float sh[32];
    size_t row = (size_t)blockIdx.x * c;
    const float *xi = x + row, *dyi = dy + row;
    float r = rstd[blockIdx.x], dot = 0;
    for (int j = threadIdx.x; j < c; j += blockDim.x) dot += dyi[j] * w[j] * xi[j] * r;
    dot = block_sum(dot, sh) / (float)c;
    for (int j = threadIdx.x; j < c; j += blockDim.x) dx[row + j] = r * (dyi[j] * w[j] - xi[j] * r * dot);
}
/* part[k, j] = sum over chunk k's rows of dy x rstd, in order */
__global__ void rmsnorm_dw_kernel(float *part, const float *dy, const float *x, const float *rstd, int n, int c, int nch) {
    GRID_STRIDE(idx, (size_t)nch * c) {
        int k = (int)(idx / c), j = (int)(idx % c), i1 = min(n, (k + 1) * CN_ROWS_PER_CHUNK);
        float s = 0;
        for (int i = k * CN_ROWS_PER_CHUNK; i < i1; i++) {
            size_t a = (size_t)i * c + j;
            s = __fadd_rn(s, __fmul_rn(__fmul_rn(dy[a], x[a]), rstd[i]));
        }
        part[idx] = s;
    }
}
void cu_rmsnorm_bwd(float *dx, float *dw, const float *dy, const float *x, const float *w, const float *rstd, int n, int c) {
    if (n <= 0 || c <= 0) return;
    int nch = (n + CN_ROWS_PER_CHUNK - 1) / CN_ROWS_PER_CHUNK;
    float *part = (float *)cn_cuda_scratch((size_t)nch * c * sizeof(float));
    rmsnorm_dw_kernel<<<cn_grid((size_t)nch * c, 256), 256>>>(part, dy, x, rstd, n, c, nch);
    CN_LAUNCHED();
    cu_chunk_colsum_finish(dw, part, nch, c);
    rmsnorm_dx_kernel<<<n, cn_row_threads(c)>>>(dx, dy, x, w, rstd, c);
    CN_LAUNCHED();
}

/* ---- LayerNorm: y = (x - mean) rstd w + b, the variance about the mean ---- */
__global__ void layernorm_fwd_kernel(float *y, float *mean, float *rstd, const float *x, const float *w, const float *b, int c, float eps) {
    __shared__ float sh[32];
    size_t row = (size_t)blockIdx.x * c;
    const float *xi = x + row;
    float s = 0;
    for (int j = threadIdx.x; j < c; j += blockDim.x) s += xi[j];
    float m = block_sum(s, sh) / (float)c, var = 0;
    for (int j = threadIdx.x; j < c; j += blockDim.x) var += (xi[j] - m) * (xi[j] - m);
    var = block_sum(var, sh);
    float r = 1.0f / sqrtf(var / (float)c + eps);
    if (threadIdx.x == 0) mean[blockIdx.x] = m, rstd[blockIdx.x] = r;
    for (int j = threadIdx.x; j < c; j += blockDim.x) y[row + j] = (xi[j] - m) * r * w[j] + b[j];
}
void cu_layernorm_fwd(float *y, float *mean, float *rstd, const float *x, const float *w, const float *b, int n, int c, float eps) {
    if (n <= 0 || c <= 0) return;
    layernorm_fwd_kernel<<<n, cn_row_threads(c)>>>(y, mean, rstd, x, w, b, c, eps);
    CN_LAUNCHED();
}

/* dx = rstd (dy w - mean(dy w) - xhat mean(dy w xhat)) */
__global__ void layernorm_dx_kernel(float *dx, const float *dy, const float *x, const float *w, const float *mean, const float *rstd, int c) {
    __shared__ float sh[32];
    size_t row = (size_t)blockIdx.x * c;
    const float *xi = x + row, *dyi = dy + row;
    float m = mean[blockIdx.x], r = rstd[blockIdx.x], sg = 0, sgx = 0;
    for (int j = threadIdx.x; j < c; j += blockDim.x) {
        float xh = (xi[j] - m) * r, g = dyi[j] * w[j];
        sg += g;
        sgx += g * xh;
    }
    sg = block_sum(sg, sh) / (float)c;
    sgx = block_sum(sgx, sh) / (float)c;
    for (int j = threadIdx.x; j < c; j += blockDim.x) {
        float xh = (xi[j] - m) * r;
        dx[row + j] = r * (dyi[j] * w[j] - sg - xh * sgx);
    }
}
/* part[k, 0..c) = chunk k's sum of dy xhat, part[k, c..2c) of dy */
__global__ void layernorm_dwb_kernel(float *part, const float *dy, const float *x, const float *mean, const float *rstd, int n, int c, int nch) {
    GRID_STRIDE(idx, (size_t)nch * c) {
        int k = (int)(idx / c), j = (int)(idx % c), i1 = min(n, (k + 1) * CN_ROWS_PER_CHUNK);
        float sw = 0, sb = 0;
        for (int i = k * CN_ROWS_PER_CHUNK; i < i1; i++) {
            size_t a = (size_t)i * c + j;
            float xh = __fmul_rn(__fsub_rn(x[a], mean[i]), rstd[i]);
            sw = __fadd_rn(sw, __fmul_rn(dy[a], xh));
            sb = __fadd_rn(sb, dy[a]);
        }
        part[(size_t)k * 2 * c + j] = sw;
        part[(size_t)k * 2 * c + c + j] = sb;
    }
}
/* out_w[j] += part[k, j], out_b[j] += part[k, c + j], k in order */
__global__ void layernorm_finish_kernel(float *dw, float *db, const float *part, int nch, int c) {
    GRID_STRIDE(j, (size_t)c) {
        float sw = dw[j], sb = db[j];
        for (int k = 0; k < nch; k++) {
            sw = __fadd_rn(sw, part[(size_t)k * 2 * c + j]);
            sb = __fadd_rn(sb, part[(size_t)k * 2 * c + c + j]);
        }
        dw[j] = sw, db[j] = sb;
    }
}
void cu_layernorm_bwd(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, const float *mean,
                      const float *rstd, int n, int c) {
    if (n <= 0 || c <= 0) return;
    int nch = (n + CN_ROWS_PER_CHUNK - 1) / CN_ROWS_PER_CHUNK;
    float *part = (float *)cn_cuda_scratch((size_t)nch * 2 * c * sizeof(float));
    layernorm_dwb_kernel<<<cn_grid((size_t)nch * c, 256), 256>>>(part, dy, x, mean, rstd, n, c, nch);
    CN_LAUNCHED();
    layernorm_finish_kernel<<<cn_grid((size_t)c, 256), 256>>>(dw, db, part, nch, c);
    CN_LAUNCHED();
    layernorm_dx_kernel<<<n, cn_row_threads(c)>>>(dx, dy, x, w, mean, rstd, c);
    CN_LAUNCHED();
}
