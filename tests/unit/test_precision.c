/* precision: mixed precision's product (ops matmul_bf16) against a double
 * reference of the rounded operands, and the model in bf16: loss and
 * gradients near fp32's, the bf16 copies made again after a step (the same
 * bits as a fresh model given the stepped weights), a tied head, BERT, and
 * 40 steps of training that track fp32's loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "model.h"

static float bf16_round(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u = (u + 0x7fffu + ((u >> 16) & 1)) & 0xffff0000u;
    memcpy(&f, &u, 4);
    return f;
}
static uint16_t bf16_bits(float f) {
    f = bf16_round(f);
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16);
}

static float frand(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(*s >> 11) / 9007199254740992.0 * 2 - 1);
}

/* every transposition, with and without the bf16 operand given as bf16 */
static void check_op(void) {
    const cn_ops *o = cn_ops_cpu();
    const int M = 7, N = 9, K = 13;
    float a[M * K], b[K * N], c0[M * N], c[M * N];
    uint16_t a16[M * K], b16[K * N];
    uint64_t s = 7;
    for (int i = 0; i < M * K; i++) a[i] = frand(&s), a16[i] = bf16_bits(a[i]);
    for (int i = 0; i < K * N; i++) b[i] = frand(&s) * 3, b16[i] = bf16_bits(b[i]);
    for (int i = 0; i < M * N; i++) c0[i] = frand(&s);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int given = 0; given < 4; given++) {
                memcpy(c, c0, sizeof c);
                o->matmul_bf16(c, given & 1 ? NULL : a, given & 1 ? a16 : NULL, given & 2 ? NULL : b, given & 2 ? b16 : NULL, M, N, K, ta,
                               tb, 0.5f, 0.25f);
                double worst = 0;
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++) {
                        double r = 0.25 * c0[i * N + j];
                        for (int k = 0; k < K; k++)
                            r += 0.5 * (double)bf16_round(ta ? a[k * M + i] : a[i * K + k]) * bf16_round(tb ? b[j * K + k] : b[k * N + j]);
                        worst = fmax(worst, fabs(c[i * N + j] - r));
                    }
                CHECK_MSG(worst < 1e-5, "ta %d tb %d given %d: worst %g", ta, tb, given, worst);
            }
    /* not the fp32 product: the rounding shows */
    float cf[M * N], cb[M * N];
    o->matmul(cf, a, b, M, N, K, 0, 0, 1, 0);
    o->matmul_bf16(cb, a, NULL, b, NULL, M, N, K, 0, 0, 1, 0);
    double d = 0;
    for (int i = 0; i < M * N; i++) d = fmax(d, fabs(cf[i] - cb[i]));
    CHECK_MSG(d > 1e-4 && d < 0.1, "bf16 against fp32 %g", d);
}

enum { B = 2, T = 8 };
static int32_t ids[B * T], tg[B * T];

static cn_model *model(const char *json, cn_precision p, uint64_t seed) {
    cn_config c;
    CHECK(cn_config_parse(json, strlen(json), "c", &c) == CN_OK);
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    cn_model_init_random(m, seed, 0.2f);
    CHECK(cn_model_batch(m, B, T) == CN_OK);
    CHECK(cn_model_set_precision(m, p) == CN_OK);
    return m;
}

/* one forward and backward: the loss (LLaMA) or 0.5 sum(h^2) (BERT, whose
 * gradient is h), the gradients into g */
static double fwd_bwd(cn_model *m, float *g) {
    cn_batch b = {ids, NULL, NULL, NULL, NULL, cn_model_config(m)->arch == CN_ARCH_LLAMA ? tg : NULL};
    double loss = 0;
    cn_model_zero_grad(m);
    CHECK(cn_model_forward(m, &b, &loss) == CN_OK);
    if (!b.targets) {
        size_t nh = (size_t)B * T * cn_model_config(m)->d_model;
        float *h = malloc(nh * sizeof *h);
        CHECK(cn_model_hidden(m, h) == CN_OK);
        for (size_t i = 0; i < nh; i++) loss += 0.5 * h[i] * h[i];
        CHECK(cn_model_backward(m, h) == CN_OK);
        free(h);
    } else CHECK(cn_model_backward(m, NULL) == CN_OK);
    for (int i = 0, k = 0; i < cn_model_nparams(m); i++) {
        const cn_param *p = cn_model_param(m, i);
        CHECK(cn_model_get_grad(m, i, g + k) == CN_OK);
        k += (int)p->n;
    }
    return loss;
}

/* |a - b| / |b| over the whole gradient */
static double rel_l2(const float *a, const float *b, size_t n) {
    double d = 0, r = 0;
    for (size_t i = 0; i < n; i++) d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]), r += (double)b[i] * b[i];
    return sqrt(d / (r > 0 ? r : 1));
}

static void copy_weights(cn_model *dst, const cn_model *src) {
    for (int i = 0; i < cn_model_nparams(src); i++) {
        float *w = malloc(cn_model_param(src, i)->n * sizeof *w);
        CHECK(cn_model_get(src, i, w) == CN_OK && cn_model_set(dst, i, w) == CN_OK);
        free(w);
    }
}

static void check_model(const char *name, const char *json) {
    cn_model *f = model(json, CN_PREC_FP32, 5), *h = model(json, CN_PREC_BF16, 5);
    size_t ng = cn_model_grad_size(f);
    float *gf = malloc(ng * 4), *gh = malloc(ng * 4), *g2 = malloc(ng * 4);
    double lf = fwd_bwd(f, gf), lh = fwd_bwd(h, gh), rel = fabs(lh - lf) / fabs(lf), gr = rel_l2(gh, gf, ng);
    printf("%s: loss fp32 %.6f bf16 %.6f (%.2e), gradients %.2e apart\n", name, lf, lh, rel, gr);
    CHECK_MSG(rel > 0 && rel < 1e-2, "%s: loss %g against %g", name, lh, lf);
    CHECK_MSG(gr > 0 && gr < 3e-2, "%s: gradients %g apart", name, gr);
    CHECK(fwd_bwd(h, g2) == lh && memcmp(g2, gh, ng * 4) == 0); /* repeatable */

    /* a step changes the master weights: the next forward's copies are new,
     * the same bits as a fresh model given those weights */
    CHECK(cn_model_adamw(h, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 1) == CN_OK);
    cn_model *fresh = model(json, CN_PREC_BF16, 99);
    copy_weights(fresh, h);
    double l1 = fwd_bwd(h, gh), l2 = fwd_bwd(fresh, g2);
    CHECK_MSG(l1 == l2 && memcmp(gh, g2, ng * 4) == 0, "%s: after a step %.9g, fresh %.9g", name, l1, l2);
    CHECK(l1 != lh);
    /* back to fp32: the fp32 products again */
    CHECK(cn_model_set_precision(fresh, CN_PREC_FP32) == CN_OK);
    copy_weights(f, h);
    CHECK(fwd_bwd(fresh, g2) == fwd_bwd(f, gf));
    cn_model_free(fresh);
    cn_model_free(f);
    cn_model_free(h);
    free(gf), free(gh), free(g2);
}

/* 40 AdamW steps on a repeated batch: bf16 tracks fp32's loss */
static void check_training(const char *json) {
    cn_model *f = model(json, CN_PREC_FP32, 11), *h = model(json, CN_PREC_BF16, 11);
    size_t ng = cn_model_grad_size(f);
    float *g = malloc(ng * 4);
    double worst = 0, first = 0, lf = 0, lh = 0;
    for (int s = 1; s <= 40; s++) {
        lf = fwd_bwd(f, g), lh = fwd_bwd(h, g);
        if (s == 1) first = lf;
        worst = fmax(worst, fabs(lh - lf) / lf);
        CHECK(cn_model_adamw(f, 3e-3f, 0.9f, 0.95f, 1e-8f, 0.0f, s) == CN_OK && cn_model_adamw(h, 3e-3f, 0.9f, 0.95f, 1e-8f, 0.0f, s) == CN_OK);
    }
    printf("training: loss %.4f -> fp32 %.4f, bf16 %.4f; worst relative difference %.2e\n", first, lf, lh, worst);
    CHECK_MSG(lf < 0.5 * first && worst < 3e-2, "fp32 %g bf16 %g from %g, worst %g", lf, lh, first, worst);
    cn_model_free(f);
    cn_model_free(h);
    free(g);
}

int main(void) {
    for (int i = 0; i < B * T; i++) ids[i] = (i * 7 + 3) % 40, tg[i] = i % T == T - 1 ? -1 : (i * 11 + 5) % 40;
    check_op();
    const char *llama =
        "{\"model_type\": \"llama\", \"hidden_size\": 32, \"intermediate_size\": 48, \"num_hidden_layers\": 2,"
        " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 40, \"max_position_embeddings\": 32}";
    const char *tied =
        "{\"model_type\": \"llama\", \"hidden_size\": 32, \"intermediate_size\": 48, \"num_hidden_layers\": 1,"
        " \"num_attention_heads\": 2, \"vocab_size\": 40, \"max_position_embeddings\": 32, \"tie_word_embeddings\": true}";
    const char *bert =
        "{\"model_type\": \"bert\", \"hidden_size\": 24, \"intermediate_size\": 40, \"num_hidden_layers\": 2,"
        " \"num_attention_heads\": 3, \"vocab_size\": 40, \"max_position_embeddings\": 16, \"type_vocab_size\": 2}";
    check_model("llama", llama);
    check_model("llama tied", tied);
    check_model("bert", bert);
    check_training(llama);
    cn_precision p;
    CHECK(cn_precision_parse("bf16", &p) == CN_OK && p == CN_PREC_BF16 && strcmp(cn_precision_name(p), "bf16") == 0);
    CHECK(cn_precision_parse("fp16", &p) == CN_EINVAL && strstr(cn_errmsg(), "fp32 or bf16") != NULL);
    return check_done();
}
