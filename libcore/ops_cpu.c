/* ops_cpu: the CPU backend, the kernels of ops_cpu_impl.h in fp32 with
 * OpenBLAS sgemm and OpenMP. */
#include <stdlib.h>
#include <string.h>
#include "ops.h"

#define REAL float
#define SFX _f
#define GEMM cblas_sgemm
#define OPS_FAST_ERF
#include "ops_cpu_impl.h"

static void *cpu_alloc(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64)) return NULL;
    return p;
}
static void cpu_free(void *p) { free(p); }
static void cpu_copy(void *dst, const void *src, size_t bytes) { memcpy(dst, src, bytes); }
static void cpu_zero(void *p, size_t bytes) { memset(p, 0, bytes); }

static const cn_ops cpu = {
    .name = "cpu",
    .alloc = cpu_alloc, .free = cpu_free, .upload = cpu_copy, .download = cpu_copy, .zero = cpu_zero,
    .matmul = matmul_f, .add = add_f, .bias_bwd = bias_bwd_f, .bias_fwd = bias_fwd_f, .fill_rows = fill_rows_f,
    .rmsnorm_fwd = rmsnorm_fwd_f, .rmsnorm_bwd = rmsnorm_bwd_f,
    .layernorm_fwd = layernorm_fwd_f, .layernorm_bwd = layernorm_bwd_f,
    .rope_fwd = rope_fwd_f, .rope_bwd = rope_bwd_f,
    .attn_fwd = attn_fwd_f, .attn_bwd = attn_bwd_f,
    .swiglu_fwd = swiglu_fwd_f, .swiglu_bwd = swiglu_bwd_f,
    .gelu_fwd = gelu_fwd_f, .gelu_bwd = gelu_bwd_f,
    .embed_fwd = embed_fwd_f, .embed_bwd = embed_bwd_f,
    .xent_fwd_bwd = xent_fwd_bwd_f,
    .adamw = adamw_f, .sumsq = sumsq_f, .scale = scale_f,
};

const cn_ops *cn_ops_cpu(void) { return &cpu; }
