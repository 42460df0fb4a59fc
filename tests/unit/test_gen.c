/* gen: cached decoding against recomputing the whole sequence with
 * cn_model_forward at every step (teacher forcing, GQA, 256 tokens, the
 * prompt pass and single steps, chunks of every kernel's size), the same
 * bits on 1 and 2 threads, bf16 close to fp32 and the load paths equal;
 * the logits processors on hand-made vectors (repetition penalty, top-k ties,
 * top-p edges and against HF's formula); sampling repeatable under a seed,
 * top-k 1 as greedy, stop tokens and min_new_tokens; streamed text whole
 * (UTF-8 over byte-fallback tokens, leading spaces) and stop strings. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "gen.h"
#include "half.h"
#include "st.h"
#include "utf8.h"

#define T 256
static const char *cfg_json =
    "{\"model_type\": \"llama\", \"hidden_size\": 48, \"intermediate_size\": 72, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 6, \"num_key_value_heads\": 2, \"vocab_size\": 650, \"max_position_embeddings\": 256,"
    " \"rope_theta\": 10000.0}";

static double max_abs(const float *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
    return m;
}
static double max_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

/* the logits of every position through g, fed in chunks of the given sizes
 * (the rest one at a time) */
static void cached_logits(cn_gen *g, const int32_t *ids, const int *chunks, int nchunks, float *out, int V) {
    int at = 0;
    cn_gen_rewind(g, 0);
    for (int c = 0; at < T; c++) {
        int k = c < nchunks ? chunks[c] : 1;
        if (at + k > T) k = T - at;
        CHECK_MSG(cn_gen_feed(g, ids + at, k, out + (size_t)at * V, CN_GEN_ALL_LOGITS) == CN_OK, "%s", cn_errmsg());
        at += k;
    }
    CHECK(cn_gen_len(g) == T);
}

typedef struct {
    int32_t ids[512];
    int n;
    char text[4096];
    size_t len;
} collect;
static int on_text(void *arg, int32_t id, const char *text, size_t len) {
    collect *c = arg;
    if (id >= 0 && c->n < 512) c->ids[c->n++] = id;
    if (c->len + len < sizeof c->text) memcpy(c->text + c->len, text, len), c->len += len;
    c->text[c->len] = 0;
    return 0;
}

static int run(cn_gen *g, const cn_tok *tok, const int32_t *prompt, size_t n, const cn_gen_opts *o, uint64_t seed, collect *c,
               cn_gen_stats *st) {
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    memset(c, 0, sizeof *c);
    cn_status s = cn_gen_run(g, tok, prompt, n, o, &r, 1, on_text, c, st);
    CHECK_MSG(s == CN_OK, "%s", cn_errmsg());
    return c->n;
}

/* every chunk of streamed text is whole UTF-8; together they are decode(all) after decode(ctx) */
static void check_stream(const cn_tok *tok, const char *text, size_t nctx) {
    cn_ids ids = {0};
    CHECK(cn_tok_encode((cn_tok *)tok, text, strlen(text), 0, &ids) == CN_OK);
    CHECK(ids.n > nctx);
    int32_t *v = malloc(ids.n * sizeof *v);
    for (size_t i = 0; i < ids.n; i++) v[i] = (int32_t)ids.v[i];
    cn_gen_stream *s = cn_gen_stream_new(tok, v, nctx, NULL, 0);
    char got[1024] = "";
    size_t n = 0;
    int whole = 1;
    for (size_t i = nctx; i < ids.n; i++) {
        const char *t;
        size_t len;
        int stopped;
        CHECK(cn_gen_stream_push(s, v[i], &t, &len, &stopped) == CN_OK && !stopped);
        whole &= cn_utf8_check(t, len) == len && !strstr(t, "\xEF\xBF\xBD");
        memcpy(got + n, t, len), n += len;
    }
    const char *t;
    size_t len;
    CHECK(cn_gen_stream_end(s, &t, &len) == CN_OK);
    memcpy(got + n, t, len), n += len;
    got[n] = 0;
    char *all, *head;
    size_t nall, nhead;
    CHECK(cn_tok_decode(tok, ids.v, ids.n, 1, &all, &nall) == CN_OK && cn_tok_decode(tok, ids.v, nctx, 1, &head, &nhead) == CN_OK);
    CHECK_MSG(whole, "%s: a piece of streamed text is not whole UTF-8", text);
    CHECK_MSG(n + nhead == nall && memcmp(got, all + nhead, n) == 0, "%s: streamed '%s', decoded '%s' after '%s'", text, got, all, head);
    free(all), free(head), free(v);
    cn_ids_free(&ids);
    cn_gen_stream_free(s);
}

/* byte tokens whose run turns invalid after part of it was whole ("D", then
 * the lone byte 0xBF: the decoder makes the run one U+FFFD a byte): every
 * piece is valid UTF-8 and together they are the decode of what the stream
 * decodes after (the context less its byte tokens) */
static void check_stream_bytes(const cn_tok *tok, int ctx_bytes) {
    int64_t d = cn_tok_id(tok, "<0x44>", 6), bf = cn_tok_id(tok, "<0xBF>", 6), the = cn_tok_id(tok, "\xE2\x96\x81the", 6);
    CHECK(d >= 0 && bf >= 0 && the >= 0 && cn_tok_is_byte(tok, (uint32_t)d) && !cn_tok_is_byte(tok, (uint32_t)the));
    if (d < 0 || bf < 0 || the < 0) return;
    /* context: "the" (and a "D" byte when ctx_bytes); pushed: D, 0xBF, the, D, D, the */
    int32_t ctx[2] = {(int32_t)the, (int32_t)d}, push[6] = {(int32_t)d, (int32_t)bf, (int32_t)the, (int32_t)d, (int32_t)d, (int32_t)the};
    cn_gen_stream *s = cn_gen_stream_new(tok, ctx, ctx_bytes ? 2 : 1, NULL, 0);
    char got[256] = "";
    size_t n = 0;
    int valid = 1;
    for (int i = 0; i < 6; i++) {
        const char *t;
        size_t len;
        int stopped;
        CHECK(cn_gen_stream_push(s, push[i], &t, &len, &stopped) == CN_OK && !stopped);
        valid &= cn_utf8_check(t, len) == len;
        memcpy(got + n, t, len), n += len;
    }
    const char *t;
    size_t len;
    CHECK(cn_gen_stream_end(s, &t, &len) == CN_OK);
    valid &= cn_utf8_check(t, len) == len;
    memcpy(got + n, t, len), n += len;
    uint32_t all[7] = {(uint32_t)the, (uint32_t)d, (uint32_t)bf, (uint32_t)the, (uint32_t)d, (uint32_t)d, (uint32_t)the};
    char *want, *head;
    size_t nw, nh;
    CHECK(cn_tok_decode(tok, all, 7, 1, &want, &nw) == CN_OK && cn_tok_decode(tok, all, 1, 1, &head, &nh) == CN_OK);
    CHECK_MSG(valid, "byte tokens (context bytes %d): a piece of streamed text is not valid UTF-8", ctx_bytes);
    CHECK_MSG(n + nh == nw && memcmp(got, want + nh, n) == 0, "byte tokens (context bytes %d): streamed '%.*s', decoded '%s'", ctx_bytes,
              (int)n, got, want + nh);
    free(want), free(head);
    cn_gen_stream_free(s);
}

/* the text streamed for text's tokens (all pushed) with stop strings; *stop_at: the push that stopped */
static void stream_stop(const cn_tok *tok, const char *text, const char *const *stop, int nstop, char *got, int *stop_at,
                        int *max_held) {
    cn_ids ids = {0};
    CHECK(cn_tok_encode((cn_tok *)tok, text, strlen(text), 0, &ids) == CN_OK);
    cn_gen_stream *s = cn_gen_stream_new(tok, NULL, 0, stop, nstop);
    size_t n = 0;
    *stop_at = -1, *max_held = 0;
    char *dec;
    size_t ndec;
    for (size_t i = 0; i < ids.n; i++) {
        const char *t;
        size_t len;
        int stopped;
        CHECK(cn_gen_stream_push(s, (int32_t)ids.v[i], &t, &len, &stopped) == CN_OK);
        memcpy(got + n, t, len), n += len;
        CHECK(cn_tok_decode(tok, ids.v, i + 1, 1, &dec, &ndec) == CN_OK);
        if (!stopped && (int)(ndec - n) > *max_held) *max_held = (int)(ndec - n);
        free(dec);
        if (stopped) {
            *stop_at = (int)i;
            break;
        }
    }
    const char *t;
    size_t len;
    CHECK(cn_gen_stream_end(s, &t, &len) == CN_OK);
    memcpy(got + n, t, len), n += len;
    got[n] = 0;
    cn_gen_stream_free(s);
    cn_ids_free(&ids);
}

/* HF's TopPLogitsWarper, as written there: ascending sort, cumulative
 * probabilities, remove those <= 1 - p, keep the last */
static void top_p_hf(float *x, int v, float p) {
    int *ord = malloc(v * sizeof *ord);
    for (int i = 0; i < v; i++) ord[i] = i;
    for (int i = 1; i < v; i++) /* ascending; ties: the higher id first, so the lower id ranks better */
        for (int j = i; j > 0 && (x[ord[j]] < x[ord[j - 1]] || (x[ord[j]] == x[ord[j - 1]] && ord[j] > ord[j - 1])); j--) {
            int t = ord[j];
            ord[j] = ord[j - 1], ord[j - 1] = t;
        }
    double m = x[ord[v - 1]], tot = 0, cum = 0;
    for (int i = 0; i < v; i++) tot += exp(x[i] - m);
    for (int i = 0; i < v - 1; i++) {
        cum += exp(x[ord[i]] - m) / tot;
        if (cum <= 1 - p) x[ord[i]] = -INFINITY;
    }
    free(ord);
}

int main(void) {
    cn_config c;
    CHECK(cn_config_parse(cfg_json, strlen(cfg_json), "c", &c) == CN_OK);
    int V = c.vocab;
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    cn_model_init_random(m, 7, 0.2f);
    int32_t ids[T];
    cn_rng r;
    uint64_t seed = 11;
    cn_rng_seed(&r, &seed, 1);
    for (int i = 0; i < T; i++) ids[i] = (int32_t)cn_rng_below(&r, (uint64_t)V);

    /* the reference: the whole sequence again at every step, its last row */
    float *ref = malloc((size_t)T * V * sizeof *ref), *all = malloc((size_t)T * V * sizeof *all);
    for (int t = 1; t <= T; t++) {
        cn_batch b = {ids, NULL, NULL, NULL, NULL, NULL};
        CHECK(cn_model_batch(m, 1, t) == CN_OK && cn_model_forward(m, &b, NULL) == CN_OK);
        float *lg = malloc((size_t)t * V * sizeof *lg);
        CHECK(cn_model_logits(m, lg) == CN_OK);
        memcpy(ref + (size_t)(t - 1) * V, lg + (size_t)(t - 1) * V, (size_t)V * sizeof *lg);
        free(lg);
    }
    double scale = max_abs(ref, (size_t)T * V);

    /* fp32: a prompt pass (products and the attention's matrix path), a few
     * tokens (the decoding kernels with a past), a long chunk with a past,
     * then one at a time */
    cn_gen *g = cn_gen_new(m, 0, CN_GEN_F32);
    CHECK_MSG(g != NULL, "%s", cn_errmsg());
    CHECK(cn_gen_capacity(g) == T && cn_gen_len(g) == 0);
    int chunks[] = {40, 3, 9, 1, 4, 30, 8, 5};
    cached_logits(g, ids, chunks, 8, all, V);
    double d = max_diff(all, ref, (size_t)T * V);
    printf("fp32 cached vs recomputed: max |diff| %.3g, max |logit| %.3g\n", d, scale);
    CHECK_MSG(d <= 1e-4 * scale, "fp32 cached decoding off by %.3g (max logit %.3g)", d, scale);
    CHECK(memcmp(cn_gen_tokens(g), ids, sizeof ids) == 0);

    /* the same bits on one thread */
    {
        float *one = malloc((size_t)T * V * sizeof *one);
        omp_set_num_threads(1);
        cached_logits(g, ids, chunks, 8, one, V);
        omp_set_num_threads(2);
        CHECK_MSG(memcmp(one, all, (size_t)T * V * sizeof *one) == 0, "1 and 2 threads differ");
        free(one);
    }

    /* a prompt longer than a pass (256 tokens): chunks, each after the last */
    {
        cn_config cl = c;
        cl.max_pos = 600;
        cn_model *ml = cn_model_new(&cl, cn_ops_cpu());
        cn_model_init_random(ml, 8, 0.2f);
        int32_t *lid = malloc(600 * sizeof *lid);
        for (int i = 0; i < 600; i++) lid[i] = (int32_t)cn_rng_below(&r, (uint64_t)V);
        float *want = malloc((size_t)600 * V * sizeof *want), *got = malloc((size_t)600 * V * sizeof *got), last[650];
        cn_batch b = {lid, NULL, NULL, NULL, NULL, NULL};
        CHECK(cn_model_batch(ml, 1, 600) == CN_OK && cn_model_forward(ml, &b, NULL) == CN_OK && cn_model_logits(ml, want) == CN_OK);
        cn_gen *gl = cn_gen_new(ml, 0, CN_GEN_F32);
        CHECK(gl && cn_gen_feed(gl, lid, 600, got, CN_GEN_ALL_LOGITS) == CN_OK);
        double sl = max_abs(want, (size_t)600 * V), dl = max_diff(got, want, (size_t)600 * V);
        CHECK_MSG(dl <= 1e-4 * sl, "600 tokens in chunks: off by %.3g (max %.3g)", dl, sl);
        cn_gen_rewind(gl, 0);
        CHECK(cn_gen_feed(gl, lid, 600, last, 0) == CN_OK && max_diff(last, got + (size_t)599 * V, (size_t)V) <= 1e-5 * sl);
        cn_gen_free(gl);
        cn_model_free(ml);
        free(lid), free(want), free(got);
    }

    /* a tied head: the embedding read as the head, from a model and from its checkpoint */
    {
        cn_config ct = c;
        ct.tied = 1;
        cn_model *mt = cn_model_new(&ct, cn_ops_cpu());
        cn_model_init_random(mt, 9, 0.2f);
        float *want = malloc((size_t)20 * V * sizeof *want), *got = malloc((size_t)20 * V * sizeof *got);
        cn_batch b = {ids, NULL, NULL, NULL, NULL, NULL};
        CHECK(cn_model_batch(mt, 1, 20) == CN_OK && cn_model_forward(mt, &b, NULL) == CN_OK && cn_model_logits(mt, want) == CN_OK);
        double st = max_abs(want, (size_t)20 * V);
        cn_gen *gt = cn_gen_new(mt, 32, CN_GEN_F32);
        CHECK(gt && cn_gen_feed(gt, ids, 20, got, CN_GEN_ALL_LOGITS) == CN_OK && max_diff(got, want, (size_t)20 * V) <= 1e-4 * st);
        cn_gen_free(gt);
        CHECK(cn_model_save(mt, "tied") == CN_OK);
        gt = cn_gen_load(&ct, cn_ops_cpu(), "tied", 32, CN_GEN_BF16);
        CHECK_MSG(gt && cn_gen_feed(gt, ids, 20, got, CN_GEN_ALL_LOGITS) == CN_OK && max_diff(got, want, (size_t)20 * V) <= 5e-2 * st,
                  "tied bf16: %s", gt ? "off" : cn_errmsg());
        cn_gen_free(gt);
        cn_model_free(mt);
        free(want), free(got);
    }

    /* errors: beyond the cache, outside the vocabulary; the cache unchanged */
    {
        float lg[650];
        int32_t bad = V;
        CHECK(cn_gen_feed(g, ids, 1, lg, 0) == CN_ERANGE && strstr(cn_errmsg(), "do not fit") != NULL);
        cn_gen_rewind(g, 10);
        CHECK(cn_gen_feed(g, &bad, 1, lg, 0) == CN_ERANGE && cn_gen_len(g) == 10);
        CHECK(cn_gen_feed(g, ids + 10, 1, lg, 0) == CN_OK);
        CHECK(max_diff(lg, ref + (size_t)10 * V, (size_t)V) <= 1e-4 * scale); /* rewound: position 10 again */
        cn_config cb = c;
        cb.arch = CN_ARCH_BERT;
        CHECK(cn_gen_load(&cb, cn_ops_cpu(), "nowhere", 0, CN_GEN_F32) == NULL && strstr(cn_errmsg(), "LLaMA") != NULL);
        CHECK(cn_gen_new(m, T + 1, CN_GEN_F32) == NULL && cn_last_status() == CN_EINVAL);
    }

    /* bf16: close to fp32; from the model, from an fp32 checkpoint and from
     * a bf16 one, the same bits */
    {
        cn_gen *b = cn_gen_new(m, 0, CN_GEN_BF16);
        CHECK_MSG(b != NULL, "%s", cn_errmsg());
        CHECK(cn_gen_weight_bytes(b) * 2 == cn_gen_weight_bytes(g));
        float *lb = malloc((size_t)T * V * sizeof *lb), *lb2 = malloc((size_t)T * V * sizeof *lb2);
        cached_logits(b, ids, chunks, 8, lb, V);
        /* weights rounded to 8 bits of mantissa (relative error up to 2^-9):
         * logits within a few percent of the largest, on average far closer */
        double db = max_diff(lb, ref, (size_t)T * V), mean = 0, mref = 0;
        for (size_t i = 0; i < (size_t)T * V; i++) mean += fabs((double)lb[i] - ref[i]), mref += fabs(ref[i]);
        mean /= (double)T * V, mref /= (double)T * V;
        printf("bf16 vs fp32: max |diff| %.3g (%.2g of the largest logit), mean |diff| %.3g (%.2g of the mean |logit|)\n", db,
               db / scale, mean, mean / mref);
        CHECK_MSG(db <= 5e-2 * scale && mean <= 2e-2 * mref && db > 0, "bf16 off by %.3g (mean %.3g)", db, mean);
        /* and it is fp32 decoding of the rounded weights, up to fp32 sums (and
         * AVX-512 BF16's products, whose activations carry 16 bits) */
        {
            cn_model *mr = cn_model_new(&c, cn_ops_cpu());
            for (int i = 0; i < cn_model_nparams(m); i++) {
                const cn_param *p = cn_model_param(m, i);
                float *h = malloc(p->n * sizeof *h);
                cn_model_get(m, i, h);
                for (size_t k = 0; p->ndim == 2 && k < p->n; k++) h[k] = cn_bf16_to_f32(cn_f32_to_bf16(h[k]));
                cn_model_set(mr, i, h);
                free(h);
            }
            cn_gen *gr = cn_gen_new(mr, 0, CN_GEN_F32);
            cached_logits(gr, ids, chunks, 8, lb2, V);
            double dr = max_diff(lb, lb2, (size_t)T * V);
            printf("bf16 vs fp32 decoding of the rounded weights: max |diff| %.3g\n", dr);
            CHECK_MSG(dr <= 5e-4 * scale, "bf16 decoding off the rounded model's by %.3g", dr);
            cn_gen_free(gr);
            cn_model_free(mr);
        }
        CHECK(cn_model_save(m, "ckpt") == CN_OK);
        cn_gen *l = cn_gen_load(&c, cn_ops_cpu(), "ckpt", 0, CN_GEN_BF16); /* rounded the same way */
        CHECK_MSG(l != NULL, "%s", cn_errmsg());
        cached_logits(l, ids, chunks, 8, lb2, V);
        CHECK(memcmp(lb, lb2, (size_t)T * V * sizeof *lb) == 0);
        cn_gen_free(l);
        /* a bf16 checkpoint: its bits kept */
        cn_st *s = cn_st_open("ckpt/model.safetensors");
        cn_st_writer *w = cn_st_writer_new();
        uint16_t **keep = calloc(cn_st_count(s), sizeof *keep);
        for (size_t i = 0; i < cn_st_count(s); i++) {
            const cn_st_tensor *t = cn_st_at(s, i);
            keep[i] = malloc(t->numel * 2);
            for (size_t k = 0; k < t->numel; k++) keep[i][k] = cn_f32_to_bf16(((const float *)t->data)[k]);
            cn_st_add(w, t->name, CN_ST_BF16, t->shape, t->ndim, keep[i]);
        }
        CHECK(cn_st_write(w, "bf16.safetensors") == CN_OK);
        l = cn_gen_load(&c, cn_ops_cpu(), "bf16.safetensors", 0, CN_GEN_BF16);
        CHECK_MSG(l != NULL, "%s", cn_errmsg());
        /* the norms went through bf16 in this file: compare the decoding, not the bits */
        cached_logits(l, ids, chunks, 8, lb2, V);
        CHECK(max_diff(lb2, ref, (size_t)T * V) <= 5e-2 * scale);
        cn_gen_free(l);
        l = cn_gen_load(&c, cn_ops_cpu(), "ckpt", 64, CN_GEN_F32); /* fp32 load: the same bits as in place */
        float lf[650];
        float lg[650];
        cn_gen_rewind(g, 0);
        CHECK(l && cn_gen_feed(l, ids, 63, NULL, 0) == CN_OK && cn_gen_feed(l, ids + 63, 0, lf, 0) == CN_EINVAL);
        CHECK(cn_gen_feed(g, ids, 63, NULL, 0) == CN_OK && cn_gen_feed(g, ids + 63, 1, lg, 0) == CN_OK);
        CHECK(cn_gen_feed(l, ids + 63, 1, lf, 0) == CN_OK && memcmp(lf, lg, sizeof lg) == 0);
        CHECK(cn_gen_feed(l, ids, 1, lf, 0) == CN_ERANGE); /* 64 positions: full */
        cn_gen_free(l);
        /* a checkpoint that lacks a tensor */
        cn_st_writer_free(w);
        w = cn_st_writer_new();
        for (size_t i = 0; i < cn_st_count(s); i++)
            if (strcmp(cn_st_at(s, i)->name, "lm_head.weight") != 0)
                cn_st_add(w, cn_st_at(s, i)->name, CN_ST_BF16, cn_st_at(s, i)->shape, cn_st_at(s, i)->ndim, keep[i]);
        CHECK(cn_st_write(w, "nohead.safetensors") == CN_OK);
        CHECK(cn_gen_load(&c, cn_ops_cpu(), "nohead.safetensors", 0, CN_GEN_BF16) == NULL &&
              strstr(cn_errmsg(), "'lm_head.weight' missing") != NULL);
        for (size_t i = 0; i < cn_st_count(s); i++) free(keep[i]);
        free(keep);
        cn_st_writer_free(w);
        cn_st_close(s);
        free(lb), free(lb2);
        cn_gen_free(b);
    }

    /* repetition penalty: once per token however often it appears */
    {
        float x[5] = {2, -2, 1, 0.5f, -1};
        int32_t ctx[4] = {0, 1, 1, 3};
        cn_gen_repetition_penalty(x, 5, ctx, 4, 2);
        CHECK(x[0] == 1 && x[1] == -4 && x[2] == 1 && x[3] == 0.25f && x[4] == -1);
        cn_gen_repetition_penalty(x, 5, ctx, 4, 1);
        CHECK(x[0] == 1 && x[1] == -4);
    }
    /* top-k: ties with the k-th stay; k 0 or >= V changes nothing */
    {
        float x[5] = {3, 1, 2, 2, 0};
        CHECK(cn_gen_top_k(x, 5, 2) == CN_OK);
        CHECK(x[0] == 3 && x[2] == 2 && x[3] == 2 && x[1] == -INFINITY && x[4] == -INFINITY);
        float y[3] = {1, 2, 3};
        CHECK(cn_gen_top_k(y, 3, 0) == CN_OK && cn_gen_top_k(y, 3, 3) == CN_OK && y[0] == 1);
    }
    /* top-p: probabilities 1/2, 1/4, 1/8, 1/8 */
    {
        const float lp[4] = {logf(0.125f), logf(0.5f), logf(0.125f), logf(0.25f)};
        struct { float p; int kept; } cases[] = {{1.0f, 4}, {0.0f, 1}, {0.3f, 1}, {0.49f, 1}, {0.51f, 2}, {0.74f, 2}, {0.76f, 3}, {0.86f, 3}, {0.9f, 4}};
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
            float x[4];
            memcpy(x, lp, sizeof x);
            CHECK(cn_gen_top_p(x, 4, cases[k].p) == CN_OK);
            int kept = 0;
            for (int i = 0; i < 4; i++) kept += x[i] > -INFINITY;
            CHECK_MSG(kept == cases[k].kept && x[1] == lp[1], "top-p %.2f kept %d, expected %d", cases[k].p, kept, cases[k].kept);
            if (kept == 2) CHECK(x[3] == lp[3]);
            if (kept == 3) CHECK(x[0] == lp[0] && x[2] == -INFINITY); /* ties: the lower id first */
        }
        float e[4] = {1, 1, 1, 1}, n[3] = {-INFINITY, 2, -INFINITY};
        CHECK(cn_gen_top_p(e, 4, 0.3f) == CN_OK && e[0] == 1 && e[1] == 1 && e[2] == -INFINITY && e[3] == -INFINITY);
        CHECK(cn_gen_top_p(n, 3, 0.5f) == CN_OK && n[1] == 2 && n[0] == -INFINITY);
        /* random logits, many sizes (past the first selection of 64): as HF's formula */
        int agree = 1;
        for (int trial = 0; trial < 60; trial++) {
            int v = trial < 40 ? 50 : 3000;
            float p = 0.05f + 0.9f * (float)cn_rng_double(&r);
            float *x = malloc(v * sizeof *x), *y = malloc(v * sizeof *y);
            for (int i = 0; i < v; i++) x[i] = y[i] = (float)(3 * cn_rng_double(&r));
            CHECK(cn_gen_top_p(x, v, p) == CN_OK);
            top_p_hf(y, v, p);
            for (int i = 0; i < v; i++) agree &= (x[i] == -INFINITY) == (y[i] == -INFINITY);
            free(x), free(y);
        }
        CHECK_MSG(agree, "top-p differs from HF's formula");
    }
    /* draws: repeatable, and never a token at -inf */
    {
        float x[4] = {0, -INFINITY, 1, -INFINITY};
        int count[4] = {0};
        cn_rng a;
        uint64_t s1 = 5;
        cn_rng_seed(&a, &s1, 1);
        for (int i = 0; i < 2000; i++) count[cn_gen_draw(x, 4, &a)]++;
        CHECK(count[1] == 0 && count[3] == 0 && count[2] > count[0] && count[0] > 300); /* e : 1 */
        CHECK(cn_gen_argmax(x, 4) == 2);
    }

    /* generation with a tokenizer: greedy, seeds, top-k 1, stop tokens */
    cn_tok *tok = cn_tok_load(check_data("tok", "tiny-spm.json"));
    CHECK_MSG(tok != NULL, "%s", cn_errmsg());
    {
        /* a prompt of text: its decoded text is the start of the whole's */
        cn_ids pi = {0};
        const char *ptext = "The cat sat on the mat, and then the dog came in and sat by the door of the house.";
        CHECK(cn_tok_encode(tok, ptext, strlen(ptext), 0, &pi) == CN_OK && pi.n >= 20 && pi.n < 60);
        int np = (int)pi.n;
        int32_t P[60];
        for (int i = 0; i < np; i++) P[i] = (int32_t)pi.v[i];
        cn_ids_free(&pi);
        collect a, b;
        cn_gen_stats st;
        cn_gen_opts greedy = {.max_new_tokens = 40};
        int n = run(g, tok, P, np, &greedy, 1, &a, &st);
        CHECK(n == 40 && st.end == CN_GEN_END_LENGTH && st.prompt == np);
        /* greedy is the argmax of the reference's logits along its own path */
        {
            int32_t seq[100];
            memcpy(seq, P, np * sizeof *seq);
            memcpy(seq + np, a.ids, 40 * sizeof *seq);
            cn_batch bt = {seq, NULL, NULL, NULL, NULL, NULL};
            float *lg = malloc((size_t)(np + 39) * V * sizeof *lg);
            CHECK(cn_model_batch(m, 1, np + 39) == CN_OK && cn_model_forward(m, &bt, NULL) == CN_OK && cn_model_logits(m, lg) == CN_OK);
            int same = 1;
            for (int i = 0; i < 40; i++) same &= cn_gen_argmax(lg + (size_t)(np - 1 + i) * V, V) == a.ids[i];
            CHECK_MSG(same, "greedy tokens differ from the argmax of the full forward");
            free(lg);
        }
        /* the text streamed is the decoded continuation */
        {
            uint32_t all[100];
            for (int i = 0; i < np; i++) all[i] = (uint32_t)P[i];
            for (int i = 0; i < 40; i++) all[np + i] = (uint32_t)a.ids[i];
            char *t1, *t2;
            size_t n1, n2;
            CHECK(cn_tok_decode(tok, all, np + 40, 1, &t1, &n1) == CN_OK && cn_tok_decode(tok, all, np, 1, &t2, &n2) == CN_OK);
            CHECK_MSG(n1 == n2 + a.len && memcmp(t1 + n2, a.text, a.len) == 0, "streamed '%s', decoded '%s'", a.text, t1 + n2);
            free(t1), free(t2);
        }
        /* again: the cache holds the prompt, all but its last token are reused */
        run(g, tok, P, np, &greedy, 1, &b, &st);
        CHECK(st.reused == np - 1 && memcmp(a.ids, b.ids, sizeof a.ids) == 0);
        /* top-k 1 is greedy whatever the temperature and seed */
        cn_gen_opts k1 = {.temperature = 1.5f, .top_k = 1, .max_new_tokens = 40};
        run(g, tok, P, np, &k1, 99, &b, &st);
        CHECK(memcmp(a.ids, b.ids, sizeof a.ids) == 0);
        /* sampling: the same seed the same tokens, another seed others */
        cn_gen_opts smp = {.temperature = 1.0f, .top_k = 50, .top_p = 0.95f, .repetition_penalty = 1.2f, .max_new_tokens = 40};
        collect s1, s2, s3;
        run(g, tok, P, np, &smp, 42, &s1, &st);
        run(g, tok, P, np, &smp, 42, &s2, &st);
        run(g, tok, P, np, &smp, 43, &s3, &st);
        CHECK(s1.n == 40 && memcmp(s1.ids, s2.ids, sizeof s1.ids) == 0 && strcmp(s1.text, s2.text) == 0);
        CHECK(memcmp(s1.ids, s3.ids, sizeof s1.ids) != 0);
        CHECK(memcmp(s1.ids, a.ids, sizeof s1.ids) != 0);
        /* a stop token: the greedy 5th token ends it there (not in the text);
         * with min_new_tokens 8 it cannot come before the 9th */
        int32_t stop = a.ids[4];
        int first = 0;
        while (a.ids[first] != stop) first++;
        cn_gen_opts so = {.max_new_tokens = 40, .stop_ids = &stop, .nstop_ids = 1};
        run(g, tok, P, np, &so, 1, &b, &st);
        CHECK(st.end == CN_GEN_END_STOP_ID && st.generated == first + 1 && b.n == first);
        so.min_new_tokens = 8;
        run(g, tok, P, np, &so, 1, &b, &st);
        for (int i = 0; i < 8 && i < b.n; i++) CHECK(b.ids[i] != stop);
        CHECK(st.generated >= 9 || st.end == CN_GEN_END_LENGTH);
        /* a full cache ends it */
        cn_gen_opts full = {0};
        run(g, tok, ids, T - 3, &full, 1, &b, &st);
        CHECK(st.end == CN_GEN_END_FULL && st.generated == 4 && cn_gen_len(g) == T);
        /* a prompt longer than the context */
        cn_rng rr;
        CHECK(cn_gen_run(g, tok, ids, T + 1, &full, &rr, 1, NULL, NULL, NULL) == CN_ERANGE);
    }

    /* streamed text: whole characters over byte-fallback tokens, spaces */
    check_stream(tok, "caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9F\x98\x80 ok \xE4\xB8\xAD\xE6\x96\x87", 0);
    check_stream(tok, "The cat sat on the mat.", 1);
    check_stream(tok, "The cat sat on the mat.", 3);
    check_stream(tok, "  two  spaces \xE2\x82\xAC", 2);
    check_stream_bytes(tok, 0);
    check_stream_bytes(tok, 1);
    /* stop strings: the text before the first, across tokens, held back until decided */
    {
        char got[512];
        int at, held;
        const char *stops[] = {"sat on", "xyz"};
        stream_stop(tok, "The cat sat on the mat.", stops, 2, got, &at, &held);
        CHECK_MSG(strcmp(got, "The cat ") == 0 && at >= 0, "got '%s'", got);
        CHECK(held > 0 && held < 8);
        const char *late[] = {"mat.!"}; /* never completes: everything at the end */
        stream_stop(tok, "The cat sat on the mat.", late, 1, got, &at, &held);
        CHECK(strcmp(got, "The cat sat on the mat.") == 0 && at < 0);
        const char *two[] = {"on the", "t s"}; /* the earliest wins */
        stream_stop(tok, "The cat sat on the mat.", two, 2, got, &at, &held);
        CHECK_MSG(strcmp(got, "The ca") == 0, "got '%s'", got);
        const char *euro[] = {"\xE2\x82\xAC"}; /* a stop string made of byte-fallback tokens */
        stream_stop(tok, "price 5\xE2\x82\xAC or so", euro, 1, got, &at, &held);
        CHECK_MSG(strcmp(got, "price 5") == 0 && at >= 0, "got '%s'", got);
    }
    /* stop strings in a generation: the greedy text cut before one */
    {
        collect a, b;
        cn_gen_stats st;
        cn_gen_opts greedy = {.max_new_tokens = 40};
        run(g, tok, ids + 100, 12, &greedy, 1, &a, &st);
        if (a.len > 6) {
            char stop[4] = {a.text[a.len / 2], a.text[a.len / 2 + 1], 0};
            const char *stops[] = {stop};
            cn_gen_opts so = {.max_new_tokens = 40, .stop = stops, .nstop = 1};
            run(g, tok, ids + 100, 12, &so, 1, &b, &st);
            const char *f = strstr(a.text, stop);
            CHECK(st.end == CN_GEN_END_STOP && f && b.len == (size_t)(f - a.text) && memcmp(a.text, b.text, b.len) == 0);
        }
    }
    cn_tok_free(tok);
    cn_gen_free(g);
    cn_model_free(m);
    free(ref), free(all);
    return check_done();
}
