/* a whole training step on CUDA against the CPU: a small LLaMA (grouped-query
 * heads, packed documents) and a small BERT (padding): the same weights and
 * batch on both backends, loss, gradient norm and every gradient within
 * tolerance; then 50 AdamW steps on both, the loss curves side by side, and
 * the parameters after. The step's host-device copies are counted: the
 * batch up (one copy), the loss and the gradient norm down (8 bytes each).
 * CN_PRECISION=bf16: both backends in mixed precision (bf16 products), with
 * tolerances times CN_TOL_SCALE. Without a GPU: a skip line, exit 0. */
#include "cuda_test.h"
#include "model.h"

static const char *llama_cfg =
    "{\"model_type\": \"llama\", \"hidden_size\": 128, \"intermediate_size\": 344, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"vocab_size\": 500, \"max_position_embeddings\": 256,"
    " \"rms_norm_eps\": 1e-5}";
static const char *bert_cfg =
    "{\"model_type\": \"bert\", \"hidden_size\": 128, \"intermediate_size\": 256, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 2, \"vocab_size\": 300, \"max_position_embeddings\": 128, \"type_vocab_size\": 2}";

enum { B = 3, T = 70, STEPS = 50 };

/* a batch drawn from r: packed documents (LLaMA) or padded sequences (BERT) */
typedef struct {
    int32_t ids[B * T], tg[B * T], pos[B * T], seg[B * T], types[B * T];
    uint8_t valid[B * T];
} batch;

static void draw(batch *b, int vocab, int step) {
    rng_state = 0x1234567ull + (uint64_t)step * 7919;
    for (int s = 0; s < B; s++) {
        int cut = 10 + (int)((urand() + 1) * 0.5 * (T - 20)), len = T - (s * 7 + step) % 13; /* a second document; padding */
        for (int i = 0; i < T; i++) {
            int k = s * T + i;
            b->ids[k] = (int)((urand() + 1) * 0.5 * vocab) % vocab;
            b->seg[k] = i >= cut;
            b->pos[k] = i >= cut ? i - cut : i;
            b->types[k] = i >= cut;
            b->valid[k] = i < len;
        }
        for (int i = 0; i < T; i++) b->tg[s * T + i] = i + 1 < T && b->seg[s * T + i] == b->seg[s * T + i + 1] ? b->ids[s * T + i + 1] : -1;
    }
}

static cn_precision precision;

static cn_model *model(const cn_config *c, const cn_ops *ops) {
    cn_model *m = cn_model_new(c, ops);
    CHECK_MSG(m != NULL, "%s", cn_errmsg());
    cn_model_init_random(m, 7, 0.05f);
    CHECK(cn_model_batch(m, B, T) == CN_OK);
    CHECK(cn_model_set_precision(m, precision) == CN_OK);
    return m;
}

/* every gradient of a against b's: the worst parameter's relative figure */
static void compare_grads(const char *what, cn_model *a, cn_model *b, double rtol) {
    double worst = 0;
    const char *wname = "";
    for (int i = 0; i < cn_model_nparams(a); i++) {
        const cn_param *p = cn_model_param(a, i);
        if (p->goff == SIZE_MAX) continue;
        float *ga = malloc(p->n * 4), *gb = malloc(p->n * 4);
        cn_model_get_grad(a, i, ga), cn_model_get_grad(b, i, gb);
        double d = 0, m = 0;
        for (size_t k = 0; k < p->n; k++) d = fmax(d, fabs(ga[k] - gb[k])), m = fmax(m, fabs(gb[k]));
        double rel = d / (m + 1e-20);
        if (rel > worst) worst = rel, wname = p->name;
        free(ga), free(gb);
    }
    printf("  %s: worst gradient %s, max|diff| / max|ref| %.3g (tol %.3g)\n", what, wname, worst, rtol * tol_scale);
    CHECK_MSG(worst <= rtol * tol_scale, "%s: gradient of %s off by %.3g of its largest", what, wname, worst);
}

static void compare_params(const char *what, cn_model *a, cn_model *b, double rtol) {
    double worst = 0;
    for (int i = 0; i < cn_model_nparams(a); i++) {
        const cn_param *p = cn_model_param(a, i);
        float *pa = malloc(p->n * 4), *pb = malloc(p->n * 4);
        cn_model_get(a, i, pa), cn_model_get(b, i, pb);
        double d = 0, m = 0;
        for (size_t k = 0; k < p->n; k++) d = fmax(d, fabs(pa[k] - pb[k])), m = fmax(m, fabs(pb[k]));
        worst = fmax(worst, d / (m + 1e-20));
        free(pa), free(pb);
    }
    printf("  %s: parameters after %d steps, worst max|diff| / max|ref| %.3g (tol %.3g)\n", what, STEPS, worst, rtol * tol_scale);
    CHECK_MSG(worst <= rtol * tol_scale, "%s: parameters drifted by %.3g", what, worst);
}

/* one step: forward, backward; the loss (LLaMA) or 0.5 |h - 0.1|^2 / N (BERT) */
static double step(cn_model *m, const batch *bt, int llama, double *gnorm) {
    const cn_config *c = cn_model_config(m);
    cn_model_zero_grad(m);
    double loss = 0;
    if (llama) {
        cn_batch b = {.ids = bt->ids, .pos = bt->pos, .segment = bt->seg, .targets = bt->tg};
        CHECK(cn_model_forward(m, &b, &loss) == CN_OK && cn_model_backward(m, NULL) == CN_OK);
    } else {
        cn_batch b = {.ids = bt->ids, .valid = bt->valid, .types = bt->types};
        size_t n = (size_t)B * T * c->d_model;
        float *h = malloc(n * 4);
        CHECK(cn_model_forward(m, &b, NULL) == CN_OK && cn_model_hidden(m, h) == CN_OK);
        for (size_t i = 0; i < n; i++) {
            double e = h[i] - 0.1;
            loss += 0.5 * e * e / (B * T);
            h[i] = (float)(e / (B * T));
        }
        CHECK(cn_model_backward(m, h) == CN_OK);
        free(h);
    }
    *gnorm = cn_model_grad_norm(m);
    return loss;
}

static void run(const char *name, const char *cfg_json, int llama) {
    printf("%s\n", name);
    cn_config c;
    CHECK(cn_config_parse(cfg_json, strlen(cfg_json), name, &c) == CN_OK);
    cn_model *mc = model(&c, cpu), *mg = model(&c, gpu);
    batch bt;
    draw(&bt, c.vocab, 0);
    double gc, gg, lc = step(mc, &bt, llama, &gc);
    copies_reset();
    double lg = step(mg, &bt, llama, &gg);
    if (llama) { /* the batch up; the loss and the norm down */
        printf("  one step's copies: %ld up (%ld bytes), %ld down (%ld bytes)\n", copies.h2d, copies.h2d_bytes, copies.d2h, copies.d2h_bytes);
        CHECK_MSG(copies.h2d == 1 && copies.d2h == 2 && copies.d2h_bytes == 16, "a step: %ld uploads, %ld downloads", copies.h2d, copies.d2h);
    }
    printf("  loss: CPU %.9g, CUDA %.9g; gradient norm: CPU %.9g, CUDA %.9g\n", lc, lg, gc, gg);
    CHECK_MSG(fabs(lg - lc) <= 1e-5 * tol_scale * fabs(lc), "%s loss %.9g, CPU %.9g", name, lg, lc);
    CHECK_MSG(fabs(gg - gc) <= 1e-4 * tol_scale * gc, "%s gradient norm %.9g, CPU %.9g", name, gg, gc);
    compare_grads(name, mg, mc, 2e-4);
    /* 50 steps of AdamW with clipping: the loss curves */
    double worst = 0, first = 0, last = 0;
    for (int s = 1; s <= STEPS; s++) {
        draw(&bt, c.vocab, s % 5); /* five batches in turn: the loss falls */
        double l[2], g[2];
        cn_model *ms[2] = {mc, mg};
        for (int k = 0; k < 2; k++) {
            l[k] = step(ms[k], &bt, llama, &g[k]);
            if (g[k] > 1) cn_model_scale_grad(ms[k], (float)(1 / g[k]));
            CHECK(cn_model_adamw(ms[k], 3e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, s) == CN_OK);
        }
        worst = fmax(worst, fabs(l[1] - l[0]) / fabs(l[0]));
        if (s == 1) first = l[0];
        last = l[0];
        if (s % 10 == 0 || s == 1) printf("  step %2d loss CPU %.6f CUDA %.6f\n", s, l[0], l[1]);
    }
    printf("  %d steps: the loss went %.4f -> %.4f; worst relative difference %.3g (tol %.3g)\n", STEPS, first, last, worst,
           1e-3 * tol_scale);
    CHECK_MSG(last < first, "%s: the loss did not fall", name);
    CHECK_MSG(worst <= 1e-3 * tol_scale, "%s: the CUDA loss curve left the CPU's by %.3g", name, worst);
    compare_params(name, mg, mc, 1e-2); /* Adam magnifies rounding where a gradient is ~0: the loss is the criterion */
    cn_model_free(mc), cn_model_free(mg);
}

int main(void) {
    tol_scale_init("test_step_cuda");
    const char *pr = getenv("CN_PRECISION");
    if (pr && cn_precision_parse(pr, &precision)) return fprintf(stderr, "CN_PRECISION: %s\n", cn_errmsg()), 2;
    printf("precision %s\n", cn_precision_name(precision));
    cuda_test_init("test_step_cuda");
    run("llama", llama_cfg, 1);
    run("bert", bert_cfg, 0);
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_done();
}
