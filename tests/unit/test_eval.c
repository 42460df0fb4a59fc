/* eval: continuation log-likelihoods of a tiny random LLaMA, packed several
 * to a row, padded one to a row, in batches of every size and one request at
 * a time, all equal to a direct log-softmax (written here, in double) of
 * cn_model_logits over each sequence alone; left truncation past the window;
 * the same bits on 1 and 2 threads; bad requests; the interval arithmetic. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "eval.h"
#include "rng.h"

static const char *cfg_json =
    "{\"model_type\": \"llama\", \"hidden_size\": 16, \"intermediate_size\": 24, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 40, \"max_position_embeddings\": 24}";

#define NREQ 23
#define WINDOW 24

/* the reference: the sequence alone (its last WINDOW + 1 tokens), logits of
 * one forward, log-softmax written out */
static double direct(cn_model *m, const cn_eval_req *r, int *greedy, size_t *dropped) {
    const int V = 40;
    size_t l = r->n - 1 > WINDOW ? WINDOW : r->n - 1, s = r->n - 1 - l;
    int32_t ids[WINDOW];
    for (size_t j = 0; j < l; j++) ids[j] = (int32_t)r->ids[s + j];
    CHECK(cn_model_batch(m, 1, (int)l) == CN_OK);
    cn_batch b = {ids, NULL, NULL, NULL, NULL, NULL};
    CHECK(cn_model_forward(m, &b, NULL) == CN_OK);
    float *lg = malloc(l * V * sizeof *lg);
    CHECK(cn_model_logits(m, lg) == CN_OK);
    double ll = 0;
    *greedy = 1;
    for (size_t t = r->n - r->ncont; t < r->n; t++) {
        const float *row = lg + (t - 1 - s) * V;
        double mx = -INFINITY, z = 0;
        for (int k = 0; k < V; k++) mx = row[k] > mx ? row[k] : mx;
        for (int k = 0; k < V; k++) z += exp(row[k] - mx);
        ll += row[r->ids[t]] - mx - log(z);
        for (int k = 0; k < V; k++)
            if (row[k] > row[r->ids[t]] || (row[k] == row[r->ids[t]] && k < (int)r->ids[t])) *greedy = 0;
    }
    free(lg);
    *dropped = s;
    return ll;
}

/* the largest |got - ref| / (1 + 0.1 |ref|): <= 1e-5 is the tolerance
 * atol 1e-5 + rtol 1e-6 |ref| (a sum of a few log-probabilities of float logits) */
static double maxdiff(const cn_eval_res *a, const double *ref, size_t n) {
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs(a[i].ll - ref[i]) / (1 + fabs(ref[i]) * 0.1));
    return d;
}

int main(void) {
    cn_config c;
    CHECK(cn_config_parse(cfg_json, strlen(cfg_json), "c", &c) == CN_OK);
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    cn_model_init_random(m, 11, 0.3f);

    /* requests of many lengths, a few longer than the window, and some
     * sharing a context (as the choices of one question do) */
    cn_rng rng;
    uint64_t key = 5;
    cn_rng_seed(&rng, &key, 1);
    uint32_t tok[NREQ][40];
    cn_eval_req req[NREQ];
    for (int i = 0; i < NREQ; i++) {
        size_t n = i < 3 ? (size_t)(30 + 4 * i) : 2 + cn_rng_below(&rng, 22);
        for (size_t k = 0; k < n; k++) tok[i][k] = (uint32_t)cn_rng_below(&rng, 40);
        if (i > 0 && i % 4 == 0 && n > 3) memcpy(tok[i], tok[i - 1], (n < req[i - 1].n ? n - 1 : req[i - 1].n - 1) * 4);
        size_t nc = 1 + cn_rng_below(&rng, n - 1 < 5 ? n - 1 : 5);
        req[i] = (cn_eval_req){tok[i], n, nc};
    }

    double ref[NREQ];
    int rgreedy[NREQ], anygreedy = 0;
    size_t rdropped[NREQ];
    for (int i = 0; i < NREQ; i++) ref[i] = direct(m, &req[i], &rgreedy[i], &rdropped[i]), anygreedy |= rgreedy[i];
    CHECK(rdropped[0] == 5 && rdropped[2] == 13 && rdropped[5] == 0);

    cn_eval_res got[NREQ], again[NREQ];
    /* packed, the default budget: every request in one forward */
    CHECK_MSG(cn_eval_loglik(m, req, NREQ, NULL, got) == CN_OK, "%s", cn_errmsg());
    double d = maxdiff(got, ref, NREQ);
    printf("packed, one forward: max |ll - direct| = %.3g\n", d);
    CHECK(d <= 1e-5);
    for (int i = 0; i < NREQ; i++) CHECK(got[i].greedy == rgreedy[i] && got[i].dropped == rdropped[i] && got[i].ll < 0);

    /* budgets from one row to several, packed and padded */
    int budgets[] = {24, 30, 48, 100};
    for (int pad = 0; pad <= 1; pad++)
        for (int k = 0; k < 4; k++) {
            cn_eval_opts o = {budgets[k], pad, NULL, NULL};
            memset(again, 0, sizeof again);
            CHECK(cn_eval_loglik(m, req, NREQ, &o, again) == CN_OK);
            d = maxdiff(again, ref, NREQ);
            printf("%s, %d tokens a forward: max |ll - direct| = %.3g\n", pad ? "padded" : "packed", budgets[k], d);
            CHECK(d <= 1e-5);
            for (int i = 0; i < NREQ; i++) CHECK(again[i].greedy == rgreedy[i] && again[i].dropped == rdropped[i]);
        }
    /* one request at a time */
    for (int i = 0; i < NREQ; i++) {
        CHECK(cn_eval_loglik(m, &req[i], 1, NULL, &again[i]) == CN_OK);
        CHECK(fabs(again[i].ll - ref[i]) <= 1e-5 * (1 + fabs(ref[i]) * 0.1));
    }

    /* deterministic: the same call twice, the same bits; on 1 and 2 threads
     * the same to rounding (OpenBLAS's threaded sgemm of the head does not
     * give the single-threaded bits), and the same greedy flags */
    CHECK(cn_eval_loglik(m, req, NREQ, NULL, again) == CN_OK);
    for (int i = 0; i < NREQ; i++) CHECK(memcmp(&again[i].ll, &got[i].ll, sizeof(double)) == 0);
    int nt = omp_get_max_threads();
    for (int t = 1; t <= 2; t++) {
        omp_set_num_threads(t);
        CHECK(cn_eval_loglik(m, req, NREQ, NULL, again) == CN_OK);
        d = maxdiff(again, ref, NREQ);
        printf("%d thread%s: max |ll - direct| = %.3g\n", t, t > 1 ? "s" : "", d);
        CHECK(d <= 1e-5);
        for (int i = 0; i < NREQ; i++) CHECK(again[i].greedy == rgreedy[i]);
    }
    omp_set_num_threads(nt);

    /* bad requests */
    cn_eval_req bad = {tok[3], 5, 0};
    CHECK(cn_eval_loglik(m, &bad, 1, NULL, got) == CN_EINVAL);
    bad.ncont = 5;
    CHECK(cn_eval_loglik(m, &bad, 1, NULL, got) == CN_EINVAL && strstr(cn_errmsg(), "request 0") != NULL);
    uint32_t big[40] = {1, 2, 40, 3};
    cn_eval_req two[2] = {req[5], {big, 4, 1}};
    CHECK(cn_eval_loglik(m, two, 2, NULL, got) == CN_ERANGE && strstr(cn_errmsg(), "request 1: token id 40") != NULL);
    two[1] = (cn_eval_req){tok[0], 30, 25};
    CHECK(cn_eval_loglik(m, two, 2, NULL, got) == CN_ERANGE && strstr(cn_errmsg(), "longer than the model's window of 24") != NULL);
    CHECK(cn_eval_loglik(m, req, 0, NULL, got) == CN_OK);

    /* one row of logits: log-softmax in double, safe at large values */
    float row[3] = {1, 2, 3};
    int mx;
    CHECK(fabs(cn_eval_logprob(row, 3, 1, &mx) - (2 - log(exp(1) + exp(2) + exp(3)))) < 1e-12 && mx == 0);
    CHECK(cn_eval_logprob(row, 3, 2, &mx) < 0 && mx == 1);
    float hot[2] = {1000, 1000};
    CHECK(fabs(cn_eval_logprob(hot, 2, 1, &mx) - log(0.5)) < 1e-12 && mx == 0);

    /* 7 of 10: mean 0.7, lm-eval's stderr sqrt(0.21 / 9), Wilson [0.3968, 0.8922] */
    cn_eval_prop p;
    cn_eval_proportion(7, 10, &p);
    CHECK(fabs(p.mean - 0.7) < 1e-15 && fabs(p.se - sqrt(0.21 / 9)) < 1e-15);
    CHECK(fabs(p.lo - 0.396781) < 1e-5 && fabs(p.hi - 0.892208) < 1e-5);
    cn_eval_proportion(0, 10, &p);
    CHECK(p.lo == 0 && fabs(p.hi - 3.841459 / 13.841459) < 1e-6 && p.se == 0);
    cn_eval_proportion(1, 1, &p);
    CHECK(p.mean == 1 && p.se == 0 && p.hi == 1 && p.lo > 0.2);

    cn_model_free(m);
    return check_done();
}
