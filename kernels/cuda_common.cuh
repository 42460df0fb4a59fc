/* cuda_common: what the CUDA backend's files share: the backend's state (one
 * device a process, the legacy default stream, one cuBLAS handle, a scratch
 * buffer), error checks, launch sizes and deterministic block reductions.
 * Private to kernels/; libcore/nn/ops_cuda.h is the public side.
 *
 * Streams: every kernel, cuBLAS call and copy goes to the legacy default
 * stream (0), so they run in issue order and NCCL (dist_nccl.cu) can join it. */
#ifndef CN_CUDA_COMMON_CUH
#define CN_CUDA_COMMON_CUH
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "log.h"
#include "ops.h"
}

/* the backend's state */
struct cn_cuda_state {
    int device;           /* -1 until cn_ops_cuda */
    int sms;              /* multiprocessors */
    size_t smem_optin;    /* shared memory a block may have, bytes */
    cublasHandle_t blas;
    void *scratch;        /* cn_cuda_scratch's buffer */
    size_t scratch_bytes;
    double *result;       /* device: the scalar an op returns */
};
extern cn_cuda_state cn_cuda;

/* A failed CUDA or cuBLAS call inside an op: the op has no status to
 * return, and a device fault leaves the context unusable, so this is
 * reported as a broken invariant (file, line, the call, the error) and the
 * process aborts. Allocation failures are not this: alloc returns NULL. */
void cn_cuda_fail(const char *what, const char *err, const char *file, int line) __attribute__((noreturn));
#define CN_CUDA_CHECK(call)                                                              \
    do {                                                                                 \
        cudaError_t e_ = (call);                                                         \
        if (e_ != cudaSuccess) cn_cuda_fail(#call, cudaGetErrorString(e_), __FILE__, __LINE__); \
    } while (0)
#define CN_BLAS_CHECK(call)                                                                \
    do {                                                                                   \
        cublasStatus_t s_ = (call);                                                        \
        if (s_ != CUBLAS_STATUS_SUCCESS) cn_cuda_fail(#call, cublasGetStatusString(s_), __FILE__, __LINE__); \
    } while (0)
/* after a launch: a bad configuration shows at once (faults show later, at
 * the next copy) */
#define CN_LAUNCHED() CN_CUDA_CHECK(cudaGetLastError())

/* Device memory for one op's temporaries, at least bytes (256-aligned),
 * valid until the next call; grows (never shrinks) as needed. */
void *cn_cuda_scratch(size_t bytes);
/* The op's one number back to the host: cn_cuda.result[0], after the work
 * before it (a synchronizing copy of 8 bytes). */
double cn_cuda_read_result(void);

/* blocks for a grid-stride loop over n items: enough to fill the device,
 * no more than the items need */
static inline unsigned cn_grid(size_t n, int threads) {
    size_t want = (n + (size_t)threads - 1) / (size_t)threads, cap = (size_t)(cn_cuda.sms > 0 ? cn_cuda.sms : 80) * 16;
    if (want < 1) want = 1;
    return (unsigned)(want < cap ? want : cap);
}
static inline size_t cn_ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

#define GRID_STRIDE(i, n) for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

/* ---- deterministic reductions: a fixed butterfly in each warp, then the
 * warps' sums in index order; every thread gets the same bits ---- */
template <typename T> __device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
template <typename T> __device__ __forceinline__ T warp_max(T v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
/* blockDim.x a multiple of 32; sh holds 32 values; every thread calls it */
template <typename T> __device__ T block_sum(T v, T *sh) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads(); /* sh may still be read by a previous call */
    if (lane == 0) sh[w] = v;
    __syncthreads();
    T s = lane < nw ? sh[lane] : T(0);
    return warp_sum(s);
}
template <typename T> __device__ T block_max(T v, T *sh, T lowest) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) sh[w] = v;
    __syncthreads();
    T s = lane < nw ? sh[lane] : lowest;
    return warp_max(s);
}

/* threads for a block per row of c columns: one warp per 32 columns up to 256 */
static inline int cn_row_threads(int c) {
    int t = (c + 31) / 32 * 32;
    return t < 32 ? 32 : t > 256 ? 256 : t;
}

/* ---- the ops, by file (each defined in the file named) ---- */
/* gemm.cu */
void cu_matmul(float *c, const float *a, const float *b, int m, int n, int k, int ta, int tb, float alpha, float beta);
void cu_matmul_bf16(float *c, const float *a, const uint16_t *a16, const float *b, const uint16_t *b16, int m, int n, int k, int ta,
                    int tb, float alpha, float beta);
void cu_linear_f32(float *y, const float *x, const float *w, int n, int out, int in, float beta);
void cu_linear_bf16(float *y, const float *x, const uint16_t *w, int n, int out, int in, float beta);
/* pointwise.cu */
void cu_add(float *y, const float *x, size_t n);
void cu_scale(float *x, float s, size_t n);
void cu_bias_fwd(float *y, const float *b, int n, int c);
void cu_bias_bwd(float *db, const float *dy, int n, int c);
void cu_fill_rows(float *y, const float *b, int n, int c);
void cu_rope_fwd(float *x, const int32_t *pos, int n, int h, int d, float theta);
void cu_rope_bwd(float *dx, const int32_t *pos, int n, int h, int d, float theta);
void cu_swiglu_fwd(float *h, const float *g, const float *u, size_t n);
void cu_swiglu_bwd(float *dg, float *du, const float *dh, const float *g, const float *u, size_t n);
void cu_gelu_fwd(float *y, const float *x, size_t n);
void cu_gelu_bwd(float *dx, const float *dy, const float *x, size_t n);
void cu_dropout_fwd(float *y, const float *x, size_t n, float p, uint64_t seed);
void cu_dropout_bwd(float *dx, const float *dy, size_t n, float p, uint64_t seed);
void cu_to_bf16(uint16_t *dst, const float *src, size_t n);
/* norm.cu */
void cu_rmsnorm_fwd(float *y, float *rstd, const float *x, const float *w, int n, int c, float eps);
void cu_rmsnorm_bwd(float *dx, float *dw, const float *dy, const float *x, const float *w, const float *rstd, int n, int c);
void cu_layernorm_fwd(float *y, float *mean, float *rstd, const float *x, const float *w, const float *b, int n, int c, float eps);
void cu_layernorm_bwd(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, const float *mean,
                      const float *rstd, int n, int c);
/* column sums of fixed row chunks, then the chunks in order, added into out
 * (norm.cu; the bias gradient and the norms' weight gradients) */
#define CN_ROWS_PER_CHUNK 32
void cu_chunk_colsum_finish(float *out, const float *part, int nch, int c);
/* attention.cu */
void cu_attn_fwd(float *o, float *lse, const float *q, const float *k, const float *v, int b, int t, int hq, int hkv, int d,
                 const cn_attn_mask *mask);
void cu_attn_bwd(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k, const float *v, const float *o,
                 const float *lse, int b, int t, int hq, int hkv, int d, const cn_attn_mask *mask);
void cu_attn_cached_fwd(float *o, const float *q, const float *kc, const float *vc, int n, int past, int hq, int hkv, int d);
/* embed.cu */
void cu_embed_fwd(float *out, const float *table, const int32_t *ids, int n, int c, int accumulate);
void cu_embed_bwd(float *dtable, const float *dout, const int32_t *ids, int n, int c, int vocab);
void cu_embed_bf16_fwd(float *out, const uint16_t *table, const int32_t *ids, int n, int c);
/* xent.cu */
double cu_xent_fwd_bwd(float *logits, float *loss, const int32_t *targets, int n, int v, float scale);
double cu_xent_fwd(const float *logits, float *loss, const int32_t *targets, int n, int v);
/* optim.cu */
void cu_adamw(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2, float eps, float wd,
              int64_t step);
double cu_sumsq(const float *x, size_t n);
#endif
