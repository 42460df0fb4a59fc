/* model_bench: libcore's side of make bench's training comparison.
 *   model_bench train CONFIG.json B T STEPS   steps of forward + backward + AdamW (LLaMA)
 *   model_bench encode CONFIG.json B T STEPS  forward passes (BERT)
 *   model_bench gemm CONFIG.json B T STEPS    the training step as train, and the part of it
 *                                             spent in sgemm (the backend's matmul timed at
 *                                             each call): prints both, seconds
 *   model_bench peak                          OpenBLAS sgemm's best GFLOP/s: square sizes
 *                                             1024 to 4096, each warmed up, best of 5
 *   model_bench blas                          OpenBLAS's kernel for this CPU, and its build
 *   model_bench memory CONFIG.json B T        the training memory estimate, bytes
 * Prints the seconds of the timed steps (after one untimed warm-up step). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include "config.h"
#include "model.h"
#include "rng.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* sgemm n^3 (one warm-up, then the best of reps), GFLOP/s */
static double sgemm_gflops(int n, int reps) {
    float *a = calloc((size_t)n * n, 4), *b = calloc((size_t)n * n, 4), *c = calloc((size_t)n * n, 4);
    for (size_t i = 0; i < (size_t)n * n; i++) a[i] = (float)(i % 7) * 0.1f, b[i] = (float)(i % 5) * 0.1f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    free(a), free(b), free(c);
    return 2.0 * n * n * n / best / 1e9;
}

/* the CPU backend with its matmul timed (model_bench gemm) */
static cn_ops timed;
static double gemm_s;
static void timed_matmul(float *c, const float *a, const float *b, int m, int n, int k, int ta, int tb, float alpha, float beta) {
    double t0 = now();
    cn_ops_cpu()->matmul(c, a, b, m, n, k, ta, tb, alpha, beta);
    gemm_s += now() - t0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "peak") == 0) {
        double best = 0;
        for (int n = 1024; n <= 4096; n += 1024) {
            double g = sgemm_gflops(n, n < 4096 ? 5 : 3);
            fprintf(stderr, "sgemm %d: %.1f GFLOP/s\n", n, g);
            if (g > best) best = g;
        }
        printf("%.1f\n", best);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "blas") == 0) {
        printf("%s kernel (%s)\n", openblas_get_corename(), openblas_get_config());
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "memory") == 0) { /* the estimate for training, in bytes */
        cn_config c;
        if (cn_config_load(argv[2], &c)) return 1;
        cn_model_mem mm;
        cn_model_memory(&c, atoi(argv[3]), atoi(argv[4]), 1, &mm);
        printf("%llu\n", (unsigned long long)mm.total);
        return 0;
    }
    if (argc != 6) {
        fprintf(stderr, "usage: model_bench train|gemm|encode CONFIG.json B T STEPS | peak | blas | memory CONFIG.json B T\n");
        return 2;
    }
    cn_config c;
    if (cn_config_load(argv[2], &c)) {
        fprintf(stderr, "model_bench: %s\n", cn_errmsg());
        return 1;
    }
    int b = atoi(argv[3]), t = atoi(argv[4]), steps = atoi(argv[5]), n = b * t, gemm = strcmp(argv[1], "gemm") == 0;
    int train = gemm || strcmp(argv[1], "train") == 0;
    timed = *cn_ops_cpu(), timed.matmul = timed_matmul;
    cn_model *m = cn_model_new(&c, gemm ? &timed : cn_ops_cpu());
    if (!m || cn_model_batch(m, b, t)) {
        fprintf(stderr, "model_bench: %s\n", cn_errmsg());
        return 1;
    }
    cn_model_init_random(m, 1, 0.02f);
    int32_t *ids = malloc(n * 4), *tg = malloc(n * 4);
    cn_rng r;
    uint64_t seed = 1;
    cn_rng_seed(&r, &seed, 1);
    for (int i = 0; i < n; i++) ids[i] = (int32_t)cn_rng_below(&r, (uint64_t)c.vocab), tg[i] = (int32_t)cn_rng_below(&r, (uint64_t)c.vocab);
    cn_batch bt = {ids, NULL, NULL, NULL, NULL, train ? tg : NULL};
    double t0 = 0, loss;
    for (int s = 0; s <= steps; s++) {
        if (s == 1) t0 = now(), gemm_s = 0;
        if (train) {
            cn_model_zero_grad(m);
            if (cn_model_forward(m, &bt, &loss) || cn_model_backward(m, NULL) ||
                cn_model_adamw(m, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, s + 1)) {
                fprintf(stderr, "model_bench: %s\n", cn_errmsg());
                return 1;
            }
        } else if (cn_model_forward(m, &bt, NULL)) {
            fprintf(stderr, "model_bench: %s\n", cn_errmsg());
            return 1;
        }
    }
    if (gemm) printf("%.4f %.4f\n", now() - t0, gemm_s);
    else printf("%.4f\n", now() - t0);
    cn_model_free(m);
    return 0;
}
