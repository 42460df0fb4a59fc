/* bench_cuda: the GPU side of tests/cuda/device.sh.
 *   bench_cuda peak                         dense product peaks measured here with
 *                                           cuBLAS: bf16 (fp32 accumulation), TF32, fp32
 *   bench_cuda train CONFIG.json B T STEPS  training steps of the CUDA backend
 *                                           (forward, backward, gradient norm, AdamW)
 * Prints "name value" lines. Training: tokens/s after one untimed warm-up
 * step, FLOPs per token as llm.c counts them (6 x the parameters in products
 * + 12 L C T for attention) and the TFLOP/s they make, named ours_fp32_...
 * or, with CN_CUDA_MATMUL=bf16 (bf16 products), ours_bf16mm_... */
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "model.h"
#include "ops_cuda.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define CK(x)                                                                      \
    do {                                                                           \
        if ((x) != 0) {                                                            \
            fprintf(stderr, "bench_cuda: %s failed at line %d\n", #x, __LINE__);  \
            exit(1);                                                               \
        }                                                                          \
    } while (0)

/* TFLOP/s of an n^3 product: dtype bf16 (0), tf32 (1) or fp32 (2); the best of reps */
static double peak(int n, int kind) {
    cublasHandle_t h;
    CK(cublasCreate(&h));
    size_t el = kind == 0 ? 2 : 4;
    void *a, *b, *c;
    CK(cudaMalloc(&a, (size_t)n * n * el));
    CK(cudaMalloc(&b, (size_t)n * n * el));
    CK(cudaMalloc(&c, (size_t)n * n * 4));
    CK(cudaMemset(a, 0x3c, (size_t)n * n * el)); /* small finite values */
    CK(cudaMemset(b, 0x3c, (size_t)n * n * el));
    float one = 1, zero = 0;
    cudaDataType_t t = kind == 0 ? CUDA_R_16BF : CUDA_R_32F;
    cublasComputeType_t ct = kind == 0 ? CUBLAS_COMPUTE_32F : kind == 1 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    double best = 1e9;
    cudaEvent_t e0, e1;
    cudaEventCreate(&e0), cudaEventCreate(&e1);
    for (int r = 0; r < 6; r++) {
        int reps = 5;
        cudaEventRecord(e0, 0);
        for (int k = 0; k < reps; k++)
            CK(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, t, n, b, t, n, &zero, c, CUDA_R_32F, n, ct, CUBLAS_GEMM_DEFAULT));
        cudaEventRecord(e1, 0);
        CK(cudaEventSynchronize(e1));
        float ms;
        cudaEventElapsedTime(&ms, e0, e1);
        if (r > 0 && ms / reps < best) best = ms / reps; /* the first: warm-up */
    }
    cudaFree(a), cudaFree(b), cudaFree(c);
    cublasDestroy(h);
    return 2.0 * n * n * n / (best * 1e-3) / 1e12;
}

int main(int argc, char **argv) {
    if (cn_cuda_devices() < 1) {
        printf("bench_cuda: skipped: no CUDA device\n");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "peak") == 0) {
        printf("bf16_dense_tflops %.1f\n", peak(8192, 0));
        printf("tf32_dense_tflops %.1f\n", peak(8192, 1));
        printf("fp32_dense_tflops %.1f\n", peak(4096, 2));
        return 0;
    }
    if (argc != 6 || strcmp(argv[1], "train") != 0) {
        fprintf(stderr, "usage: bench_cuda peak | bench_cuda train CONFIG.json B T STEPS\n");
        return 2;
    }
    cn_config c;
    if (cn_config_load(argv[2], &c)) {
        fprintf(stderr, "bench_cuda: %s\n", cn_errmsg());
        return 1;
    }
    int b = atoi(argv[3]), t = atoi(argv[4]), steps = atoi(argv[5]), n = b * t;
    const cn_ops *ops = cn_ops_cuda(0);
    cn_model *m = ops ? cn_model_new(&c, ops) : NULL;
    if (!m || cn_model_batch(m, b, t)) {
        fprintf(stderr, "bench_cuda: %s\n", cn_errmsg());
        return 1;
    }
    cn_model_init_random(m, 1, 0.02f);
    int32_t *ids = malloc((size_t)n * 4), *tg = malloc((size_t)n * 4);
    uint64_t s = 12345;
    for (int i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        ids[i] = (int32_t)((s >> 33) % (uint64_t)c.vocab);
    }
    for (int i = 0; i < n; i++) tg[i] = i % t == t - 1 ? -1 : ids[i + 1];
    cn_batch bt = {.ids = ids, .targets = tg};
    double t0 = 0, loss = 0;
    for (int k = 0; k <= steps; k++) {
        if (k == 1) t0 = now();
        cn_model_zero_grad(m);
        if (cn_model_forward(m, &bt, &loss) || cn_model_backward(m, NULL)) {
            fprintf(stderr, "bench_cuda: %s\n", cn_errmsg());
            return 1;
        }
        double gn = cn_model_grad_norm(m); /* a sync point each step, as in training */
        if (gn > 1) cn_model_scale_grad(m, (float)(1 / gn));
        cn_model_adamw(m, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, k + 1);
    }
    cudaDeviceSynchronize();
    double dt = now() - t0;
    double C = c.d_model, F = c.d_ff, L = c.n_layer, V = c.vocab, H = c.n_head, KV = c.n_kv_head, D = c.head_dim;
    double layer = C * H * D * 2 + 2 * C * KV * D + 3 * C * F, fpt = 6 * (L * layer + V * C) + 12 * L * C * t;
    double tps = (double)n * steps / dt;
    size_t freeb, total;
    cudaMemGetInfo(&freeb, &total);
    const char *mm = getenv("CN_CUDA_MATMUL"), *k = mm && strcmp(mm, "bf16") == 0 ? "ours_bf16mm" : "ours_fp32";
    printf("params %.0f\n", (double)cn_config_params(&c));
    printf("flops_per_token %.0f\n", fpt);
    printf("%s_tokens_per_s %.0f\n", k, tps);
    printf("%s_tflops %.2f\n", k, tps * fpt / 1e12);
    printf("%s_step_ms %.1f\n", k, dt / steps * 1e3);
    printf("%s_loss %.4f\n", k, loss);
    printf("%s_gpu_memory_used_gib %.2f\n", k, (total - freeb) / 1073741824.0);
    cn_model_free(m);
    free(ids), free(tg);
    return 0;
}
