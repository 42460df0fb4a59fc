/* model_bench: libcore's side of make bench's training comparison.
 *   model_bench train CONFIG.json B T STEPS   steps of forward + backward + AdamW (LLaMA)
 *   model_bench encode CONFIG.json B T STEPS  forward passes (BERT)
 *   model_bench sgemm N                       sgemm N^3, GFLOP/s (the peak)
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

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "sgemm") == 0) {
        int n = atoi(argv[2]);
        float *a = calloc((size_t)n * n, 4), *b = calloc((size_t)n * n, 4), *c = calloc((size_t)n * n, 4);
        for (size_t i = 0; i < (size_t)n * n; i++) a[i] = (float)(i % 7) * 0.1f, b[i] = (float)(i % 5) * 0.1f;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double best = 1e9;
        for (int r = 0; r < 5; r++) {
            double t0 = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
            double dt = now() - t0;
            if (dt < best) best = dt;
        }
        printf("%.1f\n", 2.0 * n * n * n / best / 1e9);
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
        fprintf(stderr, "usage: model_bench train|encode CONFIG.json B T STEPS | model_bench sgemm N\n");
        return 2;
    }
    cn_config c;
    if (cn_config_load(argv[2], &c)) {
        fprintf(stderr, "model_bench: %s\n", cn_errmsg());
        return 1;
    }
    int b = atoi(argv[3]), t = atoi(argv[4]), steps = atoi(argv[5]), n = b * t, train = strcmp(argv[1], "train") == 0;
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
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
        if (s == 1) t0 = now();
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
    printf("%.4f\n", now() - t0);
    cn_model_free(m);
    return 0;
}
