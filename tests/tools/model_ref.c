/* model_ref: libcore's side of the PyTorch comparison (tests/sh/torch-ref.sh).
 *   model_ref init CONFIG.json DIR SEED B T [segments] [padding] [lora]
 *       a random model (DIR/config.json, DIR/model.safetensors; with lora
 *       also LoRA adapters on every projection, B not zero, in PEFT's
 *       layout: DIR/adapter_config.json, adapter_model.safetensors) and inputs
 *       (DIR/inputs.safetensors: ids, targets, pos, types, segment, valid,
 *       dhidden)
 *   model_ref check DIR
 *       runs the model on the inputs and compares the logits or hidden
 *       states, the loss, every gradient and the parameters after one
 *       AdamW step with DIR/ref.safetensors (from
 *       tests/ref/torch_model.py): max|got - ref| <= 1e-5 + 1e-4 max|ref| per
 *       tensor, printing each tensor's largest difference; exit 1 on any
 *       over. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "lora.h"
#include "model.h"
#include "rng.h"
#include "st.h"

static void die(const char *what) {
    fprintf(stderr, "model_ref: %s: %s\n", what, cn_errmsg());
    exit(1);
}

static int init(int argc, char **argv) {
    cn_config c;
    if (cn_config_load(argv[2], &c)) die(argv[2]);
    const char *dir = argv[3];
    uint64_t seed = strtoull(argv[4], NULL, 10);
    int b = atoi(argv[5]), t = atoi(argv[6]), segments = 0, padding = 0, lora = 0;
    for (int i = 7; i < argc; i++)
        segments |= strcmp(argv[i], "segments") == 0, padding |= strcmp(argv[i], "padding") == 0, lora |= strcmp(argv[i], "lora") == 0;
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    if (!m) die("model");
    cn_model_init_random(m, seed, 0.3f);
    if (cn_model_save(m, dir)) die(dir);
    if (lora) { /* rank 3, alpha 5 (a scale that is not 1 or 2); B random, so that A's gradient is not zero */
        cn_lora_opts lo = {3, 5.0f, 0.0f, 0};
        if (cn_lora_parse_targets("all", &lo.targets) || cn_model_add_lora(m, &lo, seed)) die("lora");
        cn_rng r;
        uint64_t k = seed + 1;
        cn_rng_seed(&r, &k, 1);
        for (int i = 0; i < cn_model_nparams(m); i++) {
            const cn_param *p = cn_model_param(m, i);
            if (!p->lora || !strstr(p->name, "lora_B")) continue;
            float *h = malloc(p->n * 4);
            for (size_t j = 0; j < p->n; j++) h[j] = (float)(0.5 * (cn_rng_double(&r) - 0.5));
            cn_model_set(m, i, h);
            free(h);
        }
        if (cn_model_save_adapter(m, dir, "model_ref")) die(dir);
    }
    int n = b * t;
    int32_t *ids = malloc(n * 4), *tg = malloc(n * 4), *pos = malloc(n * 4), *types = malloc(n * 4), *seg = malloc(n * 4);
    uint8_t *valid = malloc(n);
    float *dh = malloc((size_t)n * c.d_model * 4);
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    for (int i = 0; i < n; i++) {
        int s = i / t, j = i % t;
        ids[i] = (int32_t)cn_rng_below(&r, (uint64_t)c.vocab);
        tg[i] = (j == t - 1 || cn_rng_below(&r, 8) == 0) ? -1 : (int32_t)cn_rng_below(&r, (uint64_t)c.vocab);
        seg[i] = segments ? (j < t / 3 ? 0 : j < 2 * t / 3 ? 1 : 2) : 0;
        pos[i] = segments ? (seg[i] == 0 ? j : seg[i] == 1 ? j - t / 3 : j - 2 * t / 3) : j; /* positions restart per document */
        types[i] = c.arch == CN_ARCH_BERT && j >= t / 2 ? 1 : 0;
        valid[i] = !(padding && j >= t - 1 - s); /* sequence s has s + 1 padding tokens at its end */
    }
    for (size_t i = 0; i < (size_t)n * c.d_model; i++) dh[i] = (float)(cn_rng_double(&r) - 0.5);
    cn_st_writer *w = cn_st_writer_new();
    int64_t shape[2] = {b, t}, hs[2] = {n, c.d_model};
    cn_st_add(w, "ids", CN_ST_I32, shape, 2, ids);
    cn_st_add(w, "targets", CN_ST_I32, shape, 2, tg);
    cn_st_add(w, "pos", CN_ST_I32, shape, 2, pos);
    cn_st_add(w, "types", CN_ST_I32, shape, 2, types);
    if (segments) cn_st_add(w, "segment", CN_ST_I32, shape, 2, seg);
    if (padding) cn_st_add(w, "valid", CN_ST_U8, shape, 2, valid);
    cn_st_add(w, "dhidden", CN_ST_F32, hs, 2, dh);
    char path[4096];
    snprintf(path, sizeof path, "%s/inputs.safetensors", dir);
    if (cn_st_write(w, path)) die(path);
    cn_st_writer_free(w);
    cn_model_free(m);
    free(ids), free(tg), free(pos), free(types), free(seg), free(valid), free(dh);
    return 0;
}

static int bad;

/* max|got - ref| <= atol + 1e-4 max|ref| */
static void compare_tol(const char *name, const float *got, const cn_st_tensor *ref, size_t n, double atol) {
    if (!ref || ref->numel != n) {
        printf("FAIL %-52s missing or of another size in the reference\n", name);
        bad = 1;
        return;
    }
    float *r = malloc(n * 4 + 4);
    cn_st_to_f32(ref, r, n);
    double maxd = 0, maxr = 0;
    for (size_t i = 0; i < n; i++) {
        maxd = fmax(maxd, fabs((double)got[i] - r[i]));
        maxr = fmax(maxr, fabs(r[i]));
    }
    int ok = maxd <= atol + 1e-4 * maxr;
    printf("%s %-52s max|diff| %.3g  max|ref| %.3g\n", ok ? "ok  " : "FAIL", name, maxd, maxr);
    bad |= !ok;
    free(r);
}
static void compare(const char *name, const float *got, const cn_st_tensor *ref, size_t n) { compare_tol(name, got, ref, n, 1e-5); }

/* a case: the model of DIR with the batch shape and inputs of DIR/inputs.safetensors */
typedef struct {
    cn_config c;
    cn_model *m;
    cn_st *in;
    cn_batch bt; /* with segments and targets when the inputs have them */
    int b, t, n;
} test_case;

static void open_case(const char *dir, test_case *k) {
    if (cn_config_load(dir, &k->c)) die(dir);
    k->m = cn_model_new(&k->c, cn_ops_cpu());
    if (!k->m || cn_model_load(k->m, dir)) die("load");
    char path[4096];
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    cn_lora_opts lo;
    if (access(path, R_OK) == 0 && (cn_lora_read_config(dir, &lo) || cn_model_add_lora(k->m, &lo, 0) || cn_model_load_adapter(k->m, dir)))
        die("adapter");
    snprintf(path, sizeof path, "%s/inputs.safetensors", dir);
    if (!(k->in = cn_st_open(path))) die(path);
    const cn_st_tensor *ids = cn_st_find(k->in, "ids"), *seg = cn_st_find(k->in, "segment"), *valid = cn_st_find(k->in, "valid");
    k->b = (int)ids->shape[0], k->t = (int)ids->shape[1], k->n = k->b * k->t;
    if (cn_model_batch(k->m, k->b, k->t)) die("batch");
    k->bt = (cn_batch){ids->data, cn_st_find(k->in, "pos")->data, seg ? seg->data : NULL, valid ? valid->data : NULL,
                       cn_st_find(k->in, "types")->data, cn_st_find(k->in, "targets")->data};
}

static int check(const char *dir) {
    test_case k;
    open_case(dir, &k);
    cn_config c = k.c;
    cn_model *m = k.m;
    cn_st *in = k.in;
    cn_batch bt = k.bt;
    int n = k.n;
    char path[4096];
    snprintf(path, sizeof path, "%s/ref.safetensors", dir);
    cn_st *ref = cn_st_open(path);
    if (!ref) die(path);
    double loss = 0;
    if (c.arch == CN_ARCH_LLAMA) {
        float *logits = malloc((size_t)n * c.vocab * 4);
        if (cn_model_forward(m, &(cn_batch){bt.ids, bt.pos, bt.segment, bt.valid, bt.types, NULL}, NULL) || cn_model_logits(m, logits))
            die("forward");
        compare("logits", logits, cn_st_find(ref, "logits"), (size_t)n * c.vocab);
        free(logits);
        if (cn_model_forward(m, &bt, &loss) || cn_model_backward(m, NULL)) die("forward/backward");
    } else {
        float *hidden = malloc((size_t)n * c.d_model * 4), *dh = malloc((size_t)n * c.d_model * 4);
        if (cn_model_forward(m, &bt, NULL) || cn_model_hidden(m, hidden)) die("forward");
        compare("hidden", hidden, cn_st_find(ref, "hidden"), (size_t)n * c.d_model);
        cn_st_to_f32(cn_st_find(in, "dhidden"), dh, (size_t)n * c.d_model);
        for (size_t i = 0; i < (size_t)n * c.d_model; i++) loss += (double)hidden[i] * dh[i];
        if (cn_model_backward(m, dh)) die("backward");
        free(hidden), free(dh);
    }
    float lf = (float)loss;
    compare("loss", &lf, cn_st_find(ref, "loss"), 1);
    for (int i = 0; i < cn_model_nparams(m); i++) {
        const cn_param *p = cn_model_param(m, i);
        if (p->goff == SIZE_MAX) continue; /* frozen (LoRA's base) */
        float *g = malloc(p->n * 4);
        char name[128];
        snprintf(name, sizeof name, "grad.%s", p->name);
        cn_model_get_grad(m, i, g);
        compare(name, g, cn_st_find(ref, name), p->n);
        free(g);
    }
    /* one AdamW step, as the reference took it */
    const double lr = 1e-2;
    if (cn_model_adamw(m, (float)lr, 0.9f, 0.95f, 1e-8f, 0.1f, 1)) die("adamw");
    for (int i = 0; i < cn_model_nparams(m); i++) {
        const cn_param *p = cn_model_param(m, i);
        if (p->goff == SIZE_MAX) continue;
        float *w = malloc(p->n * 4);
        char name[128];
        snprintf(name, sizeof name, "step.%s", p->name);
        cn_model_get(m, i, w);
        /* a gradient that is zero but for rounding (BERT's key biases: the
         * softmax ignores a shift shared by all keys) makes AdamW's step
         * +-lr noise on both sides: what holds is AdamW's bound on a first
         * step, each weight within lr of its decayed value on both sides,
         * so within 2 lr of the reference */
        char gname[128];
        snprintf(gname, sizeof gname, "grad.%s", p->name);
        const cn_st_tensor *gr = cn_st_find(ref, gname);
        float *gv = malloc(p->n * 4 + 4);
        double gmax = 0;
        if (gr && cn_st_to_f32(gr, gv, p->n) == CN_OK)
            for (size_t k = 0; k < p->n; k++) gmax = fmax(gmax, fabs(gv[k]));
        free(gv);
        compare_tol(name, w, cn_st_find(ref, name), p->n, gmax < 1e-5 ? 2 * lr : 1e-5);
        free(w);
    }
    cn_st_close(in), cn_st_close(ref);
    cn_model_free(m);
    return bad;
}

/* the logits or hidden states against transformers' (hf-refs.sh) */
static int check_hf(const char *dir, const char *file) {
    test_case k;
    open_case(dir, &k);
    cn_config c = k.c;
    cn_model *m = k.m;
    cn_st *in = k.in, *ref = cn_st_open(file);
    if (!ref) die(file);
    const cn_st_tensor *valid = cn_st_find(in, "valid");
    int n = k.n;
    cn_batch bt = k.bt;
    bt.segment = NULL, bt.targets = NULL; /* transformers sees neither */
    size_t width = c.arch == CN_ARCH_LLAMA ? (size_t)c.vocab : (size_t)c.d_model;
    float *out = malloc((size_t)n * width * 4);
    if (cn_model_forward(m, &bt, NULL) || (c.arch == CN_ARCH_LLAMA ? cn_model_logits(m, out) : cn_model_hidden(m, out))) die("forward");
    /* BERT's padded queries are not compared: transformers masks keys only too,
     * but their rows are meaningless either way */
    if (valid)
        for (int i = 0; i < n; i++)
            if (!((const uint8_t *)valid->data)[i]) memset(out + (size_t)i * width, 0, width * 4);
    const cn_st_tensor *r = cn_st_find(ref, c.arch == CN_ARCH_LLAMA ? "logits" : "hidden");
    if (r && valid) { /* the same rows zeroed in the reference */
        float *rr = malloc(r->numel * 4);
        cn_st_to_f32(r, rr, r->numel);
        for (int i = 0; i < n; i++)
            if (!((const uint8_t *)valid->data)[i]) memset(rr + (size_t)i * width, 0, width * 4);
        double maxd = 0, maxr = 0;
        for (size_t i = 0; i < (size_t)n * width; i++) maxd = fmax(maxd, fabs((double)out[i] - rr[i])), maxr = fmax(maxr, fabs(rr[i]));
        printf("max|diff| %.3g max|ref| %.3g\n", maxd, maxr);
        bad = !(maxd <= 1e-5 + 1e-4 * maxr);
        free(rr);
    } else {
        compare(c.arch == CN_ARCH_LLAMA ? "logits" : "hidden", out, r, (size_t)n * width);
    }
    free(out);
    cn_st_close(in), cn_st_close(ref);
    cn_model_free(m);
    return bad;
}

int main(int argc, char **argv) {
    if (argc >= 7 && strcmp(argv[1], "init") == 0) return init(argc, argv);
    if (argc == 4 && strcmp(argv[1], "check-hf") == 0) return check_hf(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "check") == 0) return check(argv[2]);
    fprintf(stderr, "usage: model_ref init CONFIG.json DIR SEED B T [segments] [padding] | model_ref check DIR |"
                    " model_ref check-hf DIR HF.safetensors\n");
    return 2;
}
