/* ops_cuda: the CUDA backend's table, its memory, and cn_ops_cuda, the one
 * exported symbol. Tensors are fp32 in device memory (the interface's
 * storage); products go through cuBLAS, the rest through the kernels of this
 * directory. One device a process (a rank per GPU). matmul is fp32, or
 * TF32 on the tensor cores (fp32 operands, 10-bit mantissas) with
 * CN_CUDA_TF32=1 in the environment; matmul_bf16 is mixed precision's
 * (the model's choice: cn_model_set_precision). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cuda_common.cuh"

extern "C" {
#include "ops_cuda.h"
}

cn_cuda_state cn_cuda = {-1, 0, 0, NULL, NULL, 0, NULL};

void cn_cuda_fail(const char *what, const char *err, const char *file, int line) {
    char msg[512];
    snprintf(msg, sizeof msg, "CUDA error in %s: %s", what, err);
    cn_assert_fail(msg, file, line);
}

void *cn_cuda_scratch(size_t bytes) {
    bytes = (bytes + 255) & ~(size_t)255;
    if (bytes <= cn_cuda.scratch_bytes) return cn_cuda.scratch;
    if (cn_cuda.scratch) { /* after the work that uses it */
        CN_CUDA_CHECK(cudaDeviceSynchronize());
        CN_CUDA_CHECK(cudaFree(cn_cuda.scratch));
    }
    cn_cuda.scratch = NULL, cn_cuda.scratch_bytes = 0;
    size_t want = bytes + bytes / 4; /* room to grow a little without another round */
    if (cudaMalloc(&cn_cuda.scratch, want) != cudaSuccess) { /* near the memory's end: exactly what is asked */
        cudaGetLastError();
        want = bytes;
        CN_CUDA_CHECK(cudaMalloc(&cn_cuda.scratch, want));
    }
    cn_cuda.scratch_bytes = want;
    return cn_cuda.scratch;
}

double cn_cuda_read_result(void) {
    double r;
    CN_CUDA_CHECK(cudaMemcpy(&r, cn_cuda.result, sizeof r, cudaMemcpyDeviceToHost));
    return r;
}

/* ---- memory ---- */

static void *cu_alloc(size_t bytes) {
    void *p = NULL;
    if (cudaMalloc(&p, bytes ? bytes : 256) != cudaSuccess) {
        cudaGetLastError(); /* out of memory is the caller's to report */
        return NULL;
    }
    return p;
}
static void cu_free(void *p) { CN_CUDA_CHECK(cudaFree(p)); }
/* pageable host memory: the copies return when the host side is done with
 * (upload) or holds (download) the bytes, in order with the kernels */
static void cu_upload(void *dst, const void *src, size_t bytes) {
    if (bytes) CN_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}
static void cu_download(void *dst, const void *src, size_t bytes) {
    if (bytes) CN_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}
static void cu_zero(void *p, size_t bytes) {
    if (bytes) CN_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, 0));
}
static void cu_copy(void *dst, const void *src, size_t bytes) {
    if (bytes && dst != src) CN_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0));
}
static const char *cu_bf16_kernel(void) { return "cuda"; }

static const cn_ops cuda_ops = {
    .name = "cuda",
    .alloc = cu_alloc, .free = cu_free, .upload = cu_upload, .download = cu_download, .zero = cu_zero, .copy = cu_copy,
    .matmul = cu_matmul, .matmul_bf16 = cu_matmul_bf16, .add = cu_add, .bias_bwd = cu_bias_bwd, .bias_fwd = cu_bias_fwd, .fill_rows = cu_fill_rows,
    .rmsnorm_fwd = cu_rmsnorm_fwd, .rmsnorm_bwd = cu_rmsnorm_bwd,
    .layernorm_fwd = cu_layernorm_fwd, .layernorm_bwd = cu_layernorm_bwd,
    .rope_fwd = cu_rope_fwd, .rope_bwd = cu_rope_bwd,
    .attn_fwd = cu_attn_fwd, .attn_bwd = cu_attn_bwd,
    .swiglu_fwd = cu_swiglu_fwd, .swiglu_bwd = cu_swiglu_bwd,
    .gelu_fwd = cu_gelu_fwd, .gelu_bwd = cu_gelu_bwd,
    .embed_fwd = cu_embed_fwd, .embed_bwd = cu_embed_bwd,
    .xent_fwd_bwd = cu_xent_fwd_bwd, .xent_fwd = cu_xent_fwd,
    .adamw = cu_adamw, .sumsq = cu_sumsq, .scale = cu_scale,
    .dropout_fwd = cu_dropout_fwd, .dropout_bwd = cu_dropout_bwd,
    .linear_f32 = cu_linear_f32, .linear_bf16 = cu_linear_bf16, .embed_bf16_fwd = cu_embed_bf16_fwd, .to_bf16 = cu_to_bf16,
    .attn_cached_fwd = cu_attn_cached_fwd, .bf16_kernel = cu_bf16_kernel,
};

extern "C" int cn_cuda_devices(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return n;
}

extern "C" const cn_ops *cn_ops_cuda(int device) {
    if (cn_cuda.device >= 0) {
        if (device == cn_cuda.device) return &cuda_ops;
        return cn_fail(CN_EINVAL, "CUDA device %d: this process uses device %d already (one a process)", device, cn_cuda.device), nullptr;
    }
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return cn_fail(CN_EIO, "no usable NVIDIA GPU: the CUDA runtime found none (%s; nvidia-smi shows what the driver sees)",
                       cudaGetErrorString(e)), nullptr;
    }
    if (n < 1) return cn_fail(CN_EIO, "no usable NVIDIA GPU: the driver reports none (nvidia-smi shows what it sees)"), nullptr;
    if (device < 0 || device >= n) return cn_fail(CN_EINVAL, "CUDA device %d: this machine has %d (0 to %d)", device, n, n - 1), nullptr;
    cudaDeviceProp prop;
    if ((e = cudaSetDevice(device)) != cudaSuccess || (e = cudaGetDeviceProperties(&prop, device)) != cudaSuccess ||
        (e = cudaMalloc(&cn_cuda.result, 2 * sizeof(double))) != cudaSuccess) {
        cudaGetLastError();
        return cn_fail(CN_EIO, "CUDA device %d: %s", device, cudaGetErrorString(e)), nullptr;
    }
    cublasStatus_t s = cublasCreate(&cn_cuda.blas);
    if (s != CUBLAS_STATUS_SUCCESS) {
        cudaFree(cn_cuda.result);
        cn_cuda.result = NULL;
        return cn_fail(CN_EIO, "cuBLAS on CUDA device %d: %s", device, cublasGetStatusString(s)), nullptr;
    }
    cublasSetStream(cn_cuda.blas, 0);
    const char *tf32 = getenv("CN_CUDA_TF32");
    if (tf32 && strcmp(tf32, "1") == 0) cublasSetMathMode(cn_cuda.blas, CUBLAS_TF32_TENSOR_OP_MATH);
    cn_cuda.sms = prop.multiProcessorCount;
    cn_cuda.smem_optin = prop.sharedMemPerBlockOptin;
    cn_cuda.device = device;
    return &cuda_ops;
}
