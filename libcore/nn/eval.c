/* eval: log-likelihoods of continuations (eval.h).
 * B rows a forward, T tokens a row, V vocab; L a request's input length
 * (its tokens but the last, at most the window) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "eval.h"

/* where a request's inputs sit in the batch: row, first column */
typedef struct {
    size_t req;
    int row, off;
} place;

typedef struct {
    cn_model *m;
    const cn_eval_req *reqs;
    cn_eval_res *out;
    int B, T, V, w;
    int32_t *ids, *pos, *seg; /* [B*T] */
    float *logits;            /* [B*T, V] at most: the continuations' rows of a batch */
    place *pl;                /* the requests of this batch */
    size_t np;
} ctx;

static int window_of(const cn_config *c) {
    int w = c->max_pos;
    if (c->window > 0 && c->window < w) w = c->window;
    return w;
}

static int input_len(const cn_eval_req *r, int w) {
    size_t l = r->n - 1;
    return l > (size_t)w ? w : (int)l;
}

double cn_eval_logprob(const float *row, int v, uint32_t target, int *is_max) {
    float mx = row[0];
    int arg = 0;
    for (int j = 1; j < v; j++)
        if (row[j] > mx) mx = row[j], arg = j;
    double s = 0; /* sum of exp(x - max) in index order */
    for (int j = 0; j < v; j++) s += exp((double)row[j] - (double)mx);
    if (is_max) *is_max = arg == (int)target;
    return (double)row[target] - (double)mx - log(s);
}

/* one forward of the placed requests, then their continuations' log-probabilities */
static cn_status flush(ctx *x, int segments) {
    size_t N = (size_t)x->B * x->T;
    for (size_t i = 0; i < N; i++) x->ids[i] = 0, x->pos[i] = 0, x->seg[i] = -1; /* padding: a segment of its own */
    for (size_t q = 0; q < x->np; q++) {
        const place *p = &x->pl[q];
        const cn_eval_req *r = &x->reqs[p->req];
        int l = input_len(r, x->w);
        size_t s = r->n - 1 - (size_t)l, at = (size_t)p->row * x->T + (size_t)p->off;
        for (int j = 0; j < l; j++) x->ids[at + j] = (int32_t)r->ids[s + (size_t)j], x->pos[at + j] = j, x->seg[at + j] = (int32_t)q;
    }
    /* segments only when a row holds several sequences: with one a row, the
     * causal mask alone keeps the padding at its end out of sight */
    cn_batch bt = {x->ids, x->pos, segments ? x->seg : NULL, NULL, NULL, NULL};
    cn_status st = cn_model_forward(x->m, &bt, NULL);
    /* only the rows that predict a continuation: request q's ncont rows
     * (consecutive in its row of the batch) at x->logits + at[q] rows */
    size_t *at = malloc((x->np + 1) * sizeof *at);
    if (!st && !at) st = cn_fail(CN_ENOMEM, "out of memory");
    for (size_t q = 0, k = 0; q < x->np && !st; q++) {
        const place *p = &x->pl[q];
        const cn_eval_req *r = &x->reqs[p->req];
        size_t s = r->n - 1 - (size_t)input_len(r, x->w), first = r->n - r->ncont - 1 - s; /* the input predicting the first */
        at[q] = k;
        st = cn_model_logits_rows(x->m, (size_t)p->row * x->T + (size_t)p->off + first, r->ncont, x->logits + k * x->V);
        k += r->ncont;
    }
    if (st) {
        free(at);
        return st;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t q = 0; q < x->np; q++) {
        const place *p = &x->pl[q];
        const cn_eval_req *r = &x->reqs[p->req];
        size_t s = r->n - 1 - (size_t)input_len(r, x->w); /* tokens dropped from the left */
        double ll = 0;
        int greedy = 1;
        for (size_t t = r->n - r->ncont, i = 0; t < r->n; t++, i++) {
            int is_max;
            ll += cn_eval_logprob(x->logits + (at[q] + i) * x->V, x->V, r->ids[t], &is_max);
            greedy &= is_max;
        }
        x->out[p->req] = (cn_eval_res){ll, greedy, s};
    }
    free(at);
    x->np = 0;
    return CN_OK;
}

/* longest input first, then request order: the batches are a function of the lengths alone */
static int longer_first(const void *a, const void *b, void *arg) {
    const int *len = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (len[i] != len[j]) return len[i] > len[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* the row length for inputs of up to l tokens: l rounded up to a sixteenth
 * of the power of two above it (at least 16), at most the window; so few
 * batch shapes, and little padding */
static int row_len(int l, int w) {
    int p = 16;
    while (p < l) p *= 2;
    int step = p / 16 < 16 ? 16 : p / 16, t = (l + step - 1) / step * step;
    return t < w ? t : w;
}

cn_status cn_eval_loglik(cn_model *m, const cn_eval_req *reqs, size_t n, const cn_eval_opts *o, cn_eval_res *out) {
    const cn_config *c = cn_model_config(m);
    if (c->arch != CN_ARCH_LLAMA) return cn_fail(CN_EINVAL, "log-likelihoods need a causal (LLaMA) model");
    if (!n) return CN_OK;
    int w = window_of(c), longest = 1;
    for (size_t i = 0; i < n; i++) {
        const cn_eval_req *r = &reqs[i];
        if (r->ncont < 1 || r->ncont >= r->n)
            return cn_fail(CN_EINVAL, "request %zu: %zu tokens, %zu of them continuation: it needs both a context and a continuation", i,
                           r->n, r->ncont);
        if (r->ncont > (size_t)w)
            return cn_fail(CN_ERANGE, "request %zu: a continuation of %zu tokens is longer than the model's window of %d", i, r->ncont, w);
        for (size_t k = 0; k < r->n; k++)
            if (r->ids[k] >= (uint32_t)c->vocab)
                return cn_fail(CN_ERANGE, "request %zu: token id %u is outside the vocabulary of %d", i, r->ids[k], c->vocab);
        int l = input_len(r, w);
        if (l > longest) longest = l;
    }
    int budget = o && o->tokens > 0 ? o->tokens : 2048, pad = o && o->pad, tmax = row_len(longest, w);
    size_t cap = (size_t)(budget > tmax ? budget : tmax); /* tokens of the largest batch */
    ctx x = {m, reqs, out, 0, 0, c->vocab, w, malloc(cap * 4), malloc(cap * 4), malloc(cap * 4),
             malloc(cap * (size_t)c->vocab * sizeof(float)), malloc((cap < n ? cap : n) * sizeof(place)), 0};
    int *len = malloc(n * sizeof *len), *fill = calloc(cap, sizeof *fill);
    size_t *order = malloc(n * sizeof *order);
    cn_status st = CN_OK;
    if (!x.ids || !x.pos || !x.seg || !x.logits || !x.pl || !len || !fill || !order) {
        st = cn_fail(CN_ENOMEM, "out of memory for batches of %zu tokens", cap);
        goto done;
    }
    for (size_t i = 0; i < n; i++) order[i] = i, len[i] = input_len(&reqs[i], w);
    qsort_r(order, n, sizeof *order, longer_first, len);
    /* batches in that order, each of rows as long as its first (longest)
     * input needs; first fit: a request goes to the first row with room for
     * it (padded: the next empty row), and a request with no room starts the
     * next batch */
    for (size_t k = 0; k < n;) {
        int T = row_len(len[order[k]], w), B = budget / T, segments = 0;
        if (B < 1) B = 1;
        if ((size_t)B > n - k) B = (int)(n - k);
        if ((st = cn_model_batch(m, B, T))) goto done;
        x.B = B, x.T = T;
        memset(fill, 0, (size_t)B * sizeof *fill);
        for (; k < n; k++) {
            size_t i = order[k];
            int r = -1;
            for (int q = 0; q < B && r < 0; q++)
                if (pad ? fill[q] == 0 : fill[q] + len[i] <= T) r = q;
            if (r < 0) break;
            segments |= fill[r] > 0;
            x.pl[x.np++] = (place){i, r, fill[r]};
            fill[r] += len[i];
        }
        if ((st = flush(&x, segments))) goto done;
        if (o && o->progress) o->progress(o->arg, k, n);
    }
done:
    free(x.ids), free(x.pos), free(x.seg), free(x.logits), free(x.pl);
    free(len), free(fill), free(order);
    return st;
}

void cn_eval_proportion(double k, double n, cn_eval_prop *p) {
    const double z = 1.959963984540054; /* the normal's 97.5% quantile */
    double m = n > 0 ? k / n : 0;
    p->mean = m;
    p->se = n > 1 ? sqrt(m * (1 - m) / (n - 1)) : 0;
    if (n <= 0) {
        p->lo = 0, p->hi = 1;
        return;
    }
    /* Wilson: the p whose normal test at z would not reject m */
    double z2 = z * z, den = 1 + z2 / n, center = (m + z2 / (2 * n)) / den;
    double half = z / den * sqrt(m * (1 - m) / n + z2 / (4 * n * n));
    p->lo = center - half > 0 ? center - half : 0;
    p->hi = center + half < 1 ? center + half : 1;
}
