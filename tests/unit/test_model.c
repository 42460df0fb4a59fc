/* model: save and load round trip (and a "bert." prefix), hostile
 * checkpoints, frozen parameters without gradient storage and the same
 * gradients for the trainable ones, repeatable steps, the memory estimate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "model.h"
#include "st.h"

static const char *llama_cfg =
    "{\"model_type\": \"llama\", \"hidden_size\": 16, \"intermediate_size\": 24, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 40, \"max_position_embeddings\": 32}";
static const char *bert_cfg =
    "{\"model_type\": \"bert\", \"hidden_size\": 12, \"intermediate_size\": 20, \"num_hidden_layers\": 1,"
    " \"num_attention_heads\": 3, \"vocab_size\": 30, \"max_position_embeddings\": 16, \"type_vocab_size\": 2}";

static int32_t ids[12] = {1, 5, 9, 3, 3, 7, 0, 39, 12, 4, 4, 2}, tg[12] = {5, 9, 3, 3, 7, -1, 39, 12, 4, 4, 2, -1};

/* ZeRO-1 in one process: the other parts' weights come from an unsharded
 * model's step (the same arithmetic), in gradient order; this part's must
 * equal them already */
static const float *zero_ref;
static int zero_part, zero_own_ok;
static cn_status fake_gather(float *x, const size_t *off) {
    zero_own_ok = memcmp(x + off[zero_part], zero_ref + off[zero_part], (off[zero_part + 1] - off[zero_part]) * 4) == 0;
    for (int r = 0; r < 3; r++)
        if (r != zero_part) memcpy(x + off[r], zero_ref + off[r], (off[r + 1] - off[r]) * 4);
    return CN_OK;
}

static double step(cn_model *m, float *grads) {
    cn_batch b = {ids, NULL, NULL, NULL, NULL, tg};
    double loss = 0;
    cn_model_zero_grad(m);
    CHECK(cn_model_forward(m, &b, &loss) == CN_OK && cn_model_backward(m, NULL) == CN_OK);
    for (int i = 0, k = 0; i < cn_model_nparams(m); i++) {
        const cn_param *p = cn_model_param(m, i);
        if (p->goff == SIZE_MAX) continue;
        CHECK(cn_model_get_grad(m, i, grads + k) == CN_OK);
        k += (int)p->n;
    }
    return loss;
}

/* ZeRO-1: three parts, each stepping its own parameters' moments; after the
 * gather, every part has the unsharded step's weights bit for bit.
 * frozen_name: a parameter that does not train (NULL: none) */
static void check_zero(const cn_config *c, const char *frozen_name) {
    cn_model *ref = cn_model_new(c, cn_ops_cpu()), *part[3];
    int frozen = frozen_name ? cn_model_find(ref, frozen_name) : -1;
    CHECK(!frozen_name || frozen >= 0);
    cn_model *all[4] = {ref};
    for (int r = 0; r < 3; r++) all[r + 1] = part[r] = cn_model_new(c, cn_ops_cpu());
    for (int k = 0; k < 4; k++) {
        cn_model_init_random(all[k], 3, 0.2f);
        if (frozen >= 0) {
            cn_model_set_trainable(all[k], frozen, 0);
            CHECK(cn_model_commit_trainable(all[k]) == CN_OK);
        }
        CHECK(cn_model_batch(all[k], 2, 6) == CN_OK);
    }
    size_t n = cn_model_grad_size(ref), big = 0;
    for (int i = 0; i < cn_model_nparams(ref); i++) big = cn_model_param(ref, i)->n > big ? cn_model_param(ref, i)->n : big;
    float *g = malloc(n * 4), *flat = malloc(n * 4), *w = malloc(big * 4), *w2 = malloc(big * 4), *m1 = malloc(big * 4), *m2 = malloc(big * 4);
    step(ref, g);
    CHECK(cn_model_adamw(ref, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 1) == CN_OK);
    for (int i = 0; i < cn_model_nparams(ref); i++)
        if (cn_model_param(ref, i)->goff != SIZE_MAX) cn_model_get(ref, i, flat + cn_model_param(ref, i)->goff);
    zero_ref = flat;
    for (int r = 0; r < 3; r++) {
        CHECK(cn_model_shard_optimizer(part[r], r, 3) == CN_OK);
        int np;
        const size_t *off = cn_model_shard_bounds(part[r], &np);
        CHECK(np == 3 && off[0] == 0 && off[3] == n && off[1] > 0 && off[1] < off[2] && off[2] < n);
        step(part[r], g);
        CHECK(cn_model_adamw(part[r], 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 1) == CN_OK);
        zero_part = r, zero_own_ok = 0;
        CHECK(cn_model_shard_sync(part[r], fake_gather) == CN_OK && zero_own_ok);
        int same = 1;
        for (int i = 0; i < cn_model_nparams(ref); i++) {
            const cn_param *p = cn_model_param(ref, i);
            cn_model_get(part[r], i, w), cn_model_get(ref, i, w2);
            same &= memcmp(w, w2, p->n * 4) == 0;
            if (p->goff == SIZE_MAX) continue;
            /* moments: this part's own, not the others' */
            int mine = p->goff >= off[r] && p->goff < off[r + 1];
            CHECK(mine == (cn_model_get_moments(part[r], i, m1, m2) == CN_OK));
        }
        CHECK_MSG(same, "%s frozen, part %d: weights after the sharded step differ", frozen_name ? frozen_name : "none", r);
    }
    /* unsharded again: every moment, the unsharded optimizer's */
    zero_part = 0;
    CHECK(cn_model_unshard(part[0], fake_gather) == CN_OK);
    /* (the fake gather gives weights, not moments, for the others: only part 0's are checked) */
    for (int i = 0; i < cn_model_nparams(ref); i++) {
        const cn_param *p = cn_model_param(ref, i);
        if (p->goff == SIZE_MAX) continue;
        CHECK(cn_model_get_moments(part[0], i, m1, m2) == CN_OK);
        if (p->goff < cn_model_shard_bounds(part[1], &(int){0})[1]) {
            cn_model_get_moments(ref, i, w, w2);
            CHECK(memcmp(m1, w, p->n * 4) == 0 && memcmp(m2, w2, p->n * 4) == 0);
        }
    }
    CHECK(cn_model_shard_optimizer(part[0], 4, 3) == CN_EINVAL);
    for (int k = 0; k < 4; k++) cn_model_free(all[k]);
    free(g), free(flat), free(w), free(w2), free(m1), free(m2);
}

int main(void) {
    cn_config c;
    CHECK(cn_config_parse(llama_cfg, strlen(llama_cfg), "c", &c) == CN_OK);
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    cn_model_init_random(m, 3, 0.2f);
    CHECK(cn_model_batch(m, 2, 6) == CN_OK);
    size_t ng = cn_model_grad_size(m);
    float *g1 = malloc(ng * 4), *g2 = malloc(ng * 4);
    double l1 = step(m, g1), l2 = step(m, g2);
    CHECK(l1 == l2 && memcmp(g1, g2, ng * 4) == 0); /* the same step twice: the same bits */
    CHECK(l1 > 0 && cn_model_grad_norm(m) > 0);
    /* the loss alone: the same bits, the logits those of a forward without
     * targets, and no backward from it */
    {
        cn_batch b = {ids, NULL, NULL, NULL, NULL, tg}, nb = {ids, NULL, NULL, NULL, NULL, NULL};
        size_t nl = (size_t)2 * 6 * c.vocab;
        float *la = malloc(nl * 4), *lb = malloc(nl * 4);
        double l3 = -1;
        CHECK(cn_model_loss(m, &b, &l3) == CN_OK && l3 == l1 && cn_model_logits(m, la) == CN_OK);
        CHECK(cn_model_backward(m, NULL) == CN_EINVAL);
        CHECK(cn_model_forward(m, &nb, NULL) == CN_OK && cn_model_logits(m, lb) == CN_OK && memcmp(la, lb, nl * 4) == 0);
        CHECK(cn_model_loss(m, &nb, &l3) == CN_EINVAL);
        free(la), free(lb);
    }

    /* save, load into a fresh model: the same parameters and the same step */
    CHECK(cn_model_save(m, "ckpt") == CN_OK);
    cn_config c2;
    CHECK(cn_config_load("ckpt", &c2) == CN_OK && c2.n_kv_head == 2);
    cn_model *m2 = cn_model_new(&c2, cn_ops_cpu());
    CHECK_MSG(cn_model_load(m2, "ckpt") == CN_OK, "%s", cn_errmsg());
    CHECK(cn_model_batch(m2, 2, 6) == CN_OK);
    CHECK(step(m2, g2) == l1 && memcmp(g1, g2, ng * 4) == 0);

    /* frozen: only layer 1's q_proj trains; no other gradient is stored */
    int qi = cn_model_find(m2, "model.layers.1.self_attn.q_proj.weight");
    CHECK(qi >= 0);
    for (int i = 0; i < cn_model_nparams(m2); i++) cn_model_set_trainable(m2, i, i == qi);
    CHECK(cn_model_commit_trainable(m2) == CN_OK);
    CHECK(cn_model_grad_size(m2) == cn_model_param(m2, qi)->n);
    float *gq = malloc(cn_model_param(m2, qi)->n * 4);
    CHECK(step(m2, gq) == l1);
    CHECK(memcmp(gq, g1 + cn_model_param(m, qi)->goff, cn_model_param(m2, qi)->n * 4) == 0);
    CHECK(cn_model_get_grad(m2, 0, gq) == CN_EINVAL && strstr(cn_errmsg(), "frozen") != NULL);
    CHECK(cn_model_adamw(m2, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1) == CN_OK);
    free(gq);

    /* hostile checkpoints: a missing tensor, a wrong shape */
    {
        cn_st *s = cn_st_open("ckpt/model.safetensors");
        cn_st_writer *w = cn_st_writer_new();
        for (size_t i = 0; i < cn_st_count(s); i++) {
            const cn_st_tensor *t = cn_st_at(s, i);
            if (strcmp(t->name, "model.norm.weight") == 0) continue;
            cn_st_add(w, t->name, t->dtype, t->shape, t->ndim, t->data);
        }
        CHECK(cn_st_write(w, "missing.safetensors") == CN_OK);
        cn_st_writer_free(w);
        CHECK(cn_model_load(m2, "missing.safetensors") == CN_EFORMAT && strstr(cn_errmsg(), "'model.norm.weight' missing") != NULL);
        w = cn_st_writer_new();
        for (size_t i = 0; i < cn_st_count(s); i++) {
            const cn_st_tensor *t = cn_st_at(s, i);
            int64_t sh[2] = {t->shape[0], t->shape[1]};
            if (strcmp(t->name, "lm_head.weight") == 0) sh[0] = 20, sh[1] = 32; /* same size, other shape */
            cn_st_add(w, t->name, t->dtype, sh, t->ndim, t->data);
        }
        CHECK(cn_st_write(w, "shape.safetensors") == CN_OK);
        cn_st_writer_free(w);
        CHECK(cn_model_load(m2, "shape.safetensors") == CN_EFORMAT && strstr(cn_errmsg(), "shape [20, 32]") != NULL);
        cn_st_close(s);
    }

    /* the memory estimate */
    cn_model_mem mm;
    cn_model_memory(&c, 2, 6, 1, &mm);
    CHECK(mm.params == cn_config_params(&c) * 4 && mm.grads == mm.params && mm.moments == 2 * mm.params && mm.acts > 0);

    /* errors: tokens outside the vocabulary, a batch beyond the positions */
    {
        int32_t badids[12];
        memcpy(badids, ids, sizeof badids);
        badids[3] = 40;
        cn_batch b = {badids, NULL, NULL, NULL, NULL, tg};
        double loss;
        CHECK(cn_model_forward(m, &b, &loss) == CN_ERANGE && strstr(cn_errmsg(), "token id 40") != NULL);
        CHECK(cn_model_batch(m, 1, 33) == CN_EINVAL);
    }
    cn_model_free(m);
    cn_model_free(m2);
    free(g1), free(g2);

    check_zero(&c, NULL);
    check_zero(&c, "model.layers.0.self_attn.q_proj.weight"); /* one frozen: the gather through the gradients */

    /* BERT: tensors named with a "bert." prefix load too */
    {
        cn_config cb;
        CHECK(cn_config_parse(bert_cfg, strlen(bert_cfg), "b", &cb) == CN_OK);
        cn_model *b = cn_model_new(&cb, cn_ops_cpu());
        cn_model_init_random(b, 5, 0.2f);
        CHECK(cn_model_save(b, "bert") == CN_OK);
        cn_st *s = cn_st_open("bert/model.safetensors");
        cn_st_writer *w = cn_st_writer_new();
        char (*names)[128] = calloc(cn_st_count(s), 128);
        for (size_t i = 0; i < cn_st_count(s); i++) {
            const cn_st_tensor *t = cn_st_at(s, i);
            snprintf(names[i], 128, "bert.%s", t->name);
            cn_st_add(w, names[i], t->dtype, t->shape, t->ndim, t->data);
        }
        CHECK(cn_st_write(w, "prefixed.safetensors") == CN_OK);
        cn_st_writer_free(w);
        cn_model *b2 = cn_model_new(&cb, cn_ops_cpu());
        CHECK_MSG(cn_model_load(b2, "prefixed.safetensors") == CN_OK, "%s", cn_errmsg());
        float x[12 * 30], y[12 * 30];
        CHECK(cn_model_get(b, 0, x) == CN_OK && cn_model_get(b2, 0, y) == CN_OK && memcmp(x, y, sizeof x) == 0);
        cn_st_close(s);
        free(names);
        cn_model_free(b), cn_model_free(b2);
    }
    return check_done();
}
