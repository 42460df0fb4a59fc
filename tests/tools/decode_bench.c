/* decode_bench: libcore's side of make bench's decoding comparison.
 *   decode_bench decode CONFIG.json f32|bf16 PROMPT NEW
 *       a random model (seed 1, std 0.02), a prompt of PROMPT random tokens
 *       in one pass, then NEW greedy steps of one token; prints the seconds
 *       of the NEW steps, then the tokens (their ids' sum, to compare runs)
 *   decode_bench bytes CONFIG.json f32|bf16 PROMPT NEW
 *       bytes one new token reads, on average over NEW tokens after a prompt
 *       of PROMPT: the matrices of the layers and the head, and the keys and
 *       values of the cache up to its position (fp32)
 *   decode_bench read MIB REPS
 *       memory read bandwidth: a vectorised sum over MIB MiB (much more than
 *       the last-level cache), OpenMP threads, built with the kernels' flags
 *       and, where the CPU has it, the AVX-512 the decoding kernels use: the
 *       median of REPS in GB/s */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "gen.h"
#include "model.h"
#include "rng.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int die(void) {
    fprintf(stderr, "decode_bench: %s\n", cn_errmsg());
    return 1;
}

/* the sum of n floats (n a multiple of 64), four 16-lane sums as the decoding kernels keep */
__attribute__((target("avx512f"))) static float sum_avx512(const float *a, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 64) {
        s0 = _mm512_add_ps(s0, _mm512_load_ps(a + i));
        s1 = _mm512_add_ps(s1, _mm512_load_ps(a + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_load_ps(a + i + 32));
        s3 = _mm512_add_ps(s3, _mm512_load_ps(a + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}
static float sum_plain(const float *a, size_t n) {
    float s[16] = {0};
    for (size_t i = 0; i < n; i += 16)
        for (int k = 0; k < 16; k++) s[k] += a[i + k];
    float t = 0;
    for (int k = 0; k < 16; k++) t += s[k];
    return t;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "read") == 0) {
        size_t n = (size_t)atoi(argv[2]) << 18; /* floats */
        int reps = atoi(argv[3]), avx = __builtin_cpu_supports("avx512f");
        float *a = aligned_alloc(64, n * 4);
        double *gbs = malloc((size_t)reps * sizeof *gbs);
        volatile float sink = 0;
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = (float)(i & 7);
        for (int r = -1; r < reps; r++) { /* one untimed warm-up */
            double t0 = now();
            float total = 0;
#pragma omp parallel reduction(+ : total)
            {
                int nt = omp_get_num_threads(), k = omp_get_thread_num();
                size_t per = n / 64 / (size_t)nt * 64, lo = per * (size_t)k, len = k == nt - 1 ? n - lo : per;
                total += avx ? sum_avx512(a + lo, len) : sum_plain(a + lo, len);
            }
            if (r >= 0) gbs[r] = (double)n * 4 / (now() - t0) / 1e9;
            sink += total;
        }
        qsort(gbs, (size_t)reps, sizeof *gbs, cmp_double);
        printf("%.2f\n", gbs[reps / 2]);
        return 0;
    }
    if (argc < 4 || (strcmp(argv[3], "f32") != 0 && strcmp(argv[3], "bf16") != 0)) {
        fprintf(stderr, "usage: decode_bench decode CONFIG.json f32|bf16 PROMPT NEW | bytes CONFIG.json f32|bf16 PROMPT NEW | read MIB REPS\n");
        return 2;
    }
    cn_config c;
    if (cn_config_load(argv[2], &c)) return die();
    cn_gen_dtype dt = strcmp(argv[3], "bf16") == 0 ? CN_GEN_BF16 : CN_GEN_F32;
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    if (!m) return die();
    if (strcmp(argv[1], "bytes") == 0) {
        if (argc != 6) return fprintf(stderr, "decode_bench: bytes needs PROMPT and NEW\n"), 2;
        cn_gen *g = cn_gen_new(m, 1, dt);
        if (!g) return die();
        /* a token at position p reads the keys and values of p + 1 positions */
        double prompt = atof(argv[4]), fresh = atof(argv[5]), mean_pos = prompt + (fresh + 1) / 2;
        double kv = 2.0 * c.n_layer * mean_pos * c.n_kv_head * c.head_dim * 4;
        printf("%.0f\n", (double)cn_gen_weight_bytes(g) + kv);
        return 0;
    }
    if (argc != 6) return fprintf(stderr, "decode_bench: decode needs PROMPT and NEW\n"), 2;
    int prompt = atoi(argv[4]), steps = atoi(argv[5]);
    cn_model_init_random(m, 1, 0.02f);
    cn_gen *g = cn_gen_new(m, prompt + steps, dt);
    if (!g) return die();
    if (dt == CN_GEN_BF16) cn_model_free(m), m = NULL; /* the decoder has its own copy */
    int32_t *ids = malloc((size_t)prompt * sizeof *ids);
    cn_rng r;
    uint64_t seed = 1;
    cn_rng_seed(&r, &seed, 1);
    for (int i = 0; i < prompt; i++) ids[i] = (int32_t)cn_rng_below(&r, (uint64_t)c.vocab);
    float *logits = malloc((size_t)c.vocab * sizeof *logits);
    if (cn_gen_feed(g, ids, prompt, logits, 0)) return die();
    long long sum = 0;
    double t0 = now();
    for (int s = 0; s < steps; s++) {
        int32_t next = cn_gen_argmax(logits, c.vocab);
        sum += next;
        if (cn_gen_feed(g, &next, 1, logits, 0)) return die();
    }
    printf("%.4f\n%lld\n", now() - t0, sum);
    cn_gen_free(g);
    cn_model_free(m);
    free(ids), free(logits);
    return 0;
}
