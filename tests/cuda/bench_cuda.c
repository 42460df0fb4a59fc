/* bench_cuda: the GPU side of tests/cuda/device.sh.
 *   bench_cuda peak                         dense product peaks measured here with
 *                                           cuBLAS: bf16 (fp32 accumulation), TF32, fp32
 *   bench_cuda train CONFIG.json B T STEPS [fp32|bf16]
 *                                           training steps of the CUDA backend
 *                                           (forward, backward, gradient norm, AdamW)
 *                                           in that precision (cn_model_set_precision)
 *   bench_cuda decode CONFIG.json PROMPT STEPS
 *                                           batch-1 decoding (cn_gen, bf16 weights,
 *                                           random) after a PROMPT-token prefill
 * Prints "name value" lines. Training: tokens/s after one untimed warm-up
 * step, FLOPs per token as llm.c counts them (6 x the parameters in products
 * + 12 L C T for attention) and the TFLOP/s they make, named ours_fp32_... or
 * ours_bf16_... Decoding: tokens/s, the weight bytes a token reads, the
 * device's copy bandwidth (a 2 GiB device-to-device copy: read + write), and
 * the bound they make (bandwidth / bytes a token) and our fraction of it. */
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "gen.h"
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

/* bytes/s of a device-to-device copy (each byte read and written) */
static double copy_bandwidth(void) {
    size_t n = (size_t)2 << 30;
    void *a, *b;
    CK(cudaMalloc(&a, n));
    CK(cudaMalloc(&b, n));
    CK(cudaMemset(a, 1, n));
    cudaEvent_t e0, e1;
    cudaEventCreate(&e0), cudaEventCreate(&e1);
    double best = 1e9;
    for (int r = 0; r < 6; r++) {
        cudaEventRecord(e0, 0);
        CK(cudaMemcpy(b, a, n, cudaMemcpyDeviceToDevice));
        cudaEventRecord(e1, 0);
        CK(cudaEventSynchronize(e1));
        float ms;
        cudaEventElapsedTime(&ms, e0, e1);
        if (r > 0 && ms < best) best = ms;
    }
    cudaFree(a), cudaFree(b);
    return 2.0 * n / (best * 1e-3);
}

/* a LLaMA of config c with random weights (a tiled block of normal-ish
 * values: the values do not matter to the speed), decoded in bf16 */
static int decode(const cn_config *c, int prompt, int steps) {
    double bw = copy_bandwidth();
    const cn_ops *ops = cn_ops_cuda(0);
    cn_model *m = ops ? cn_model_new(c, ops) : NULL;
    if (!m) return fprintf(stderr, "bench_cuda: %s\n", cn_errmsg()), 1;
    for (int i = 0; i < cn_model_nparams(m); i++) cn_model_set_trainable(m, i, 0);
    if (cn_model_commit_trainable(m)) return fprintf(stderr, "bench_cuda: %s\n", cn_errmsg()), 1; /* no gradients */
    size_t tile = (size_t)1 << 22, big = 0;
    for (int i = 0; i < cn_model_nparams(m); i++) big = cn_model_param(m, i)->n > big ? cn_model_param(m, i)->n : big;
    float *h = malloc(big * sizeof *h);
    uint64_t s = 99;
    for (size_t k = 0; k < tile && k < big; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        h[k] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5) * 0.05f;
    }
    for (size_t k = tile; k < big; k++) h[k] = h[k % tile];
    float *ones = malloc((size_t)c->d_model * sizeof *ones);
    for (int k = 0; k < c->d_model; k++) ones[k] = 1;
    for (int i = 0; i < cn_model_nparams(m); i++) cn_model_set(m, i, cn_model_param(m, i)->ndim == 1 ? ones : h); /* norms one */
    free(h), free(ones);
    cn_gen *g = cn_gen_new(m, prompt + steps + 1, CN_GEN_BF16);
    cn_model_free(m); /* the decoder has its own bf16 copy */
    if (!g) return fprintf(stderr, "bench_cuda: %s\n", cn_errmsg()), 1;
    int32_t *ids = malloc((size_t)(prompt + 1) * sizeof *ids);
    for (int i = 0; i <= prompt; i++) ids[i] = (int32_t)((i * 7919 + 13) % c->vocab);
    float *logits = malloc((size_t)c->vocab * sizeof *logits);
    double t0 = now();
    if (cn_gen_feed(g, ids, prompt, logits, 0)) return fprintf(stderr, "bench_cuda: %s\n", cn_errmsg()), 1;
    double t1 = now();
    int32_t tok = ids[prompt];
    for (int k = 0; k < steps; k++) {
        if (k == 1) t1 = now(); /* the first step: warm-up */
        if (cn_gen_feed(g, &tok, 1, logits, 0)) return fprintf(stderr, "bench_cuda: %s\n", cn_errmsg()), 1;
        int best = 0; /* greedy, as a generation loop would: the logits are on the host */
        for (int v = 1; v < c->vocab; v++) best = logits[v] > logits[best] ? v : best;
        tok = best;
    }
    double dt = now() - t1, tps = (steps - 1) / dt, bytes = (double)cn_gen_weight_bytes(g);
    printf("decode_params %.0f\n", (double)cn_config_params(c));
    printf("decode_prefill_tokens_per_s %.0f\n", prompt / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
    printf("decode_tokens_per_s %.1f\n", tps);
    printf("decode_weight_gib_per_token %.3f\n", bytes / 1073741824.0);
    printf("copy_bandwidth_gbs %.0f\n", bw / 1e9);
    printf("decode_bound_tokens_per_s %.1f\n", bw / bytes);
    printf("decode_fraction_of_bound %.3f\n", tps * bytes / bw);
    cn_gen_free(g);
    free(ids), free(logits);
    return 0;
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
    int train = argc >= 6 && argc <= 7 && strcmp(argv[1], "train") == 0, dec = argc == 5 && strcmp(argv[1], "decode") == 0;
    cn_precision prec = CN_PREC_FP32;
    if ((!train && !dec) || (train && argc == 7 && cn_precision_parse(argv[6], &prec))) {
        fprintf(stderr, "usage: bench_cuda peak | bench_cuda train CONFIG.json B T STEPS [fp32|bf16] | bench_cuda decode CONFIG.json PROMPT STEPS\n");
        return 2;
    }
    cn_config c;
    if (cn_config_load(argv[2], &c)) {
        fprintf(stderr, "bench_cuda: %s\n", cn_errmsg());
        return 1;
    }
    if (dec) return decode(&c, atoi(argv[3]), atoi(argv[4]));
    int b = atoi(argv[3]), t = atoi(argv[4]), steps = atoi(argv[5]), n = b * t;
    const cn_ops *ops = cn_ops_cuda(0);
    cn_model *m = ops ? cn_model_new(&c, ops) : NULL;
    if (!m || cn_model_batch(m, b, t) || cn_model_set_precision(m, prec)) {
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
    const char *k = prec == CN_PREC_BF16 ? "ours_bf16" : "ours_fp32";
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
